"""Seconds for one campaign's plan and copy on the configured LLM (embedded by default).

Runs the planner and the copywriter for every variant of a brief, outside the graph and
without a database, and prints stage times, LLM calls, attempts and tokens/s.

    python benchmarks/campaign_copy.py [examples/brief.yaml] [--candidates N]
"""

from __future__ import annotations

import argparse
import time

from adloom.config import load_settings
from adloom.agents.brief import load_brief
from adloom.agents.copywriter import write_variant_copy
from adloom.agents.llm_access import AgentLLM
from adloom.agents.planner import plan_campaign
from adloom.tools.context import ResidentModels
from adloom.tools.embeddings.tool import embed_texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("brief", nargs="?", default="examples/brief.yaml")
    parser.add_argument("--candidates", type=int, default=None, help="override [copywriter] candidates")
    args = parser.parse_args()

    settings = load_settings()
    copy_settings = settings.copywriter
    if args.candidates:
        copy_settings = copy_settings.model_copy(update={"candidates": args.candidates})
    brief = load_brief(args.brief)
    models = ResidentModels()

    started = time.perf_counter()
    llm = AgentLLM.load(settings.llm, models)
    embed_texts(["warm up"], models)
    load_s = time.perf_counter() - started

    started = time.perf_counter()
    plan = plan_campaign(brief, llm)
    plan_s = time.perf_counter() - started

    started = time.perf_counter()
    copies = [write_variant_copy(brief, v, llm, models, copy_settings) for v in plan.variants]
    copy_s = time.perf_counter() - started

    patterned = sum(p.source == "pattern" for c in copies for p in c.platforms.values())
    usage = llm.usage
    print(f"backend            {llm.backend.name} ({llm.backend.model_id})")
    print(f"brief              {args.brief}: {len(plan.variants)} variant(s) x {len(brief.platforms)} platform(s), "
          f"{copy_settings.candidates} candidate(s) each")
    print(f"model load         {load_s:6.2f} s (LLM + MiniLM)")
    print(f"plan               {plan_s:6.2f} s")
    print(f"copy + script      {copy_s:6.2f} s")
    print(f"campaign copy      {plan_s + copy_s:6.2f} s")
    print(f"LLM calls          {usage.calls} ({usage.attempts} attempts, {usage.failures} fell back)")
    print(f"generated tokens/s {usage.tokens_per_second:6.1f}")
    print(f"pattern platforms  {patterned} (the LLM's copy did not pass grounding or ranked lower)")


if __name__ == "__main__":
    main()
