"""The tool-calling planner: the agents as the LLM's tools (supervisor via tools).

The chat graph, checkpointer, agents and media tools are real; the model's words and tool
calls are scripted (:class:`ScriptedToolBackend`), and one test drives a turn through the
real OpenAI client against a scripted Chat Completions server on 127.0.0.1.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adloom.agents.chat_supervisor import MAX_TOOL_ROUNDS, answer_unanswered, attached_videos, planner_functions
from fake_openai_server import FakeOpenAIServer, reply_text, reply_tool_calls
from adloom.graphs.campaign import APPROVAL_GATES
from scripted_llm import ScriptedBackend, ScriptedToolBackend
from test_chat_graph import FIRST_MESSAGE, SECOND_MESSAGE, ChatHarness, shoe_script
from adloom.tools.ffmpeg import probe
from adloom.tools.llm.openai_compatible import OpenAICompatibleBackend
from adloom.tools.scenes.tool import write_two_scene_video

STATED = {"brand_name": "Stride", "product_name": "running shoe",
          "product_description": "A light running shoe with a recycled foam sole", "audience": "weekend runners",
          "platforms": ["tiktok"]}


def tool_results(messages: list[dict]) -> dict[str, dict]:
    """The tool results in a request, by the name of the call they answer."""
    names = {c["id"]: c["name"] for m in messages for c in m.get("tool_calls", [])}
    return {names[m["tool_call_id"]]: json.loads(m["content"]) for m in messages if m["role"] == "tool"}


def test_the_planner_is_offered_every_agent_as_a_tool():
    offered = planner_functions()
    assert [tool.name for tool in offered] == ["update_brief", "write_copy", "make_ad", "cut_footage"]
    brief_args = offered[0].parameters
    assert brief_args["type"] == "object" and brief_args["additionalProperties"] is False
    assert "tiktok" in json.dumps(brief_args["properties"]["platforms"])
    assert offered[3].parameters["required"] == ["videos"]


@pytest.mark.slow
def test_a_tool_calling_llm_collects_the_brief_makes_the_ad_and_sees_the_result(tmp_path):
    backend = ScriptedToolBackend(shoe_script(), [
        [("update_brief", {"product_name": "running shoe", "platforms": ["tiktok"]})],
        "What is your brand called, and who is the shoe for?",
        [("update_brief", {key: STATED[key] for key in ("brand_name", "product_description", "audience")}),
         ("make_ad", {})],
        "Glad you like it.",
    ])
    chat = ChatHarness(tmp_path, backend)
    first = chat.say(FIRST_MESSAGE)
    assert first.values["messages"][-1]["content"] == "What is your brand called, and who is the shoe for?"
    assert first.values["draft"]["platforms"] == ["tiktok"]
    sent, offered = backend.tool_requests[1]
    assert offered == ["update_brief", "write_copy", "make_ad", "cut_footage"]
    assert tool_results(sent)["update_brief"]["missing"] == ["brand_name", "product_description", "audience"]
    assert not backend.calls_for("ChatTurn"), "the schema-constrained reader must not run for a tool-calling LLM"

    at_video = chat.say(SECOND_MESSAGE)
    assert [i.value["gate"] for i in at_video.interrupts] == ["video"]
    at_render = chat.decide(at_video, "approve")
    done = chat.decide(at_render, "approve")
    assert done.values["status"] == "succeeded"
    video = next(m for m in done.values["messages"][-1]["media"] if m["kind"] == "video")
    assert Path(video["path"]).is_file()
    assert probe(video["path"]).duration_s == pytest.approx(6.0, abs=0.1)

    chat.say("Looks great, thanks")
    sent, _ = backend.tool_requests[3]
    result = tool_results(sent)["make_ad"]
    assert result["status"] == "succeeded" and result["run_id"] == done.values["run_id"]
    assert Path(result["videos"]["9:16"]) == Path(video["path"])
    assert sent[-1] == {"role": "user", "content": "Looks great, thanks"}
    assert len(backend.tool_requests) == 4


def test_invented_values_are_refused_and_an_incomplete_brief_cannot_start_a_run(tmp_path):
    backend = ScriptedToolBackend({"": ["{}"]}, [
        [("update_brief", {"brand_name": "Nike", "product_name": "running shoe", "platforms": ["tiktok", "linkedin"]}),
         ("make_ad", {})],
        "Which brand is it for?",
    ])
    chat = ChatHarness(tmp_path, backend)
    state = chat.say(FIRST_MESSAGE)
    assert state.values["draft"]["product_name"] == "running shoe"
    assert state.values["draft"].get("brand_name") is None and state.values["draft"]["platforms"] == ["tiktok"]
    results = tool_results(backend.tool_requests[1][0])
    assert any("'Nike' is not what the marketer said" in line for line in results["update_brief"]["not_recorded"])
    assert any("'linkedin' was not named" in line for line in results["update_brief"]["not_recorded"])
    assert results["make_ad"]["error"].startswith("the brief is incomplete")
    assert state.values.get("run_id") is None and not state.interrupts


def test_a_platform_adloom_does_not_serve_is_named_back_on_the_tool_calling_path(tmp_path):
    backend = ScriptedToolBackend({"": ["{}"]}, ["Which brand is it for?"])
    chat = ChatHarness(tmp_path, backend)
    state = chat.say("I need a Snapchat ad for our new running shoe")
    replies = [m["content"] for m in state.values["messages"] if m["role"] == "assistant"]
    assert replies[0].startswith("I cannot make ads for Snapchat: adloom makes them for TikTok")
    assert replies[-1] == "Which brand is it for?"


def test_bad_calls_are_answered_with_errors_and_the_turn_goes_on(tmp_path):
    backend = ScriptedToolBackend({"": ["{}"]}, [
        [("send_email", {}), ("update_brief", {"duration_s": 2}), ("cut_footage", {"videos": ["/etc/passwd"]})],
        "Please attach the videos to cut from.",
    ])
    chat = ChatHarness(tmp_path, backend)
    state = chat.say(FIRST_MESSAGE)
    assert state.values["messages"][-1]["content"] == "Please attach the videos to cut from."
    results = tool_results(backend.tool_requests[1][0])
    assert "no tool 'send_email'" in results["send_email"]["error"]
    assert any(p.startswith("duration_s:") for p in results["update_brief"]["problems"])
    assert results["cut_footage"]["error"].startswith("the brief is incomplete")


def test_the_copywriter_previews_copy_and_words_beside_calls_reach_the_marketer(tmp_path):
    backend = ScriptedToolBackend(shoe_script(), [
        [("write_copy", {})],
        ("Noted your brief.", [("update_brief", STATED)]),
        [("write_copy", {"platform": "tiktok"})],
        "Shall I make the ad?",
    ])
    chat = ChatHarness(tmp_path, backend)
    state = chat.say(f"{FIRST_MESSAGE}. {SECOND_MESSAGE}")
    refused, preview = (tool_results(backend.tool_requests[n][0])["write_copy"] for n in (1, 3))
    assert refused["error"] == "the brief is incomplete"
    assert (preview["platform"], preview["headline"], preview["cta"], preview["source"]) == (
        "tiktok", "Stride running shoe for weekend runners", "Shop now", "llm")
    assert [m["content"] for m in state.values["messages"][1:]] == ["Noted your brief.", "Shall I make the ad?"]
    assert state.values.get("run_id") is None


def test_a_planner_that_never_answers_is_stopped(tmp_path):
    backend = ScriptedToolBackend({"": ["{}"]}, [[("update_brief", {})]] * MAX_TOOL_ROUNDS)
    chat = ChatHarness(tmp_path, backend)
    state = chat.say(FIRST_MESSAGE)
    assert len(backend.tool_requests) == MAX_TOOL_ROUNDS
    assert state.values["messages"][-1]["content"].startswith("I could not settle on a next step")
    assert state.next == ()


def test_unanswered_calls_get_a_result_before_the_next_request():
    transcript = [{"role": "user", "content": "go"},
                  {"role": "assistant", "content": "", "tool_calls": [{"id": "a", "name": "make_ad", "arguments": {}}]},
                  {"role": "user", "content": "again"}]
    fixed = answer_unanswered(transcript)
    assert [m["role"] for m in fixed] == ["user", "assistant", "tool", "user"]
    assert fixed[2]["tool_call_id"] == "a" and "did not finish" in fixed[2]["content"]
    assert answer_unanswered(fixed) == fixed


def test_attached_videos_count_from_the_latest_run():
    messages = [{"role": "user", "content": "a", "media": [{"kind": "video", "path": "/d/old.mp4"}]},
                {"role": "assistant", "content": "done", "run_id": "r1"},
                {"role": "user", "content": "b", "media": [{"kind": "video", "path": "/d/new.webm"},
                                                            {"kind": "image", "path": "/d/logo.png"}]}]
    assert attached_videos(messages) == ["/d/new.webm"]


def test_a_turn_through_a_real_openai_compatible_endpoint(tmp_path):
    """The wire format end to end: the graph's tool calls and results through ChatOpenAI."""
    replies = [reply_tool_calls(("update_brief", {"product_name": "running shoe", "platforms": ["tiktok"]})),
               reply_text("Which brand, and who is it for?")]
    with FakeOpenAIServer(replies) as server:
        backend = OpenAICompatibleBackend(model="planner", base_url=server.base_url)
        chat = ChatHarness(tmp_path, backend)
        state = chat.say(FIRST_MESSAGE)
        requests = server.requests
    assert state.values["messages"][-1]["content"] == "Which brand, and who is it for?"
    assert state.values["draft"]["product_name"] == "running shoe"
    assert [t["function"]["name"] for t in requests[0]["tools"]] == ["update_brief", "write_copy", "make_ad",
                                                                     "cut_footage"]
    second = requests[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "tool"]
    assert json.loads(second[-1]["content"])["missing"] == ["brand_name", "product_description", "audience"]


