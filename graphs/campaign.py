"""The campaign graph: planner → copywriter (one branch per variant) → critic → manifest.

Per-variant work fans out with ``Send``; each per-variant node hands the variant on to the
next per-variant node, so the media nodes (art director, video, voiceover, subtitles,
editor) slot in between ``copywriter`` and ``critic`` as further links of that chain.
Everything a node needs that is not data (settings, models, the asset store, the event
log) comes from the run-scoped :class:`RunContext`, not from the checkpointed state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Command, RetryPolicy, Send

from agents.brief import Brief
from agents.config import CopywriterSettings
from agents.copywriter import VariantCopy, write_variant_copy
from agents.critic import review_copy
from agents.llm_access import AgentLLM
from agents.manifest import write_manifest
from agents.planner import CampaignPlan, plan_campaign
from graphs.state import CampaignState, VariantTask
from tools.context import ToolContext
from tools.llm.backend import load_backend

EventSink = Callable[[str, str, dict], None]
MAX_REVISIONS_PER_NODE = 1


def _ignore_event(node: str, event: str, detail: dict) -> None:
    """Default event sink for graphs run without a run log."""


@dataclass
class RunContext:
    """Run-scoped dependencies of the campaign graph (never checkpointed)."""

    tools: ToolContext
    copywriter: CopywriterSettings
    out_dir: Path
    record_event: EventSink = _ignore_event
    _llm: AgentLLM | None = field(default=None, repr=False)

    @property
    def llm(self) -> AgentLLM:
        if self._llm is None:
            settings = self.tools.settings.llm
            self._llm = AgentLLM(load_backend(settings, self.tools.models), settings)
        return self._llm


def _tracked(name: str, body: Callable[[Any, RunContext], dict | Command]):
    """Wrap a node body: log start/finish in the run's event log and time it."""

    def node(state: Any, runtime: Runtime[RunContext]) -> dict | Command:
        context = runtime.context
        label = f"{name}:{state['variant_id']}" if "variant_id" in state else name
        context.record_event(name, "started", {"label": label})
        started = time.perf_counter()
        try:
            result = body(state, context)
        except Exception as exc:
            context.record_event(name, "failed", {"label": label, "error": str(exc)})
            raise
        seconds = round(time.perf_counter() - started, 3)
        context.record_event(name, "finished", {"label": label, "seconds": seconds})
        timing = {"timings": {label: seconds}}
        if isinstance(result, Command):
            return Command(goto=result.goto, update={**(result.update or {}), **timing})
        return {**result, **timing}

    node.__name__ = name
    return node


def plan_node(state: CampaignState, context: RunContext) -> dict:
    brief = Brief.model_validate(state["brief"])
    plan = plan_campaign(brief, context.llm)
    return {"plan": plan.model_dump(mode="json")}


def fan_out_variants(state: CampaignState) -> list[Send]:
    return [
        Send("copywriter", VariantTask(
            variant_id=v["id"], brief=state["brief"], plan=state["plan"], feedback={}, previous={},
        ))
        for v in state["plan"]["variants"]
    ]


def copywriter_node(task: VariantTask, context: RunContext) -> dict:
    brief = Brief.model_validate(task["brief"])
    plan = CampaignPlan.model_validate(task["plan"])
    variant = next(v for v in plan.variants if v.id == task["variant_id"])
    previous = VariantCopy.model_validate(task["previous"]["copy"]) if task.get("previous", {}).get("copy") else None
    copy = write_variant_copy(
        brief, variant, context.llm, context.tools.models, context.copywriter, task["feedback"], previous
    )
    return {"copy": {variant.id: copy.model_dump(mode="json")}}


def critic_node(state: CampaignState, context: RunContext) -> Command:
    brief = Brief.model_validate(state["brief"])
    plan = CampaignPlan.model_validate(state["plan"])
    checks = []
    for variant in plan.variants:
        checks += review_copy(brief, plan, VariantCopy.model_validate(state["copy"][variant.id]))
    revisions = state.get("revisions", {})
    sends: list[Send] = []
    sent_back: dict[str, int] = {}
    for variant in plan.variants:
        failed = [c for c in checks if c.variant_id == variant.id and not c.passed]
        by_node: dict[str, dict[str, list[str]]] = {}
        for check in failed:
            by_node.setdefault(check.responsible, {}).setdefault(check.target, []).append(check.detail)
        for node_name, feedback in by_node.items():
            key = f"{variant.id}:{node_name}"
            if revisions.get(key, 0) < MAX_REVISIONS_PER_NODE:
                sent_back[key] = revisions.get(key, 0) + 1
                sends.append(Send(node_name, VariantTask(
                    variant_id=variant.id, brief=state["brief"], plan=state["plan"], feedback=feedback,
                    previous={"copy": state["copy"][variant.id]},
                )))
    update = {"checks": [c.model_dump() for c in checks], "revisions": sent_back}
    return Command(goto=sends or "manifest", update=update)


def manifest_node(state: CampaignState, context: RunContext) -> dict:
    path, refs = write_manifest(state, context.tools.assets, context.out_dir)
    return {"manifest_path": str(path), "assets": [ref.model_dump(mode="json") for ref in refs]}


def build_campaign_graph() -> StateGraph:
    """The uncompiled campaign graph (compile it with a checkpointer to run it)."""
    llm_retry = RetryPolicy(max_attempts=2)
    graph = StateGraph(CampaignState, context_schema=RunContext)
    graph.add_node("planner", _tracked("planner", plan_node), retry_policy=llm_retry)
    graph.add_node("copywriter", _tracked("copywriter", copywriter_node), retry_policy=llm_retry)
    graph.add_node("critic", _tracked("critic", critic_node), destinations=("copywriter", "manifest"))
    graph.add_node("manifest", _tracked("manifest", manifest_node))
    graph.add_edge(START, "planner")
    graph.add_conditional_edges("planner", fan_out_variants, ["copywriter"])
    graph.add_edge("copywriter", "critic")
    graph.add_edge("manifest", END)
    return graph
