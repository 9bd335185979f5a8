"""The REST API against the real app on a real SQLite database (FastAPI TestClient).

The chat endpoints run the real chat and campaign graphs; only the LLM's words are
scripted (see test_chat_graph.shoe_script).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from adloom.api.app import create_app
from adloom.config import Settings
from scripted_llm import ScriptedBackend, models_with_backend
from adloom.storage import records
from adloom.storage.database import open_database
from test_chat_graph import FIRST_MESSAGE, SECOND_MESSAGE, shoe_script


def make_client(tmp_path, script=None, **server) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0}, copywriter={"candidates": 1},
                        server=server)
    backend = ScriptedBackend(script or shoe_script())
    app = create_app(settings, models=models_with_backend(backend, settings.llm))
    app.state.service.default_duration_s = 6
    client = TestClient(app, base_url="http://127.0.0.1")
    client.backend = backend  # type: ignore[attr-defined]
    return client


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path) as client:
        yield client


def follow(client: TestClient, started: dict) -> list[dict]:
    """Read a turn's Server-Sent Events to its ``done`` event."""
    return read_events(client, started["events_url"])


def read_events(client: TestClient, url: str) -> list[dict]:
    """Server-Sent Events from ``url`` to the ``done`` event."""
    events = []
    with client.stream("GET", url) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
                if events[-1]["type"] == "done":
                    break
    return events


def say(client: TestClient, text: str, thread_id: str | None = None) -> tuple[str, list[dict]]:
    url = f"/api/threads/{thread_id}/messages" if thread_id else "/api/threads"
    response = client.post(url, json={"message": text})
    assert response.status_code == 202, response.text
    started = response.json()
    return started["thread_id"], follow(client, started)


def decide(client: TestClient, thread_id: str, action: str, request: str = "") -> list[dict]:
    response = client.post(f"/api/threads/{thread_id}/approval", json={"action": action, "request": request})
    assert response.status_code == 202, response.text
    return follow(client, response.json())


# --- data endpoints -----------------------------------------------------------------------


def test_openapi_docs_list_the_endpoints(client):
    schema = client.get("/openapi.json").json()
    for path in ("/api/brands", "/api/runs/{run_id}", "/api/threads/{thread_id}/approval", "/api/uploads",
                 "/api/trends", "/api/schedules", "/api/threads/{thread_id}/events", "/api/assemble"):
        assert path in schema["paths"], path
    assert client.get("/docs").status_code == 200


def test_brands_are_created_validated_and_listed(client):
    created = client.post("/api/brands", json={
        "brand": {"name": "Stride", "colors": ["#112233"]},
        "product": {"name": "Runner One", "description": "A light running shoe", "facts": ["Recycled foam sole"]},
    })
    assert created.status_code == 201, created.text
    brand = created.json()
    assert brand["name"] == "Stride" and brand["products"][0]["name"] == "Runner One"
    assert client.get(f"/api/brands/{brand['id']}").json()["colors"] == ["#112233"]
    assert [b["name"] for b in client.get("/api/brands").json()] == ["Stride"]
    assert [p["name"] for p in client.get("/api/products").json()] == ["Runner One"]

    bad = client.post("/api/brands", json={"brand": {"name": "X", "colors": ["red"]}, "product": {"name": "P"}})
    assert bad.status_code == 422
    assert "brand.colors.0" in bad.json()["detail"] and "product.description" in bad.json()["detail"]
    assert client.get("/api/brands/999").status_code == 404


def test_runs_campaigns_trends_and_schedules_read_the_database(client, tmp_path):
    database = open_database(client.app.state.settings.database_url)
    brief = {"brand": {"name": "Stride"}, "product": {"name": "Runner One", "description": "A shoe"}}
    with database.session() as session:
        records.create_run(session, "run-a", brief=brief, brief_path=None, out_dir=str(tmp_path), config={})
        records.record_event(session, "run-a", "planner", "finished", {"label": "planner"})
    runs = client.get("/api/runs").json()
    assert [(r["id"], r["status"], r["product"]) for r in runs] == [("run-a", "running", "Runner One")]
    run = client.get("/api/runs/run-a").json()
    assert run["events"][0]["node"] == "planner" and run["outputs"] == {}
    campaigns = client.get("/api/campaigns").json()
    assert campaigns[0]["runs"] == ["run-a"]
    assert client.get(f"/api/campaigns/{campaigns[0]['id']}").json()["brief"]["product"]["name"] == "Runner One"
    assert client.get("/api/runs/nope").status_code == 404
    assert client.get("/api/trends").json() == {"trends": [], "items": []}
    assert client.get("/api/schedules").json() == []