@pytest.mark.slow
@pytest.mark.parametrize("planner", ["tools", "actions"])
def test_attached_footage_is_cut_into_the_ad(tmp_path, planner):
    shots = write_two_scene_video(tmp_path / "shots.mp4", seconds_each=2.5)
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video\n")
    selection = json.dumps({"clips": [{"clip_id": "v1c1", "line": "Light shoes."},
                                      {"clip_id": "v1c2", "line": "Recycled sole."}]})
    script = {**shoe_script(), "FootageDraft": [selection]}
    if planner == "tools":
        backend = ScriptedToolBackend(script, [
            [("update_brief", STATED), ("cut_footage", {"videos": [str(shots), str(notes)], "clips": 2})],
        ])
    else:
        script["ChatTurn"] = [json.dumps({**STATED, "wants_ad": True})]
        backend = ScriptedBackend(script)
    chat = ChatHarness(tmp_path, backend, gates=APPROVAL_GATES)
    chat.footage_render_size = (180, 320)
    media = [{"kind": "video", "path": str(shots), "label": "shots.mp4"},
             {"kind": "video", "path": str(notes), "label": "notes.mp4"}]
    state = chat.send({"messages": [{"role": "user", "content": f"{FIRST_MESSAGE}. {SECOND_MESSAGE} Cut it from these.",
                                     "media": media}]})
    assert state.values["status"] == "succeeded" and not state.interrupts
    final = state.values["messages"][-1]
    assert "Not usable, left out: notes.mp4" in final["content"] and "checks" not in final["content"]
    video = next(m for m in final["media"] if m["kind"] == "video")
    info = probe(video["path"])
    assert (info.video.width, info.video.height) == (180, 320) and info.audio is not None
    assert chat.finished("select") == 1 and chat.finished("copywriter") == 0
    srt = Path(state.values["outputs"]["srt"]).read_text()
    assert "Light shoes." in srt and "Recycled sole." in srt


