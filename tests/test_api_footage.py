"""Footage mode through the REST API: raw video uploads, starting a run, following it, its result.

The real app on a real SQLite database (FastAPI TestClient), real videos from the shared
data folder cut short with ffmpeg, and the real footage graph; only the LLM's words are
scripted.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from PIL import Image

from adloom.api.app import create_app
from adloom.api.uploads import MATROSKA, sniff, store_upload_stream
from adloom.config import Settings
from conftest import REPO_ROOT
from scripted_llm import ScriptedBackend, models_with_backend
from adloom.storage import records
from adloom.storage.assets import AssetStore
from adloom.storage.database import open_database
from test_api import read_events
from adloom.tools.ffmpeg import probe, run_ffmpeg

EXAMPLE_BRIEF = yaml.safe_load((REPO_ROOT / "examples" / "brief.yaml").read_text())
# The API takes only uploaded files; the example's photo ships inside a package, not as an upload.
del EXAMPLE_BRIEF["product"]["images"]
LINES = ("Smooth cold brew coffee.", "No sugar.")  # v1c2 is 5 s long, v1c3 2.75 s


# --- media ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def footage(shared_data, tmp_path_factory) -> dict[str, Path]:
    """Small real videos: a 10 s cut of testvideo.mp4 (cuts at 1 s and 6 s; the first second
    is black and set aside, the third clip starts after a fade from black), its truncated copy,
    the shared WebM, a Matroska and an AVI remux of them, and a text file named like a video."""
    folder = tmp_path_factory.mktemp("footage")
    cut = folder / "shots.mp4"
    run_ffmpeg(["-i", shared_data / "video/pyscenedetect/testvideo.mp4", "-t", "10", "-vf", "scale=320:180",
                "-an", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", cut])
    corrupt = folder / "broken.mp4"
    corrupt.write_bytes(cut.read_bytes()[: cut.stat().st_size // 3])  # moov atom at the end: cut off
    webm = folder / "bunny.webm"
    shutil.copyfile(shared_data / "video/moviepy/big_buck_bunny_432_433.webm", webm)
    mkv = folder / "bunny.mkv"
    run_ffmpeg(["-i", webm, "-c", "copy", mkv])
    avi = folder / "shots.avi"
    run_ffmpeg(["-i", cut, "-c", "copy", avi])
    notes = folder / "notes.mp4"
    notes.write_text("not a video, just notes\n")
    return {"cut": cut, "corrupt": corrupt, "webm": webm, "mkv": mkv, "avi": avi, "notes": notes}


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "#ff5a1f").save(buffer, "PNG")
    return buffer.getvalue()


def footage_draft(*clip_ids: str) -> str:
    return json.dumps({"clips": [{"clip_id": clip_id, "line": line} for clip_id, line in zip(clip_ids, LINES)]})


def make_client(tmp_path: Path, **server) -> TestClient:
    settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0}, footage={"ocr": False}, server=server)
    backend = ScriptedBackend({"FootageDraft": [footage_draft("v1c2", "v1c3")]})
    app = create_app(settings, models=models_with_backend(backend, settings.llm))
    client = TestClient(app, base_url="http://127.0.0.1")
    client.backend = backend  # type: ignore[attr-defined]
    return client


@pytest.fixture
def client(tmp_path):
    with make_client(tmp_path, max_body_bytes=2048, max_upload_bytes=1024, max_footage_bytes=1_000_000) as client:
        yield client


def upload(client: TestClient, path: Path, name: str | None = None):
    return client.post("/api/footage/uploads", files={"file": (name or path.name, path.read_bytes(), "video/mp4")})


def uploaded(client: TestClient, path: Path) -> str:
    response = upload(client, path)
    assert response.status_code == 201, response.text
    return response.json()["path"]


def join_workers(client: TestClient) -> None:
    with client.app.state.workers_lock:
        workers = list(client.app.state.workers)
    for worker in workers:
        worker.join(timeout=300)
        assert not worker.is_alive(), "the footage run did not finish in 5 minutes"


# --- uploads ----------------------------------------------------------------------------------


def test_video_containers_are_recognised_by_their_first_bytes(footage):
    for name, suffix in (("cut", ".mp4"), ("webm", ".webm"), ("mkv", ".mkv"), ("avi", ".avi")):
        assert sniff(footage[name].read_bytes()[:64]).suffix == suffix, name
    assert sniff(footage["mkv"].read_bytes()[:64]) is MATROSKA
    assert sniff(footage["notes"].read_bytes()[:64]) is None


def test_footage_uploads_are_stored_by_content_past_the_small_body_limit(client, footage):
    for name in ("cut", "webm", "mkv", "avi"):
        response = upload(client, footage[name])
        assert response.status_code == 201, (name, response.text)
        stored = response.json()
        assert stored["kind"] == "video" and stored["purpose"] == "footage"
        assert Path(stored["path"]).read_bytes() == footage[name].read_bytes()
        assert stored["bytes"] == footage[name].stat().st_size
        assert Path(stored["path"]).name.startswith(stored["sha256"])
    assert footage["cut"].stat().st_size > 2048  # over max_body_bytes, which still holds elsewhere:
    small_route = client.post("/api/uploads", data={"purpose": "clip"},
                              files={"file": ("shots.mp4", footage["cut"].read_bytes(), "video/mp4")})
    assert small_route.status_code == 413 and "max_body_bytes" in small_route.json()["detail"]
    # A MOV name for an MP4/QuickTime container is fine.
    assert upload(client, footage["cut"], "holiday.MOV").status_code == 201


def test_footage_uploads_refuse_what_is_not_a_video(client, footage, tmp_path):
    notes = upload(client, footage["notes"])
    assert notes.status_code == 415 and "unrecognised content" in notes.json()["detail"]
    photo = client.post("/api/footage/uploads", files={"file": ("photo.mp4", png_bytes(), "video/mp4")})
    assert photo.status_code == 415 and "the bytes are png" in photo.json()["detail"]
    renamed = upload(client, footage["cut"], "shots.webm")
    assert renamed.status_code == 415 and "the name says .webm but the content is mp4" in renamed.json()["detail"]
    for name in ("../../evil.mp4", "/etc/evil.mp4", ".hidden.mp4"):
        assert upload(client, footage["cut"], name).status_code == 422, name
    empty = client.post("/api/footage/uploads", files={"file": ("empty.mp4", b"", "video/mp4")})
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    assert not list((tmp_path / "data").rglob("evil.mp4"))


def test_footage_over_its_own_cap_is_refused(tmp_path, footage):
    size = footage["cut"].stat().st_size
    with make_client(tmp_path, max_footage_bytes=size // 2) as client:
        # The body fits the route's cap (file cap + form overhead); the file does not.
        in_handler = upload(client, footage["cut"])
        assert in_handler.status_code == 413
        assert f"limit is {size // 2}" in in_handler.json()["detail"]
        assert "max_footage_bytes" in in_handler.json()["detail"]
        big = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (size // 2 + 300 * 1024)
        declared = client.post("/api/footage/uploads", files={"file": ("big.mp4", big, "video/mp4")})
        assert declared.status_code == 413 and "max_footage_bytes" in declared.json()["detail"]
    assert not list((tmp_path / "data").rglob("*.mp4"))  # neither stored nor left in scratch


def test_streamed_uploads_are_read_in_chunks(tmp_path, footage):
    class CountingReader(io.BytesIO):
        largest = 0

        def read(self, size=-1):
            CountingReader.largest = max(CountingReader.largest, size if size >= 0 else len(self.getvalue()))
            return super().read(size)

    data = footage["cut"].read_bytes()
    ref = store_upload_stream(CountingReader(data), "shots.mp4", "footage", AssetStore(tmp_path / "data"),
                              max_bytes=len(data), chunk_bytes=4096)
    assert Path(ref.path).read_bytes() == data
    assert CountingReader.largest == 4096  # never asked for the whole file


# --- starting a run: bad input ----------------------------------------------------------------


def test_invalid_footage_requests_are_422_naming_each_problem(client, footage, tmp_path):
    good = uploaded(client, footage["cut"])
    broken = uploaded(client, footage["corrupt"])
    photo = client.post("/api/uploads", data={"purpose": "product_photo"},
                        files={"file": ("logo.png", png_bytes(), "image/png")}).json()["path"]
    outside = tmp_path / "outside.mp4"
    shutil.copyfile(footage["cut"], outside)

    bad_brief = {**EXAMPLE_BRIEF, "product": {"name": "Cold Brew"}, "mood": "sunny"}
    response = client.post("/api/footage", json={"brief": bad_brief, "videos": [good]})
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert "brief.product.description: is required" in problems and "brief.mood: unknown key" in problems

    outside_logo = {**EXAMPLE_BRIEF, "brand": {**EXAMPLE_BRIEF["brand"], "logo": str(outside)}}
    response = client.post("/api/footage", json={"brief": outside_logo, "videos": [good]})
    assert response.status_code == 422
    assert response.json()["problems"][0].startswith("brief.brand.logo: ")
    assert "not an uploaded file in the data directory" in response.json()["detail"]
    inside_logo = {**EXAMPLE_BRIEF, "brand": {**EXAMPLE_BRIEF["brand"], "logo": broken}}
    response = client.post("/api/footage", json={"brief": inside_logo, "videos": [good]})
    assert response.status_code == 422 and "brand.logo" in response.json()["detail"]

    response = client.post("/api/footage", json={"brief": EXAMPLE_BRIEF, "videos": [str(outside), "/etc/passwd"]})
    assert response.status_code == 422
    assert response.json()["problems"][1:] == [
        f"videos[0]: {str(outside)!r} is not an uploaded file in the data directory",
        "videos[1]: '/etc/passwd' is not an uploaded file in the data directory",
    ]

    response = client.post("/api/footage", json={"brief": EXAMPLE_BRIEF, "videos": [broken, photo]})
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert problems[0] == "no usable video"
    assert problems[1].startswith(f"videos[0]: {broken}: cannot read it as video")
    assert problems[2].startswith(f"videos[1]: {photo}: is a still image")

    empty = client.post("/api/footage", json={"brief": EXAMPLE_BRIEF, "videos": []})
    assert empty.status_code == 422 and any(p.startswith("body.videos") for p in empty.json()["problems"])
    zero = client.post("/api/footage", json={"brief": EXAMPLE_BRIEF, "videos": [good], "clips": 0})
    assert zero.status_code == 422 and any(p.startswith("body.clips") for p in zero.json()["problems"])
    odd = client.post("/api/footage", json={"brief": EXAMPLE_BRIEF, "videos": [good], "render_size": [181, 320]})
    assert odd.status_code == 422 and any(p.startswith("body.render_size") for p in odd.json()["problems"])

    # Nothing was recorded or started by the refused requests.
    assert client.get("/api/runs").json() == []
    assert client.app.state.workers == []


def test_events_of_runs_this_server_is_not_executing_are_replayed_from_the_log(client, tmp_path):
    database = open_database(client.app.state.settings.database_url)
    brief = {"brand": {"name": "Stride"}, "product": {"name": "Runner One", "description": "A shoe"}}
    with database.session() as session:
        records.create_run(session, "run-cli", brief=brief, brief_path=None, out_dir=str(tmp_path), config={})
        records.record_event(session, "run-cli", "scenes", "started", {"label": "scenes"})
        records.record_event(session, "run-cli", "scenes", "failed", {"label": "scenes", "error": "boom"})
        records.set_run_status(session, "run-cli", "failed", error="boom")
    events = read_events(client, "/api/runs/run-cli/events")
    assert [(e["type"], e.get("node"), e.get("event")) for e in events] == [
        ("node", "scenes", "started"), ("node", "scenes", "failed"), ("done", None, None)]
    assert events[-1]["status"] == "failed" and events[1]["error"] == "boom"
    assert [e["type"] for e in read_events(client, "/api/runs/run-cli/events?after=2")] == ["done"]
    assert client.get("/api/runs/nope/events").status_code == 404


# --- a whole run ------------------------------------------------------------------------------


def test_a_footage_run_from_uploads_to_a_subtitled_ad_skipping_a_corrupt_file(client, footage):
    good = uploaded(client, footage["cut"])
    broken = uploaded(client, footage["corrupt"])
    response = client.post("/api/footage", json={
        "brief": EXAMPLE_BRIEF, "videos": [good, broken], "clips": 2, "render_size": [180, 320],
    })
    assert response.status_code == 202, response.text
    started = response.json()
    run_id = started["run_id"]
    assert started["status_url"] == f"/api/runs/{run_id}"
    assert len(started["rejected"]) == 1 and started["rejected"][0].startswith(f"videos[1]: {broken}")

    events = read_events(client, started["events_url"])
    join_workers(client)
    assert events[0] == {"type": "node", "node": "run", "event": "created", "run_id": run_id,
                         "out_dir": str(client.app.state.settings.runs_dir.resolve())}
    finished = [e["node"] for e in events if e["type"] == "node" and e["event"] == "finished"]
    assert finished == ["scenes", "describe", "select", "voiceover", "subtitles", "editor", "manifest"]
    assert any(e["type"] == "progress" for e in events)
    done = events[-1]
    assert done["type"] == "done" and done["status"] == "succeeded"
    assert [Path(r["path"]).name for r in done["rejected"]] == [Path(broken).name]

    run = client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "succeeded" and run["manifest_status"] == "succeeded"
    assert [Path(r["path"]).name for r in run["rejected"]] == [Path(broken).name]
    assert {"scenes", "select", "editor", "manifest"} <= {e["node"] for e in run["events"]}
    video = client.get(run["outputs"]["video"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    manifest = json.loads((client.app.state.settings.runs_dir / run_id / "manifest.json").read_text())
    assert [c["clip_id"] for c in manifest["plan"]["clips"]] == ["v1c2", "v1c3"]
    info = probe(manifest["outputs"]["video"])
    assert info.duration_s > 0 and (info.video.width, info.video.height) == (180, 320)
    assert info.audio is not None
    srt = client.get(run["outputs"]["srt"])
    assert srt.status_code == 200 and LINES[0] in srt.text and LINES[1] in srt.text
    assert client.get(run["outputs"]["vtt"]).text.startswith("WEBVTT")
    assert len(client.backend.calls_for("FootageDraft")) == 1

    # The finished run's stream can be read again, to the same end.
    again = read_events(client, f"/api/runs/{run_id}/events?after={len(events) - 1}")
    assert again == [done]


def test_a_run_that_fails_after_it_started_says_why(client, footage):
    good = uploaded(client, footage["cut"])
    response = client.post("/api/footage", json={"brief": EXAMPLE_BRIEF, "videos": [good], "clips": 9,
                                                  "render_size": [90, 160]})
    assert response.status_code == 202, response.text  # how many clips there are is known only after detection
    run_id = response.json()["run_id"]
    events = read_events(client, response.json()["events_url"])
    join_workers(client)
    assert events[-1] == {"type": "done", "status": "failed"}
    error = next(e for e in events if e["type"] == "error")["error"]
    assert run_id in error and "between 1 and 2" in error  # the black opening is not a clip
    assert ("select", "failed") in [(e.get("node"), e.get("event")) for e in events]
    run = client.get(f"/api/runs/{run_id}").json()
    assert run["status"] == "failed" and "between 1 and 2" in run["error"]
    assert run["outputs"] == {} and run["rejected"] == []