def test_a_campaign_finished_before_manifests_named_their_mode_is_still_shown(client):
    runs_dir = client.app.state.settings.data_dir / "runs"
    # The keys a campaign's manifest.json had before "mode" (as migration 0008 copies it onto the record).
    earlier = {
        "manifest_version": 1, "run_id": "run-old", "status": "succeeded", "created_at": "2026-12-05T10:00:00+00:00",
        "brief": {}, "plan": {}, "copy": {"v1": {"platforms": {"tiktok": {"headline": "Run light"}}, "script": []}},
        "outputs": {"video": str(runs_dir / "run-old" / "v1" / "ad-9x16.mp4"),
                    "videos": {"9:16": str(runs_dir / "run-old" / "v1" / "ad-9x16.mp4")},
                    "images": [], "variants": {}},
        "checks": [{"variant_id": "v1", "name": "copy.tiktok", "passed": True, "detail": "", "responsible": "copywriter",
                    "target": "tiktok"}],
        "notes": [], "grounding": {}, "assets": [], "timings": {}, "run_files": {}, "licences": [],
    }
    database = open_database(client.app.state.settings.database_url)
    brief = {"brand": {"name": "Stride"}, "product": {"name": "Runner One", "description": "A shoe"}}
    with database.session() as session:
        records.create_run(session, "run-old", brief=brief, brief_path=None, out_dir=str(runs_dir), config={})
        records.set_run_status(session, "run-old", "succeeded").manifest = earlier
    run = client.get("/api/runs/run-old").json()
    assert run["manifest_status"] == "succeeded" and run["outputs"]["videos"]["9:16"].endswith("ad-9x16.mp4")
    assert run["copy"]["v1"]["platforms"]["tiktok"]["headline"] == "Run light"


# --- bad input ------------------------------------------------------------------------------