@pytest.mark.slow
def test_over_the_api_a_tool_calling_llm_cuts_uploaded_footage(tmp_path):
    from fastapi.testclient import TestClient

    from adloom.api.app import create_app
    from adloom.config import Settings
    from scripted_llm import models_with_backend
    from test_api import follow

    shots = write_two_scene_video(tmp_path / "shots.mp4", seconds_each=2.5)
    selection = json.dumps({"clips": [{"clip_id": "v1c2", "line": "Recycled sole."}]})

    def cut_what_was_attached(messages: list[dict]) -> list[tuple[str, dict]]:
        attached = messages[0]["content"].split("Videos the marketer attached: ")[1].strip()
        return [("update_brief", STATED), ("cut_footage", {"videos": [attached], "clips": 1})]

    backend = ScriptedToolBackend({"FootageDraft": [selection]}, [cut_what_was_attached])
    settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0})
    app = create_app(settings, models=models_with_backend(backend, settings.llm))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        outside = client.post("/api/threads", json={"message": "cut it", "attachments": [str(shots)]})
        assert outside.status_code == 422 and "attachments[0]" in outside.json()["detail"]
        stored = client.post("/api/footage/uploads", files={"file": ("shots.mp4", shots.read_bytes(), "video/mp4")})
        assert stored.status_code == 201, stored.text
        path = stored.json()["path"]
        started = client.post("/api/threads", json={"message": f"{FIRST_MESSAGE}. {SECOND_MESSAGE}",
                                                     "attachments": [path]})
        assert started.status_code == 202, started.text
        events = follow(client, started.json())
        assert events[-1] == {"type": "done", "status": "succeeded"}
        thread = client.get(f"/api/threads/{started.json()['thread_id']}").json()
        assert thread["messages"][0]["media"][0]["url"].startswith("/api/files/")
        video = next(m for m in thread["messages"][-1]["media"] if m["kind"] == "video")
        assert client.get(video["url"]).status_code == 200
        run = client.get(f"/api/runs/{thread['run_id']}").json()
        assert run["status"] == "succeeded" and run["outputs"]["video"] == video["url"]
        assert any(e["node"] == "select" and e["event"] == "finished" for e in run["events"])
