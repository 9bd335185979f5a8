"""The chat graph and the approval gates: real graphs, checkpointer, agents and media tools.

Only the LLM's words are scripted (``override_backend``); every gate pause is a real
``interrupt()`` resumed with ``Command(resume=...)`` on the SQLite checkpointer.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from langgraph.types import Command

from adloom.config import Settings
from conftest import needs_piper
from adloom.agents.chat_planner import (
    BriefDraft,
    ChatTurn,
    ask_for_missing,
    duration_named,
    merge_turn,
    platforms_named,
    unsupported_platforms_note,
    variants_named,
)
from adloom.agents.llm_access import AgentLLM
from adloom.agents.music_library import LibraryTrack
from adloom.agents.revisions import GateDecision, gate_preview, plan_revision
from adloom.graphs.campaign import APPROVAL_GATES, RunContext
from adloom.graphs.chat import ChatContext, build_chat_graph, report_tool_progress
from adloom.graphs.checkpoint import open_checkpointer
from graph_shapes import assert_graph_matches_snapshot
from scripted_llm import ScriptedBackend, copy_reply, filling_script_lines, models_with_backend, plan_reply
from adloom.storage.assets import AssetStore
from adloom.tools.context import ToolContext
from adloom.tools.tts.voices import VoiceChoice

FIRST_MESSAGE = "I need a TikTok ad for our new running shoe"
SECOND_MESSAGE = "We are Stride. It is a light running shoe with a recycled foam sole, for weekend runners."


shoe_script_lines = filling_script_lines(
    ["Stride shoes.", "Light sole.", "Weekend runners."], ["A running shoe.", "Recycled foam sole.", "Shop Stride now."])


def shoe_script() -> dict:
    """Replies for a whole conversation about the running shoe, brief questions included."""
    return {
        "ChatTurn": [
            json.dumps({"product_name": "running shoe", "platforms": ["tiktok"], "wants_ad": True}),
            json.dumps({"brand_name": "Stride", "product_description": "A light running shoe with a recycled foam sole",
                        "audience": "weekend runners"}),
        ],
        "PlanDraft": [plan_reply(["A light running shoe", "A recycled foam sole"],
                                 ["A runner laces up", "Close-up of the sole", "Logo and call to action"])],
        "CopyDraft": [copy_reply("Stride running shoe for weekend runners", "A light running shoe with a recycled foam sole.",
                                 "Shop now")],
        "ScriptDraft": [shoe_script_lines],
    }


class ChatHarness:
    """The chat graph on a thread in a temporary data folder, streamed like the server does."""

    def __init__(self, tmp_path: Path, backend: ScriptedBackend, gates=APPROVAL_GATES):
        self.settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0}, copywriter={"candidates": 1})
        self.backend = backend
        self.models = models_with_backend(backend, self.settings.llm)
        self.gates = frozenset(gates)
        self.config = {"configurable": {"thread_id": "thread-1"}}
        self.events: list[dict] = []
        self.out_dir = tmp_path / "out"
        self.footage_render_size: tuple[int, int] | None = None
        self.music_library: tuple[LibraryTrack, ...] = ()

    def context(self) -> ChatContext:
        return ChatContext(
            tools=ToolContext(settings=self.settings, assets=AssetStore(self.settings.data_dir), models=self.models,
                              progress=report_tool_progress),
            copywriter=self.settings.copywriter, out_dir=self.out_dir, approval_gates=self.gates,
            default_duration_s=6, footage_render_size=self.footage_render_size, music_library=self.music_library,
        )

    def send(self, graph_input):
        with open_checkpointer(self.settings.database_url, self.settings.checkpoint_path) as saver:
            graph = build_chat_graph().compile(checkpointer=saver)
            for _, mode, chunk in graph.stream(graph_input, self.config, context=self.context(),
                                               stream_mode=["updates", "custom"], subgraphs=True, durability="sync"):
                if mode == "custom":
                    self.events.append(chunk)
            return graph.get_state(self.config)

    def say(self, text: str):
        return self.send({"messages": [{"role": "user", "content": text}]})

    def decide(self, snapshot, action: str, request: str = ""):
        assert snapshot.interrupts, "nothing is waiting for approval"
        return self.send(Command(resume={i.id: {"action": action, "request": request} for i in snapshot.interrupts}))

    def finished(self, node: str) -> int:
        return sum(1 for e in self.events if e.get("type") == "node" and e["node"] == node and e["event"] == "finished")


# --- the planner's reading of messages -------------------------------------------------------


def test_versions_to_compare_and_a_voice_are_read_from_plain_words_and_reach_the_brief():
    assert variants_named("make two versions so I can compare") == 2
    assert variants_named("3 different variants please") == 3
    assert variants_named("a version for TikTok") is None
    messages = [{"role": "user", "content": "Two versions of a TikTok ad with a female voice, for hikers"}]
    draft, _ = merge_turn(BriefDraft(brand_name="Tidewell", product_name="Trail Bottle",
                                     product_description="A steel bottle"), ChatTurn(), messages)
    assert draft.variants == 2 and draft.voice == "heart"
    brief = draft.model_copy(update={"audience": "hikers"}).to_brief(15)
    assert brief.variants == 2 and brief.voiceover.backend == "hibari" and brief.voiceover.voice == "heart"
    # "women's" in what the ad is about is not a voice asked for
    about = [{"role": "user", "content": "A TikTok ad for women's trail shoes"}]
    assert merge_turn(BriefDraft(), ChatTurn(), about)[0].voice is None


def test_platforms_and_lengths_are_read_from_plain_words():
    assert platforms_named("I need a TikTok ad and some Instagram Reels") == ["tiktok", "instagram_reels"]
    assert platforms_named("youtube shorts please") == ["youtube_shorts"]
    assert platforms_named("a nice ad") == []
    assert duration_named("make it 20 seconds") == 20.0
    assert duration_named("a 3 s ad") is None  # below the brief's minimum


def test_missing_fields_are_asked_for_by_name():
    draft = BriefDraft(product_name="running shoe", platforms=["tiktok"])
    assert draft.missing() == ["brand_name", "product_description", "audience"]
    question = ask_for_missing(draft)
    assert "your brand's name" in question and "who the ad is for" in question
    assert "running shoe" in question


def test_invented_names_are_dropped(tmp_path):
    """A model that names a product the marketer never mentioned does not get it into the brief."""
    from adloom.agents.chat_planner import read_turn

    settings = Settings(data_dir=tmp_path, llm={"max_retries": 0})
    backend = ScriptedBackend({"ChatTurn": [json.dumps({"product_name": "Nimbus 9000", "brand_name": "Stride"})]})
    llm = AgentLLM(backend, settings.llm)
    draft = read_turn([{"role": "user", "content": "We are Stride and need an ad on tiktok"}], BriefDraft(), llm)
    assert draft.product_name is None and draft.brand_name == "Stride" and draft.platforms == ["tiktok"]


# --- plain-word revisions -----------------------------------------------------------------


@pytest.mark.parametrize("request_text, node, targets", [
    ("shorter headline", "copywriter", ["tiktok", "instagram_reels"]),
    ("redo image 2 warmer", "art_director", ["scene-1:warmer"]),
    ("make the first photo darker and more vivid", "art_director", ["scene-0:darker", "scene-0:more_vivid"]),
    ("redo image 2", "art_director", ["scene-1"]),
    ("the last picture looks off", "art_director", ["scene-2"]),
    ("rewrite the script", "copywriter", ["script"]),
    ("bigger subtitles", "subtitles", ["legibility"]),
    ("music louder", "editor", ["loudness"]),
    ("change the camera motion", "video", ["motion"]),
])
def test_revision_requests_map_to_the_node_that_makes_the_part(request_text, node, targets):
    revision = plan_revision(request_text, None, platforms=["tiktok", "instagram_reels"], scene_count=3)
    assert list(revision.feedback) == [node]
    assert sorted(revision.feedback[node]) == sorted(targets)
    assert all(request_text in note for notes in revision.feedback[node].values() for note in notes)


LIBRARY = (LibraryTrack(1, "Vibe Ace", "Vibe Ace by Kevin MacLeod, CC BY 3.0", "/music/vibe-ace.ogg", 61.0),
           LibraryTrack(2, "Hungarian Dance", "Brahms, US Army Strings, public domain", "/music/brahms.ogg", 45.8))


def test_other_music_with_an_empty_library_is_answered_in_words_saying_how_to_add_a_track():
    revision = plan_revision("different music please", None, platforms=["tiktok"], scene_count=3)
    assert not revision.understood and revision.feedback == {}
    assert revision.unmet and "no other track" in revision.unmet[0]
    assert "adloom music add" in revision.unmet[0]  # says how to make it possible


@pytest.mark.parametrize("request_text, current, chosen", [
    ("different music please", None, "Vibe Ace"),
    ("other music", "/music/vibe-ace.ogg", "Hungarian Dance"),
    ("another track", "/music/brahms.ogg", "Vibe Ace"),  # round the library
    ("use Hungarian Dance for the music", "/music/vibe-ace.ogg", "Hungarian Dance"),
    ("no music", "/music/vibe-ace.ogg", None),
])
def test_a_music_request_picks_from_the_library_and_the_brief_carries_the_track_and_its_credit(
        request_text, current, chosen):
    revision = plan_revision(request_text, None, platforms=["tiktok"], scene_count=3, music=LIBRARY,
                             current_music=current)
    assert revision.feedback == {"editor": {"music": [f"The marketer asked: {request_text}"]}}
    brief = {"platforms": ["tiktok"], "media": {"music": current, "caption_style": "classic"}}
    media = revision.patched_brief(brief)["media"]
    track = next((t for t in LIBRARY if t.title == chosen), None)
    assert media == {"music": track.path if track else None, "music_credit": track.credit if track else None,
                     "caption_style": "classic"}


def test_louder_music_is_the_level_not_another_track():
    revision = plan_revision("music louder", None, platforms=["tiktok"], scene_count=3, music=LIBRARY,
                             current_music=LIBRARY[0].path)
    assert revision.feedback == {"editor": {"loudness": ["The marketer asked: music louder"]}}
    assert revision.music is None


@pytest.mark.slow
def test_other_music_at_the_render_gate_plays_a_library_track_credited_in_the_manifest(tmp_path, shared_data):
    from adloom.agents.licences import licence_records

    chat = ChatHarness(tmp_path, ScriptedBackend(shoe_script()))
    track = LibraryTrack(1, "Vibe Ace", "Vibe Ace by Kevin MacLeod, CC BY 3.0",
                         str(shared_data / "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg"), 61.0)
    chat.music_library = (track,)
    chat.say(FIRST_MESSAGE)
    at_render = chat.decide(chat.say(SECOND_MESSAGE), "approve")
    done = chat.decide(at_render, "edit", "other music")  # the change is the render's own: it renders with it
    assert done.values["status"] in ("succeeded", "needs_review") and not done.interrupts
    assert chat.finished("voiceover") == 1 and chat.finished("editor") == 1  # nothing before the render again
    manifest = json.loads(Path(done.values["outputs"]["copy"]).with_name("manifest.json").read_text())
    assert manifest["outputs"]["music"] == {"path": track.path, "credit": track.credit}
    assert manifest["outputs"]["variants"]["v1"]["music"]["path"] == track.path
    music = [record for record in licence_records(manifest, {}) if record["role"] == "music"]
    assert music == [{"component": track.path, "role": "music", "licence": track.credit,
                      "source": "supplied by the brand: confirm you hold the rights",
                      "note": "credit it where the ad is published", "credit": track.credit}]


def scene_clips(snapshot) -> list[str]:
    """The scene video files a gate shows."""
    return [m["path"] for m in snapshot.interrupts[0].value["media"] if m["kind"] == "video"]


@pytest.mark.slow
def test_other_motion_at_the_render_gate_makes_a_new_take_of_the_scene_video(tmp_path):
    chat = ChatHarness(tmp_path, ScriptedBackend(shoe_script()))
    chat.say(FIRST_MESSAGE)
    at_video = chat.say(SECOND_MESSAGE)
    at_render = chat.decide(at_video, "approve")
    first_clip = scene_clips(at_render)
    asked = chat.decide(at_render, "edit", "new music")  # no music library: answered in words, asked again
    assert [i.value["gate"] for i in asked.interrupts] == ["editor"]
    assert "music library has no other track" in asked.interrupts[0].value["message"]

    before_video = chat.decide(asked, "edit", "different camera motion")
    assert [i.value["gate"] for i in before_video.interrupts] == ["video"]  # back to the node that moves the scenes
    again = chat.decide(before_video, "approve")
    assert [i.value["gate"] for i in again.interrupts] == ["editor"]
    assert chat.finished("video") == 2 and scene_clips(again) != first_clip  # a new take, not the cached clip
    done = chat.decide(again, "approve")
    assert done.values["status"] in ("succeeded", "needs_review")


def test_a_voice_request_names_a_listed_voice_and_the_brief_carries_it(monkeypatch):
    monkeypatch.setattr(VoiceChoice, "installed", property(lambda voice: True))  # as where the piper extra is in
    revision = plan_revision("male voice please", None, platforms=["tiktok"], scene_count=3)
    assert list(revision.feedback) == ["voiceover"] and revision.voice == "joe"
    brief = {"voiceover": {"backend": "hibari", "voice": "heart"}, "platforms": ["tiktok"]}
    assert revision.patched_brief(brief)["voiceover"] == {"backend": "piper", "voice": "joe"}
    assert plan_revision("female voice", None, platforms=["tiktok"], scene_count=3).voice == "heart"
    assert plan_revision("use Heart's voice", None, platforms=["tiktok"], scene_count=3).voice == "heart"


def test_a_voice_that_is_not_installed_is_answered_in_words_with_how_to_add_it(monkeypatch):
    monkeypatch.setattr(VoiceChoice, "installed", property(lambda voice: voice.id != "joe"))
    revision = plan_revision("male voice please", None, platforms=["tiktok"], scene_count=3)
    assert not revision.understood
    assert revision.unmet == ["The male voice Joe is not installed here: it is an opt-in because piper-tts is "
                              "GPL-3.0: pip install 'adloom[piper]'."]


def test_unrecognised_request_asks_the_llm_with_a_fixed_part_set(tmp_path):
    settings = Settings(data_dir=tmp_path, llm={"max_retries": 0})
    backend = ScriptedBackend({"RevisionDraft": [json.dumps({"part": "image", "image_number": 1, "note": "sunnier"})]})
    revision = plan_revision("make the opening sunnier", AgentLLM(backend, settings.llm),
                             platforms=["tiktok"], scene_count=3)
    assert revision.feedback == {"art_director": {"scene-0": ["The marketer asked: make the opening sunnier"]}}
    toned = ScriptedBackend({"RevisionDraft": [json.dumps({"part": "image", "image_number": 2, "image_tone": "cooler"})]})
    revision = plan_revision("less summery on the second one", AgentLLM(toned, settings.llm),
                             platforms=["tiktok"], scene_count=3)
    assert list(revision.feedback["art_director"]) == ["scene-1:cooler"]
    unclear = ScriptedBackend({"RevisionDraft": [json.dumps({"part": "unclear"})]})
    assert not plan_revision("hmm", AgentLLM(unclear, settings.llm), platforms=["tiktok"], scene_count=3).understood


def test_gate_decisions_are_validated():
    assert GateDecision(action="approve").action == "approve"
    with pytest.raises(ValueError, match="needs the change"):
        GateDecision(action="edit", request=" ")
    with pytest.raises(ValueError):
        GateDecision.model_validate({"action": "maybe"})


def test_unknown_gate_names_are_refused(tool_context, settings):
    with pytest.raises(ValueError, match="unknown gate"):
        RunContext(tools=tool_context, copywriter=settings.copywriter, out_dir=Path("."), approval_gates=frozenset({"vidoe"}))


def test_gate_preview_lists_the_finished_media():
    def image(index: int, purpose: str, path: str, headline: str) -> SimpleNamespace:
        return SimpleNamespace(scene_index=index, purpose=purpose, result=SimpleNamespace(image=SimpleNamespace(path=path)),
                               request=SimpleNamespace(headline=headline))

    copy = SimpleNamespace(platforms={"tiktok": SimpleNamespace(headline="Run light")},
                           script=[SimpleNamespace(text="Run light.")])
    art = SimpleNamespace(images=[image(0, "hook", "/d/a.png", "Run light"), image(1, "cta", "/d/b.png", "Runner One")])
    preview = gate_preview("video", "v1", copy, art, None, None, message="ready")  # type: ignore[arg-type]
    assert preview["media"] == [  # the words on each picture but the end card's, to rewrite in place
        {"kind": "image", "path": "/d/a.png", "label": "image 1 (hook)", "scene": 1, "text": "Run light"},
        {"kind": "image", "path": "/d/b.png", "label": "image 2 (cta)"}]
    assert preview["headlines"] == {"tiktok": "Run light"} and preview["script"] == ["Run light."]


# --- whole conversations ------------------------------------------------------------------


@pytest.mark.slow
def test_conversation_asks_then_pauses_at_both_gates_and_finishes(tmp_path):
    chat = ChatHarness(tmp_path, ScriptedBackend(shoe_script()))
    first = chat.say(FIRST_MESSAGE)
    assert first.next == () and not first.interrupts
    question = first.values["messages"][-1]["content"]
    assert "your brand's name" in question and "who the ad is for" in question
    assert first.values["draft"]["platforms"] == ["tiktok"]

    at_video = chat.say(SECOND_MESSAGE)
    assert [i.value["gate"] for i in at_video.interrupts] == ["video"]
    assert chat.finished("art_director") == 1 and chat.finished("video") == 0
    images = [m for m in at_video.interrupts[0].value["media"] if m["kind"] == "image"]
    assert images and all(Path(m["path"]).is_file() for m in images)
    assert at_video.interrupts[0].value["headlines"] == {"tiktok": "Stride running shoe for weekend runners"}

    at_render = chat.decide(at_video, "approve")
    assert [i.value["gate"] for i in at_render.interrupts] == ["editor"]
    assert chat.finished("video") == 1 and chat.finished("editor") == 0
    assert any(e.get("type") == "progress" for e in chat.events), "tool progress was not streamed"

    done = chat.decide(at_render, "approve")
    assert done.next == () and done.values["status"] == "succeeded"
    final = done.values["messages"][-1]
    video = next(m for m in final["media"] if m["kind"] == "video")
    assert Path(video["path"]).is_file() and video["path"].endswith("ad-9x16.mp4")
    assert len(chat.backend.calls_for("PlanDraft")) == 1


@pytest.mark.slow
@needs_piper
def test_voice_change_at_the_render_gate_reruns_only_voice_and_later(tmp_path):
    chat = ChatHarness(tmp_path, ScriptedBackend(shoe_script()))
    chat.say(FIRST_MESSAGE)
    at_video = chat.say(SECOND_MESSAGE)
    at_render = chat.decide(at_video, "approve")
    first_voice = next(m for m in at_render.interrupts[0].value["media"] if m["kind"] == "audio")["path"]
    counts = {node: chat.finished(node) for node in ("copywriter", "art_director", "video", "voiceover", "subtitles")}

    # The default voice is Hibari's female af_heart; asking for a male one switches to Piper's "joe"
    # (the opt-in extra, so this test runs where it is installed).
    again = chat.decide(at_render, "edit", "male voice")
    assert [i.value["gate"] for i in again.interrupts] == ["editor"]
    new_voice = next(m for m in again.interrupts[0].value["media"] if m["kind"] == "audio")["path"]
    assert new_voice != first_voice
    # copy, images and scene clips were not made again; the voice and captions were
    assert {n: chat.finished(n) for n in ("copywriter", "art_director", "video")} == {
        n: counts[n] for n in ("copywriter", "art_director", "video")}
    assert chat.finished("voiceover") == counts["voiceover"] + 1
    assert chat.finished("subtitles") == counts["subtitles"] + 1
    assert any(e.get("event") == "revising" and e.get("request") == "male voice" for e in chat.events)

    done = chat.decide(again, "approve")
    assert done.values["status"] == "succeeded"
    # the manifest says which voice was really spoken, not only what the brief asked for
    assert done.values["outputs"]["voice"]["backend"] == "piper"
    assert done.values["outputs"]["variants"]["v1"]["voice"]["backend"] == "piper"


@pytest.mark.slow
def test_shorter_headline_at_the_video_gate_goes_back_to_the_copywriter(tmp_path):
    script = shoe_script()
    script["CopyDraft"] = [
        copy_reply("Stride running shoe for weekend runners", "A light running shoe with a recycled foam sole.", "Shop now"),
        copy_reply("Stride running shoe", "A light running shoe with a recycled foam sole.", "Shop now"),
    ]
    chat = ChatHarness(tmp_path, ScriptedBackend(script))
    chat.say(FIRST_MESSAGE)
    at_video = chat.say(SECOND_MESSAGE)
    again = chat.decide(at_video, "edit", "shorter headline")
    assert [i.value["gate"] for i in again.interrupts] == ["video"]
    assert again.interrupts[0].value["headlines"] == {"tiktok": "Stride running shoe"}
    revision_prompt = chat.backend.calls_for("CopyDraft_tiktok")[-1].prompt
    assert "shorter headline" in revision_prompt
    assert chat.finished("copywriter") == 2 and chat.finished("video") == 0


@pytest.mark.slow
def test_a_platform_adloom_does_not_serve_is_named_back_with_the_supported_list(tmp_path):
    chat = ChatHarness(tmp_path, ScriptedBackend(shoe_script()))
    asked = chat.say("I need a TikTok, Snapchat and Pinterest ad for our new running shoe")
    replies = [m["content"] for m in asked.values["messages"] if m["role"] == "assistant"]
    assert replies[0] == ("I cannot make ads for Snapchat and Pinterest: adloom makes them for TikTok, Instagram Reels, "
                          "Instagram feed, YouTube Shorts, X, LinkedIn, Facebook.")
    assert "your brand's name" in replies[1]  # and the conversation goes on for what it can make
    assert asked.values["draft"]["platforms"] == ["tiktok"]
    assert unsupported_platforms_note("an ad for Threadsafe Locks") is None  # a word, not a platform


def test_unclear_request_asks_again_and_reject_stops_without_a_manifest(tmp_path):
    script = shoe_script()
    script["RevisionDraft"] = [json.dumps({"part": "unclear"})]
    chat = ChatHarness(tmp_path, ScriptedBackend(script))
    chat.say(FIRST_MESSAGE)
    at_video = chat.say(SECOND_MESSAGE)
    asked_again = chat.decide(at_video, "edit", "hmm not sure")
    assert [i.value["gate"] for i in asked_again.interrupts] == ["video"]
    assert "could not tell what to change" in asked_again.interrupts[0].value["message"]

    stopped = chat.decide(asked_again, "reject")
    assert stopped.next == () and stopped.values["status"] == "stopped"
    assert chat.finished("video") == 0
    assert not list(chat.out_dir.rglob("manifest.json"))


def test_no_gates_means_no_interrupts(tmp_path):
    """RunContext without approval gates (``adloom run``) never pauses."""
    from adloom.graphs.campaign import RunContext as Plain

    assert Plain.__dataclass_fields__["approval_gates"].default == frozenset()


def test_langgraph_json_names_graphs_that_load(monkeypatch):
    """What the LangGraph dev server and Studio load: each named factory builds a compiled graph."""
    import importlib.util
    import sys

    config = json.loads((Path(__file__).parents[1] / "langgraph.json").read_text())
    assert set(config["graphs"]) == {"chat", "campaign", "footage"}
    for name, target in config["graphs"].items():
        path, factory = target.split(":")
        spec = importlib.util.spec_from_file_location(f"studio_{name}", Path(__file__).parents[1] / path)
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)  # loaded by file path, as the dev server does
        spec.loader.exec_module(module)
        graph = getattr(module, factory)()
        assert hasattr(graph, "invoke") and len(graph.get_graph().nodes) > 3, name


def test_a_plain_answer_gives_the_name_facts_and_price_in_the_marketers_words():
    message = "It's the Tidewell Trail Bottle. It keeps drinks cold for 24 hours, holds 750 ml and weighs 300 g. It costs $34."
    # The model read it badly: a generic name, an invented fact, another price.
    turn = ChatTurn(product_name="reusable water bottle", facts=["keeps drinks cold for 24 hours", "BPA free"],
                    price="$29")
    draft, refused = merge_turn(BriefDraft(), turn, [{"role": "user", "content": message}])
    assert draft.product_name == "Tidewell Trail Bottle"
    assert draft.facts == ["keeps drinks cold for 24 hours", "holds 750 ml", "weighs 300 g"]
    assert draft.price == "$34"
    assert any("'BPA free' is not what the marketer said" in line for line in refused)
    assert any("'$29' is not what the marketer wrote" in line for line in refused)
    question = ask_for_missing(draft)
    assert "holds 750 ml" in question and "$34" in question  # said back, so the marketer sees it was understood

    brief = draft.model_copy(update={"brand_name": "Tidewell", "product_description": "A steel water bottle",
                                     "audience": "day hikers", "platforms": ["tiktok"]}).to_brief(15)
    assert brief.product.facts == ["keeps drinks cold for 24 hours", "holds 750 ml", "weighs 300 g"]
    assert brief.product.price == "$34"


def test_a_headline_written_out_is_used_as_written_per_platform():
    revision = plan_revision("TikTok headline: \"Run lighter\"\nX headline: Light on your feet", None,
                             platforms=["tiktok", "x"], scene_count=3)
    assert revision.headlines == {"tiktok": "Run lighter", "x": "Light on your feet"}
    assert revision.feedback == {"art_director": {"words": [
        "The marketer asked: TikTok headline: \"Run lighter\"\nX headline: Light on your feet"]}}
    assert plan_revision("headline: Run lighter", None, platforms=["tiktok", "x"], scene_count=3).headlines == {
        "tiktok": "Run lighter", "x": "Run lighter"}
    assert plan_revision("shorter headline", None, platforms=["tiktok"], scene_count=3).headlines == {}
    on_pictures = plan_revision("image 2 text: Made from recycled foam\ntext on picture 9: x\nwords on scene 1: Hi",
                                None, platforms=["tiktok"], scene_count=3)
    assert on_pictures.scene_texts == {1: "Made from recycled foam", 0: "Hi"} and on_pictures.headlines == {}
    assert plan_revision("redo image 2", None, platforms=["tiktok"], scene_count=3).scene_texts == {}


@pytest.mark.slow
def test_a_headline_set_at_the_gate_reaches_the_picture_and_the_copy_and_only_the_pictures_are_made_again(tmp_path):
    chat = ChatHarness(tmp_path, ScriptedBackend(shoe_script()))
    chat.say(FIRST_MESSAGE)
    at_video = chat.say(SECOND_MESSAGE)
    too_long = chat.decide(at_video, "edit", "headline: " + "Run lighter " * 10)
    assert "the TikTok headline is 119 characters; TikTok allows 100" in too_long.interrupts[0].value["message"]  # refused in words
    end_card = chat.decide(too_long, "edit", "image 3 text: Buy it")
    assert "picture 3 is the end card" in end_card.interrupts[0].value["message"]
    again = chat.decide(end_card, "edit", "headline: Run lighter this weekend\nimage 2 text: Made from recycled foam")
    assert [i.value["gate"] for i in again.interrupts] == ["video"]
    assert again.interrupts[0].value["headlines"] == {"tiktok": "Run lighter this weekend"}
    assert chat.finished("copywriter") == 1 and chat.finished("art_director") == 2  # no rewrite, new pictures
    at_render = chat.decide(again, "approve")
    done = chat.decide(at_render, "approve")
    manifest = json.loads(Path(done.values["outputs"]["copy"]).with_name("manifest.json").read_text())
    assert manifest["copy"]["v1"]["platforms"]["tiktok"]["headline"] == "Run lighter this weekend"
    assert manifest["plan"] and manifest["status"] == "succeeded"
    hook = manifest["grounding"]["v1"]
    assert {"field": "image scene-1.headline", "text": "Run lighter this weekend", "supported": True, "problems": [],
            "facts": ["the marketer's own words"]} in hook
    assert {"field": "image scene-2.headline", "text": "Made from recycled foam", "supported": True, "problems": [],
            "facts": ["the marketer's own words"]} in hook
    assert manifest["copy"]["v1"]["own_scene_texts"] == {"1": "Made from recycled foam"}
    assert next(c for c in manifest["checks"] if c["name"] == "copy.tiktok")["passed"]


BATCH_MESSAGE = """TikTok ads for these, our brand is Stride, for weekend runners:
- Runner One, a light running shoe with a recycled foam sole. It costs $89.
- Trail Two, a grippy trail shoe for muddy paths."""


def test_a_list_in_a_message_is_a_batch_with_the_shared_words_before_it():
    from adloom.agents.batch import batch_items, item_message

    header, items = batch_items(BATCH_MESSAGE)
    assert header == "TikTok ads for these, our brand is Stride, for weekend runners:"
    assert items == ["Runner One, a light running shoe with a recycled foam sole. It costs $89.",
                     "Trail Two, a grippy trail shoe for muddy paths."]
    assert item_message(header, items[1]).startswith("TikTok ads for these, our brand is Stride, for weekend runners. "
                                                     "Trail Two")
    assert batch_items("1. only one item") is None
    assert batch_items("I need a TikTok ad for our new running shoe") is None
    assert batch_items("Ads for:\n1) A lamp\n   that bends\n2) A desk")[1] == ["A lamp that bends", "A desk"]


def test_a_batch_with_an_item_missing_something_is_answered_item_by_item_and_nothing_starts(tmp_path):
    chat = ChatHarness(tmp_path, ScriptedBackend({"ChatTurn": [
        json.dumps({"product_name": "Runner One", "product_description": "A light running shoe"}),
        json.dumps({"product_name": "Trail Two"}),
    ]}))
    state = chat.say(BATCH_MESSAGE.replace(", a grippy trail shoe for muddy paths", ""))
    reply = state.values["messages"][-1]["content"]
    assert reply.startswith("I read 2 products to make ads for. Before I queue them I still need: 2. Trail Two: "
                            "one sentence about the product.")
    assert "run_id" not in state.values and not state.values.get("queue")


@pytest.mark.slow
def test_a_batch_makes_each_product_s_ad_one_after_another(tmp_path):
    script = shoe_script()
    script["ChatTurn"] = [
        json.dumps({"product_name": "Runner One", "product_description": "A light running shoe with a recycled foam sole",
                    "price": "$89"}),
        json.dumps({"product_name": "Trail Two", "product_description": "A grippy trail shoe for muddy paths"}),
    ]
    chat = ChatHarness(tmp_path, ScriptedBackend(script), gates=())
    state = chat.say(BATCH_MESSAGE)
    said = [m["content"] for m in state.values["messages"] if m["role"] == "assistant"]
    assert said[0] == "Queued 2 ads, made one after another: Runner One, Trail Two."
    assert said[1].startswith("Making a 6-second TikTok ad for Runner One (Stride), aimed at weekend runners.")
    assert "It states only these facts from your brief: $89." in said[1]
    assert said[2].startswith("Your ad is ready.")
    assert said[3] == "Next in the queue. It is the last in the queue."
    assert said[4].startswith("Making a 6-second TikTok ad for Trail Two (Stride)") and "$89" not in said[4]
    assert said[5].startswith("Your ad is ready.")
    finished = [m for m in state.values["messages"] if m.get("run_id") and m["content"].startswith("Your ad")]
    assert len({m["run_id"] for m in finished}) == 2
    manifests = [json.loads((chat.out_dir / m["run_id"] / "manifest.json").read_text()) for m in finished]
    assert [m["brief"]["product"]["name"] for m in manifests] == ["Runner One", "Trail Two"]
    assert manifests[1]["brief"]["product"].get("price") is None  # one item's price is not another's
    assert state.values["queue"] == []


def test_the_shape_is_said_aloud_with_its_default_and_a_named_shape_reaches_the_brief():
    from adloom.agents.chat_planner import aspect_named
    from adloom.agents.chat_supervisor import Launch
    from adloom.graphs.chat import _start_run

    assert aspect_named("a square ad for LinkedIn") == "1:1" and aspect_named("in 16:9") == "16:9"
    assert aspect_named("a square lamp base") is None  # a word about the product, not the ad's shape
    draft = BriefDraft(brand_name="Lumo", product_name="Arc Desk Lamp", product_description="A desk lamp",
                       audience="home workers", platforms=["tiktok", "linkedin"])
    brief = draft.to_brief(15).model_dump(mode="json")
    said = _start_run(Launch(tool_call_id="", kind="campaign"), brief, {"draft": draft.model_dump()}).update
    assert ("The video is 9:16 (my default shape; tell me another, e.g. square, to change it), also 1:1 for LinkedIn."
            in said["messages"][-1]["content"])
    square = draft.model_copy(update={"aspect": "1:1"})
    brief = square.to_brief(15).model_dump(mode="json")
    assert brief["aspect"] == "1:1"
    said = _start_run(Launch(tool_call_id="", kind="campaign"), brief, {"draft": square.model_dump()}).update
    assert "The video is 1:1, also 9:16 for TikTok." in said["messages"][-1]["content"]


@pytest.mark.slow
def test_another_length_at_a_gate_makes_the_ad_again_at_that_length(tmp_path):
    chat = ChatHarness(tmp_path, ScriptedBackend(shoe_script()))
    chat.say(FIRST_MESSAGE)
    at_video = chat.say(SECOND_MESSAGE)
    first_run = at_video.values["run_id"]
    again = chat.decide(at_video, "edit", "make it 8 seconds")
    said = [m["content"] for m in again.values["messages"] if m["role"] == "assistant"]
    assert said[-3] == ("Another length means new scenes: I stopped this one and make it again at 8 seconds, "
                        "with everything else as it was.")
    assert said[-2] == "Making it again."
    assert said[-1].startswith("Making an 8-second TikTok ad for running shoe (Stride)")
    assert [i.value["gate"] for i in again.interrupts] == ["video"]  # the new run asks at its first gate
    assert again.values["run_id"] != first_run and again.values["brief"]["duration_s"] == 8
    assert again.values["draft"]["duration_s"] == 8  # the brief card shows the new length
    assert len(chat.backend.calls_for("PlanDraft")) == 2  # planned anew


def test_chat_graph_shape_matches_the_snapshot():
    assert_graph_matches_snapshot(build_chat_graph(), "chat", "tests/test_chat_graph.py")