def test_malformed_json_is_a_clear_422(client):
    response = client.post("/api/threads", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"] == "invalid request"
    assert any("JSON" in problem for problem in response.json()["problems"])
    missing = client.post("/api/threads", json={"text": "hi"})
    assert missing.status_code == 422 and any("message" in p for p in missing.json()["problems"])
    blank = client.post("/api/threads", json={"message": "   "})
    assert blank.status_code == 422 and "empty" in blank.json()["detail"]


def test_unknown_threads_are_404(client):
    assert client.get("/api/threads/nope").status_code == 404
    assert client.post("/api/threads/nope/messages", json={"message": "hi"}).status_code == 404
    assert client.post("/api/threads/nope/approval", json={"action": "approve"}).status_code == 404
    assert client.get("/api/threads/nope/events").status_code == 404
    # the failed requests left nothing behind: the lock is free and no thread exists
    assert client.get("/api/threads").json() == []
    assert not client.app.state.service.is_running("nope")


def test_a_question_turn_and_approval_for_a_thread_that_is_not_waiting(client):
    thread_id, events = say(client, FIRST_MESSAGE)
    assert events[-1] == {"type": "done", "status": "collecting"}
    messages = [e["message"] for e in events if e["type"] == "message"]
    assert "your brand's name" in messages[-1]["content"]
    view = client.get(f"/api/threads/{thread_id}").json()
    assert view["status"] == "collecting" and view["interrupts"] == []
    assert [m["role"] for m in view["messages"]] == ["user", "assistant"]

    refused = client.post(f"/api/threads/{thread_id}/approval", json={"action": "approve"})
    assert refused.status_code == 409 and "not waiting" in refused.json()["detail"]
    edit_without_words = client.post(f"/api/threads/{thread_id}/approval", json={"action": "edit"})
    assert edit_without_words.status_code == 422
    unknown_action = client.post(f"/api/threads/{thread_id}/approval", json={"action": "maybe"})
    assert unknown_action.status_code == 422
    # nothing was added to the conversation by the refused requests
    assert len(client.get(f"/api/threads/{thread_id}").json()["messages"]) == 2
    assert [t["thread_id"] for t in client.get("/api/threads").json()] == [thread_id]


# --- the whole conversation ----------------------------------------------------------------


@pytest.mark.slow
def test_chat_over_the_api_from_request_through_approvals_to_a_video(client):
    thread_id, _ = say(client, FIRST_MESSAGE)
    _, events = say(client, SECOND_MESSAGE, thread_id)
    assert events[-1] == {"type": "done", "status": "waiting"}
    assert any(e["type"] == "node" and e["node"] == "art_director" and e["event"] == "finished" for e in events)
    assert any(e["type"] == "progress" for e in events)
    interrupt = next(e for e in events if e["type"] == "interrupt")["interrupts"][0]
    assert interrupt["gate"] == "video"
    assert any(m["kind"] == "image" for m in interrupt["media"])
    view = client.get(f"/api/threads/{thread_id}").json()
    assert view["status"] == "waiting"
    preview = next(m for m in view["interrupts"][0]["media"] if m["kind"] == "image")
    fetched = client.get(preview["url"])
    assert fetched.status_code == 200 and fetched.content[:8] == b"\x89PNG\r\n\x1a\n"

    # Paused at a gate, the run is still this server's: leased, shown running.
    database = client.app.state.service.database
    with database.session() as session:
        paused = records.get_run(session, view["run_id"])
        assert paused.shown_status() == "running" and paused.lease_holder.startswith(f"pid {os.getpid()} on ")

    # A message while an approval is pending is refused, and changes nothing.
    busy = client.post(f"/api/threads/{thread_id}/messages", json={"message": "hello?"})
    assert busy.status_code == 409 and "waiting for an approval" in busy.json()["detail"]

    events = decide(client, thread_id, "approve")
    assert next(e for e in events if e["type"] == "interrupt")["interrupts"][0]["gate"] == "editor"
    events = decide(client, thread_id, "approve")
    assert events[-1] == {"type": "done", "status": "succeeded"}

    view = client.get(f"/api/threads/{thread_id}").json()
    final = view["messages"][-1]
    video = next(m for m in final["media"] if m["kind"] == "video")
    response = client.get(video["url"])
    assert response.status_code == 200 and response.content[4:8] == b"ftyp"

    with database.session() as session:
        finished = records.get_run(session, view["run_id"])
        written = Path(finished.out_dir) / finished.id / "manifest.json"
        assert json.loads(written.read_text("utf-8")) == finished.manifest  # the record keeps what the file says
    written.unlink()  # what the run made is learnt from its record, never by reading the file back
    run = client.get(f"/api/runs/{view['run_id']}").json()
    assert run["status"] == "succeeded" and run["outputs"]["videos"]["9:16"] == video["url"]
    assert run["checks"] and all(check["passed"] for check in run["checks"])
    with database.session() as session:
        assert records.get_run(session, view["run_id"]).lease_id is None  # given back at the end
    assert {"planner", "video", "editor", "manifest"} <= {e["node"] for e in run["events"]}
    gates = [(e["node"], e["event"]) for e in run["events"] if e["event"] in ("waiting", "approved")]
    assert gates == [("video", "waiting"), ("video", "approved"), ("editor", "waiting"), ("editor", "approved")]
    assets = client.get("/api/assets", params={"run_id": view["run_id"]}).json()
    assert assets and client.get(f"/api/assets/{assets[0]['id']}/content").status_code == 200


@pytest.mark.slow
def test_a_run_whose_check_failed_is_needs_review_in_every_view(client, monkeypatch):
    from test_campaign_graph import fail_tiktok_copy_until_revised

    fail_tiktok_copy_until_revised(monkeypatch, rounds_failing=2)  # still failing after the one send-back
    thread_id, _ = say(client, FIRST_MESSAGE)
    say(client, SECOND_MESSAGE, thread_id)
    sent_back: list[str] = []
    events = [{"type": "done", "status": "waiting"}]
    for _ in range(4):  # the gates, then again after the critic's one send-back
        if events[-1]["status"] != "waiting":
            break
        events = decide(client, thread_id, "approve")
        sent_back += [e["reason"] for e in events if e["type"] == "node" and e["node"] == "critic"
                      and e["event"] == "revising"]
    assert events[-1] == {"type": "done", "status": "needs_review"}
    assert sent_back == ["copy.tiktok.price (the price changed to $2.99): making the copy again, and what follows from it"]

    view = client.get(f"/api/threads/{thread_id}").json()
    assert view["status"] == "needs_review"
    assert "Needs review, failed checks: copy.tiktok.price (the price changed to $2.99)." in view["messages"][-1]["content"]
    run = client.get(f"/api/runs/{view['run_id']}").json()
    assert run["manifest_status"] == run["status"] == "needs_review"
    listed = {r["id"]: r["status"] for r in client.get("/api/runs").json()}
    assert listed[view["run_id"]] == "needs_review"
    threads = {t["thread_id"]: t["status"] for t in client.get("/api/threads").json()}
    assert threads[thread_id] == "needs_review"


@pytest.mark.slow
def test_concurrent_approvals_of_one_interrupt_apply_once(client):
    thread_id, _ = say(client, FIRST_MESSAGE)
    say(client, SECOND_MESSAGE, thread_id)
    pending = client.get(f"/api/threads/{thread_id}").json()["interrupts"]
    assert [i["gate"] for i in pending] == ["video"]

    barrier = threading.Barrier(2)
    answers: list = [None, None]

    def approve(slot: int) -> None:
        barrier.wait()
        answers[slot] = client.post(f"/api/threads/{thread_id}/approval",
                                    json={"action": "approve", "interrupt_id": pending[0]["id"]})

    workers = [threading.Thread(target=approve, args=(slot,)) for slot in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [202, 409], [a.text for a in answers]
    accepted = next(a for a in answers if a.status_code == 202).json()
    events = follow(client, accepted)
    assert events[-1]["status"] == "waiting"
    video_runs = [e for e in events if e["type"] == "node" and e["node"] == "video" and e["event"] == "finished"]
    assert len(video_runs) == 1
    # The same interrupt cannot be answered again once it was.
    again = client.post(f"/api/threads/{thread_id}/approval", json={"action": "approve", "interrupt_id": pending[0]["id"]})
    assert again.status_code == 409 and "not waiting" in again.json()["detail"]
    view = client.get(f"/api/threads/{thread_id}").json()
    assert [i["gate"] for i in view["interrupts"]] == ["editor"]
    assert sum(1 for m in view["messages"] if m["role"] == "user") == 2


def test_own_media_is_assembled_from_uploads_only(client, tmp_path):
    import io

    from PIL import Image

    paths = []
    for color in ("#ff5a1f", "#1f8fff"):
        buffer = io.BytesIO()
        Image.new("RGB", (320, 568), color).save(buffer, "PNG")
        stored = client.post("/api/uploads", data={"purpose": "product_photo"},
                             files={"file": (f"{color[1:]}.png", buffer.getvalue(), "image/png")})
        assert stored.status_code == 201, stored.text
        paths.append(stored.json()["path"])
    outside = tmp_path / "outside.png"
    outside.write_bytes(b"")
    refused = client.post("/api/assemble", json={"images": [paths[0], str(outside)], "duration_s": 2})
    assert refused.status_code == 422 and "images[1]" in refused.json()["detail"]

    made = client.post("/api/assemble", json={"images": paths, "duration_s": 2})
    assert made.status_code == 200, made.text
    video = client.get(made.json()["video"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"


# --- the studio: voices, the music library, the brief card ---------------------------------------


def add_vibe_ace(client: TestClient, shared_data) -> dict:
    ogg = shared_data / "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg"
    uploaded = client.post("/api/uploads", data={"purpose": "music"},
                           files={"file": (ogg.name, ogg.read_bytes(), "audio/ogg")})
    assert uploaded.status_code == 201, uploaded.text
    added = client.post("/api/music", json={"path": uploaded.json()["path"], "title": "Vibe Ace",
                                            "credit": "Vibe Ace by Kevin MacLeod, CC BY 3.0"})
    assert added.status_code == 201, added.text
    return added.json()


def test_the_music_library_lists_uploaded_tracks_with_their_credit_and_refuses_what_is_not_one(
        client, shared_data, tmp_path):
    assert client.get("/api/music").json() == []
    track = add_vibe_ace(client, shared_data)
    assert track["title"] == "Vibe Ace" and track["duration_s"] == pytest.approx(61, abs=1)
    assert client.get(track["url"]).content[:4] == b"OggS"  # the page plays it as a preview
    assert client.get("/api/music").json() == [track]

    outside = tmp_path / "song.ogg"
    outside.write_bytes((shared_data / "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg").read_bytes())
    refused = client.post("/api/music", json={"path": str(outside), "title": "x", "credit": "mine"})
    assert refused.status_code == 422 and "not an uploaded file" in refused.json()["detail"]
    no_credit = client.post("/api/music", json={"path": track["url"], "title": "x", "credit": ""})
    assert no_credit.status_code == 422
    assert len(client.get("/api/music").json()) == 1


def test_voices_are_listed_with_a_sample_to_hear_and_a_missing_one_says_how_to_add_it(client):
    from adloom.tools.tts.voices import VOICES

    voices = {voice["id"]: voice for voice in client.get("/api/voices").json()}
    assert voices["heart"]["available"] and voices["heart"]["description"].startswith("female")
    sample = client.get(voices["heart"]["preview_url"])
    assert sample.status_code == 200 and sample.content[:4] == b"RIFF" and len(sample.content) > 48_000
    if not VOICES["joe"].installed:
        refused = client.get(voices["joe"]["preview_url"])
        assert refused.status_code == 409 and "pip install 'adloom[piper]'" in refused.json()["detail"]
        assert voices["joe"]["why_not"] == refused.json()["detail"]
    assert client.get("/api/voices/nobody/preview").status_code == 404


@pytest.mark.slow
def test_the_brief_card_fills_what_is_missing_chooses_voice_and_music_and_the_ad_starts(client, shared_data):
    track = add_vibe_ace(client, shared_data)
    thread_id, _ = say(client, FIRST_MESSAGE)
    assert client.put(f"/api/threads/{thread_id}/brief", json={"voice": "nobody"}).status_code == 422
    assert client.put(f"/api/threads/{thread_id}/brief", json={"music_id": 999}).status_code == 422
    assert client.put(f"/api/threads/{thread_id}/brief", json={}).status_code == 422
    assert client.put(f"/api/threads/{thread_id}/brief", json={"brand_name": "x" * 61}).status_code == 422

    response = client.put(f"/api/threads/{thread_id}/brief", json={
        "brand_name": "Stride", "product_description": "A light running shoe with a recycled foam sole",
        "audience": "weekend runners", "price": "$89", "voice": "heart", "music_id": track["id"]})
    assert response.status_code == 202, response.text
    events = follow(client, response.json())
    said = [e["message"]["content"] for e in events if e["type"] == "message"]
    assert "Heart's voice reads it. The music is Vibe Ace." in said[-1]
    assert "only these facts from your brief: $89" in said[-1]
    view = client.get(f"/api/threads/{thread_id}").json()
    assert view["status"] == "waiting"
    edit = view["messages"][2]
    assert edit["role"] == "user" and edit["content"] == (
        "In the brief card I set brand name: Stride; product description: A light running shoe with a recycled "
        "foam sole; audience: weekend runners; price: $89; voice: Heart; music: Vibe Ace.")
    assert view["draft"]["music"]["title"] == "Vibe Ace" and view["draft"]["voice"] == "heart"
    assert len(client.backend.calls_for("ChatTurn")) == 1  # the card's values were not read by the model
    # While it waits at an approval the brief is not changed under it.
    busy = client.put(f"/api/threads/{thread_id}/brief", json={"price": "$79"})
    assert busy.status_code == 409 and "answer the approval first" in busy.json()["detail"]
