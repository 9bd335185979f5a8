"""``adloom chat``: the terminal conversation over the same graph, and its input errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from adloom.conversations import ChatService
from adloom.chat_commands import converse
from adloom.cli import app as cli_app
from adloom.config import Settings
from conftest import needs_piper
from scripted_llm import ScriptedBackend, models_with_backend
from adloom.storage import records
from test_chat_graph import FIRST_MESSAGE, SECOND_MESSAGE, shoe_script


def lines(*texts: str):
    queue = list(texts)

    def read_line() -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read_line


@pytest.fixture
def service(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0}, copywriter={"candidates": 1})
    return ChatService(settings, models=models_with_backend(ScriptedBackend(shoe_script()), settings.llm),
                       default_duration_s=6)


@pytest.mark.slow
def test_terminal_chat_goes_from_request_through_approvals_to_a_video(service, capsys):
    code = converse(service, "t-1", lines(FIRST_MESSAGE, SECOND_MESSAGE, "approve", "yes"))
    assert code == 0
    printed = capsys.readouterr()
    assert "your brand's name" in printed.out
    assert "approval (video, v1)" in printed.out and "approval (editor, v1)" in printed.out
    assert "Your ad is ready" in printed.out
    assert "art_director:v1" in printed.err  # node progress on stderr
    view = service.view("t-1")
    assert view.status == "succeeded" and view.interrupts == []
    video = next(m for m in view.messages[-1]["media"] if m["kind"] == "video")
    assert Path(video["path"]).is_file()


@pytest.mark.slow
def test_terminal_reject_stops_the_run(service, capsys):
    assert converse(service, "t-2", lines(FIRST_MESSAGE, SECOND_MESSAGE, "reject")) == 0
    assert "Stopped as you asked" in capsys.readouterr().out
    assert service.view("t-2").status == "stopped"


def test_blank_and_overlong_lines_are_refused_without_a_turn(service, capsys):
    assert converse(service, "t-3", lines("   ", "x" * 5000)) == 0
    assert "longer than 4000 characters" in capsys.readouterr().err
    assert service.thread_ids() == []


def test_unknown_thread_is_an_input_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ADLOOM_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli_app, ["chat", "--thread", "nope"])
    assert result.exit_code == 2 and "error: no chat thread 'nope'" in result.output


def test_attach_refuses_missing_and_unknown_files_without_a_turn(service, tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert converse(service, "t-4", lines(f"/attach {tmp_path / 'gone.mp4'}", f"/attach {notes}")) == 0
    printed = capsys.readouterr().err
    assert "gone.mp4'" in printed and "no such file" in printed
    assert "'notes.txt': not a video, picture or sound" in printed
    assert service.thread_ids() == []


@pytest.mark.slow
def test_terminal_chat_cuts_the_ad_from_attached_footage(tmp_path, capsys):
    import json

    from adloom.tools.scenes.tool import write_two_scene_video

    shots = write_two_scene_video(tmp_path / "my shots.mp4", seconds_each=2.5)
    selection = json.dumps({"clips": [{"clip_id": "v1c2", "line": "Recycled sole."},
                                      {"clip_id": "v1c1", "line": "Light shoes."}]})
    script = {**shoe_script(), "FootageDraft": [selection]}
    settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0})
    service = ChatService(settings, models=models_with_backend(ScriptedBackend(script), settings.llm),
                          default_duration_s=6)
    code = converse(service, "t-5", lines(f'/attach "{shots}"', FIRST_MESSAGE, SECOND_MESSAGE))
    assert code == 0
    printed = capsys.readouterr()
    assert f"attached to your next message: {shots.resolve()}" in printed.out
    assert "from 1 attached video(s)" in printed.out and "Your ad is ready" in printed.out
    view = service.view("t-5")
    assert view.status == "succeeded"
    assert view.messages[0]["media"] == [{"kind": "video", "path": str(shots.resolve()), "label": "my shots.mp4"}]
    manifest = json.loads((Path(view.outputs["video"]).parent / "manifest.json").read_text())
    assert manifest["mode"] == "footage" and [c["clip_id"] for c in manifest["plan"]["clips"]] == ["v1c2", "v1c1"]


@pytest.mark.slow
def test_a_turn_that_failed_is_resumed_from_its_failed_step_in_the_same_conversation(tmp_path, capsys):
    calls = []

    def plan_once_broken(call):
        calls.append(call)
        if len(calls) <= 2:  # the planner's own retry is used up too
            raise ConnectionError("the model server went away")
        return shoe_script()["PlanDraft"][0]

    settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0}, copywriter={"candidates": 1})
    script = {**shoe_script(), "PlanDraft": [plan_once_broken]}
    service = ChatService(settings, models=models_with_backend(ScriptedBackend(script), settings.llm),
                          default_duration_s=6)

    assert converse(service, "t-6", lines(FIRST_MESSAGE, SECOND_MESSAGE, "resume")) == 0
    printed = capsys.readouterr()
    assert "that step failed: ConnectionError: the model server went away; type 'resume'" in printed.err
    view = service.view("t-6")
    assert view.status == "waiting" and view.interrupts[0]["gate"] == "video"  # it went on to the first approval
    assert len(calls) == 3
    assert [m["role"] for m in view.messages].count("user") == 2  # "resume" is not a message to the planner


@pytest.mark.slow
@needs_piper
def test_in_the_terminal_a_change_of_each_kind_reaches_the_final_files(service, shared_data, capsys):
    """Issue 15's done-when in the terminal: copy, image, voice and music changed at the gates, all in the files."""
    import json

    from adloom.music import add_track

    track = add_track(service.database, service.assets, shared_data / "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg",
                      title="Vibe Ace", credit="Vibe Ace by Kevin MacLeod, CC BY 3.0")
    said_at_gates = ["headline: Run lighter this weekend", "redo image 2 warmer", "use Joe's voice and other music"]
    said = [FIRST_MESSAGE, SECOND_MESSAGE, *said_at_gates[:2], "approve", said_at_gates[2]]

    def read_line() -> str:  # the changes, then "approve" at every gate that asks again, then the end
        if said:
            return said.pop(0)
        if service.view("t-7").interrupts:
            return "approve"
        raise EOFError

    assert converse(service, "t-7", read_line) == 0
    printed = capsys.readouterr().out
    assert "Your ad is ready" in printed
    view = service.view("t-7")
    manifest = json.loads((service.settings.runs_dir / view.run_id / "manifest.json").read_text())
    assert manifest["copy"]["v1"]["platforms"]["tiktok"]["headline"] == "Run lighter this weekend"
    assert manifest["outputs"]["voice"]["backend"] == "piper"
    assert manifest["outputs"]["music"] == {"path": track.path, "credit": track.credit}
    with service.database.session() as session:  # each change asked at a gate was acted on, none refused
        acted = [e.detail.get("request") for e in records.get_run(session, view.run_id).events if e.event == "revising"]
    assert [request for request in acted if request] == said_at_gates
