"""The campaign graph: its shape (golden snapshot) and full checkpointed runs.

Runs use the real graph, the real SQLite checkpointer, the real agents, asset store and
MiniLM; only the LLM's words are scripted (injected with ``override_backend``).
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from pathlib import Path

import pytest

from adloom.config import Settings
from adloom.agents.brief import load_brief
from adloom.agents.critic import Check
from conftest import REPO_ROOT
from adloom.agents.feedback import VARIANT_CHAIN
from adloom.graphs.campaign import MAX_REVISIONS_PER_NODE, RunContext, build_campaign_graph
from adloom.graphs.checkpoint import open_checkpointer
from graph_shapes import assert_graph_matches_snapshot
from scripted_llm import GARBAGE, VALID_NORTHWIND_COPY, ScriptedBackend, copy_reply, models_with_backend, northwind_script
from adloom.storage.assets import AssetStore, sha256_file
from adloom.tools.context import ToolContext
from adloom.tools.media_checks import check_streams
from adloom.tools.subtitles import parse_srt, parse_vtt

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"


def test_graph_shape_matches_the_snapshot():
    assert_graph_matches_snapshot(build_campaign_graph(), "campaign", "tests/test_campaign_graph.py")


class CampaignRun:
    """One graph run in a temporary data folder, with its event log."""

    def __init__(self, tmp_path: Path, brief: dict, backend: ScriptedBackend):
        self.settings = Settings(
            data_dir=tmp_path / "data", llm={"max_retries": 0}, copywriter={"candidates": 1},
        )
        self.brief = brief
        self.backend = backend
        self.out_dir = tmp_path / "out"
        self.run_id = uuid.uuid4().hex
        self.events: list[tuple[str, str, dict]] = []

    def context(self, backend: ScriptedBackend) -> RunContext:
        models = models_with_backend(backend, self.settings.llm)
        return RunContext(
            tools=ToolContext(settings=self.settings, assets=AssetStore(self.settings.data_dir), models=models),
            copywriter=self.settings.copywriter,
            out_dir=self.out_dir,
            record_event=lambda node, event, detail: self.events.append((node, event, detail)),
        )

    def invoke(self, graph_input: dict | None = None, backend: ScriptedBackend | None = None) -> dict:
        config = {"configurable": {"thread_id": self.run_id}}
        with open_checkpointer(self.settings.database_url, self.settings.checkpoint_path) as saver:
            graph = build_campaign_graph().compile(checkpointer=saver)
            final = graph.invoke(
                graph_input, config, context=self.context(backend or self.backend), durability="sync",
            )
            self.saved = graph.get_state(config)
        return final

    def start(self) -> dict:
        return self.invoke({"run_id": self.run_id, "brief": self.brief})

    def finished(self, node: str) -> list[str]:
        """Labels of the finished executions of ``node``, in order."""
        return [detail["label"] for name, event, detail in self.events if name == node and event == "finished"]

    def manifest(self) -> dict:
        return json.loads((self.out_dir / self.run_id / "manifest.json").read_text("utf-8"))


@pytest.fixture
def brief() -> dict:
    """The example brief as an 8-second ad: every node runs, the renders are short."""
    data = load_brief(EXAMPLE).model_dump(mode="json")
    data["duration_s"] = 8
    return data


@pytest.mark.slow
def test_full_run_writes_a_verifiable_manifest(tmp_path):
    brief = load_brief(EXAMPLE).model_dump(mode="json")  # the real 15-second ad
    run = CampaignRun(tmp_path, brief, ScriptedBackend(northwind_script()))
    final = run.start()

    manifest_path = run.out_dir / run.run_id / "manifest.json"
    assert final["manifest_path"] == str(manifest_path) and manifest_path.is_file()
    manifest = run.manifest()
    assert manifest["run_id"] == run.run_id
    assert manifest["status"] == "succeeded", [c for c in manifest["checks"] if not c["passed"]]
    assert manifest["brief"] == brief
    assert [v["id"] for v in manifest["plan"]["variants"]] == ["v1"]
    assert manifest["plan"]["variants"][0]["source"] == "llm"
    copy_path = Path(manifest["outputs"]["copy"])
    assert copy_path.is_file() and copy_path.parent == run.out_dir / run.run_id
    copy = json.loads(copy_path.read_text("utf-8"))
    assert sorted(copy["v1"]["platforms"]) == sorted(brief["platforms"])
    assert copy["v1"]["platforms"]["tiktok"]["headline"] == "Northwind Cold Brew for busy mornings"
    # Every text a viewer meets is traced to the brief in the manifest.
    traced = manifest["grounding"]["v1"]
    assert {"tiktok.headline", "script[0]", "key_messages[0]", "image scene-1.headline"} <= {t["field"] for t in traced}
    assert all(t["supported"] for t in traced), [t for t in traced if not t["supported"]]
    assert "product.facts[0]: steeped for 18 hours" in next(t for t in traced if t["field"] == "key_messages[0]")["facts"]
    assert {"component", "licence"} <= set(manifest["licences"][0])
    assert Path(manifest["outputs"]["copy_markdown"]).read_text("utf-8").startswith("# Northwind Cold Brew")
    outputs = manifest["outputs"]
    video = Path(outputs["video"])
    assert video == run.out_dir / run.run_id / "v1" / "ad-9x16.mp4"
    report = check_streams(video, (1080, 1920), 15.0)
    assert report.ok, report.problems
    assert outputs["videos"] == {"9:16": str(video)}  # all three platforms show 9:16
    cues = parse_srt(Path(outputs["srt"]).read_text("utf-8")).cues
    spoken = copy["v1"]["script"][0]["text"]
    assert " ".join(c.plain_text for c in cues).split()[:2] == spoken.split()[:2]
    vtt_cues = parse_vtt(Path(outputs["vtt"]).read_text("utf-8")).cues
    assert [(c.start_ms, c.end_ms, c.lines) for c in vtt_cues] == [(c.start_ms, c.end_ms, c.lines) for c in cues]
    assert len(outputs["images"]) == len(manifest["plan"]["variants"][0]["scenes"])
    assert Path(outputs["voiceover"]).stat().st_size > 0
    media_checks = {c["name"] for c in manifest["checks"]}
    assert {"video.9:16.streams", "video.9:16.loudness", "voiceover.loudness", "captions.sync",
            "captions.legibility", "end_card.legibility", "frames.nsfw.scene-0", "images.scene-0"} <= media_checks

    assert manifest["assets"], "the manifest lists no assets"
    for asset in manifest["assets"]:
        assert set(asset) >= {"path", "sha256", "kind", "tool", "backend"}
        assert sha256_file(Path(asset["path"])) == asset["sha256"], asset
    for name, digest in manifest["run_files"].items():
        assert sha256_file(run.out_dir / run.run_id / name) == digest
    assert {"planner", "copywriter:v1", "critic"} <= set(manifest["timings"])
    assert all(seconds >= 0 for seconds in manifest["timings"].values())

    assert run.finished("copywriter") == ["copywriter:v1"]
    assert [n for n, e, _ in run.events if e == "finished"] == ["planner", *VARIANT_CHAIN, "critic", "manifest"]
    # The checkpointer holds the finished run: nothing is left to execute.
    assert run.saved.next == () and run.saved.values["manifest_path"] == str(manifest_path)


def fail_tiktok_copy_until_revised(monkeypatch, rounds_failing: int) -> None:
    """The critic's copy review, plus one failing TikTok check for the first ``rounds_failing`` reviews.

    The copywriter already checks everything the critic does, so a real first draft never
    fails review; in a live run this happens when the brief changes under finished copy (a
    price edited at a gate). The extra check stands in for that, to drive the send-back.
    """
    import adloom.graphs.campaign as campaign

    real = campaign.review_copy
    reviews = []

    def review(brief, plan, copy, models):
        checks = real(brief, plan, copy, models)
        reviews.append(copy.platforms["tiktok"].headline)
        if len(reviews) <= rounds_failing:
            checks.append(Check(variant_id=copy.variant_id, name="copy.tiktok.price", passed=False,
                                detail="the price changed to $2.99", responsible="copywriter", target="tiktok"))
        return checks

    monkeypatch.setattr(campaign, "review_copy", review)


@pytest.mark.slow
def test_critic_sends_a_variant_back_once_and_the_fix_is_used(tmp_path, brief, monkeypatch):
    fail_tiktok_copy_until_revised(monkeypatch, rounds_failing=1)
    script = northwind_script()
    script["CopyDraft_tiktok"] = [VALID_NORTHWIND_COPY, copy_reply(
        "Northwind, steeped for 18 hours", "Northwind Cold Brew is naturally sweet, with no added sugar.", "Grab a can",
    )]
    run = CampaignRun(tmp_path, brief, ScriptedBackend(script))
    run.start()

    assert run.finished("copywriter") == ["copywriter:v1", "copywriter:v1"]
    assert len(run.finished("critic")) == 2
    # The send-back says which check failed and what is redone.
    said = [detail["reason"] for node, event, detail in run.events if (node, event) == ("critic", "revising")]
    assert said == ["copy.tiktok.price (the price changed to $2.99): making the copy again, and what follows from it"]
    manifest = run.manifest()
    assert manifest["status"] == "succeeded"
    assert manifest["copy"]["v1"]["platforms"]["tiktok"]["headline"] == "Northwind, steeped for 18 hours"
    # The revision asked again only for TikTok, with the critic's reason in the prompt.
    tiktok_calls = run.backend.calls_for("CopyDraft_tiktok")
    assert len(tiktok_calls) == 2
    assert "A reviewer rejected" in tiktok_calls[1].prompt and "the price changed to $2.99" in tiktok_calls[1].prompt
    assert len(run.backend.calls_for("CopyDraft_instagram_reels")) == 1
    assert len(run.backend.calls_for("ScriptDraft")) == 1


@pytest.mark.slow
def test_critic_sends_a_variant_back_only_once(tmp_path, brief, monkeypatch):
    fail_tiktok_copy_until_revised(monkeypatch, rounds_failing=2)
    run = CampaignRun(tmp_path, brief, ScriptedBackend(northwind_script()))
    final = run.start()

    assert MAX_REVISIONS_PER_NODE == 1
    assert run.finished("copywriter") == ["copywriter:v1", "copywriter:v1"]
    assert len(run.finished("critic")) == 2
    assert final["revisions"] == {"v1:copywriter": 1}
    manifest = run.manifest()
    assert manifest["status"] == "needs_review"
    failed = [check["name"] for check in manifest["checks"] if not check["passed"]]
    assert failed == ["copy.tiktok.price"]


@pytest.mark.slow
def test_copy_that_grounds_nowhere_ships_pattern_copy_that_passes(tmp_path, brief):
    script = northwind_script()
    script["CopyDraft_tiktok"] = [GARBAGE]
    run = CampaignRun(tmp_path, brief, ScriptedBackend(script))
    run.start()
    manifest = run.manifest()
    assert manifest["status"] == "succeeded", [c for c in manifest["checks"] if not c["passed"]]
    assert manifest["copy"]["v1"]["platforms"]["tiktok"]["source"] == "pattern"
    assert run.finished("copywriter") == ["copywriter:v1"]  # nothing to send back


@pytest.mark.slow
def test_two_variants_fan_out_and_both_get_copy(tmp_path, brief):
    brief["variants"] = 2
    run = CampaignRun(tmp_path, brief, ScriptedBackend(northwind_script()))
    final = run.start()

    assert sorted(final["variants"]) == ["v1", "v2"] and all(w["ad_copy"] for w in final["variants"].values())
    assert sorted(run.finished("copywriter")) == ["copywriter:v1", "copywriter:v2"]
    assert len(run.finished("critic")) == 1  # the critic waits for both branches
    manifest = run.manifest()
    assert manifest["status"] == "succeeded"
    assert [v["id"] for v in manifest["plan"]["variants"]] == ["v1", "v2"]
    for variant_id in ("v1", "v2"):
        platforms = manifest["copy"][variant_id]["platforms"]
        assert sorted(platforms) == sorted(brief["platforms"])
        assert {"copy.tiktok", "script"} <= {c["name"] for c in manifest["checks"] if c["variant_id"] == variant_id}
    assert {"copywriter:v1", "copywriter:v2"} <= set(manifest["timings"])
    assert len(run.backend.calls_for("PlanDraft")) == 2


@pytest.mark.slow
def test_failed_run_resumes_from_its_checkpoint_without_replanning(tmp_path, brief):
    def broken(call):
        raise RuntimeError("the model server went away")

    failing = northwind_script()
    failing["CopyDraft"] = [broken]
    run = CampaignRun(tmp_path, brief, ScriptedBackend(failing))
    with pytest.raises(RuntimeError, match="went away"):
        run.start()
    assert run.finished("planner") == ["planner"] and run.finished("copywriter") == []
    assert any(node == "copywriter" and event == "failed" for node, event, _ in run.events)
    assert not (run.out_dir / run.run_id / "manifest.json").exists()

    healthy = ScriptedBackend(northwind_script())
    final = run.invoke(None, backend=healthy)  # resume: no input, same thread id

    assert run.finished("planner") == ["planner"]  # not executed again
    assert healthy.calls_for("PlanDraft") == []
    assert run.finished("copywriter") == ["copywriter:v1"]
    assert Path(final["manifest_path"]).is_file()
    assert Counter(n for n, e, _ in run.events if e == "finished") == {
        "planner": 1, **{node: 1 for node in VARIANT_CHAIN}, "critic": 1, "manifest": 1,
    }
