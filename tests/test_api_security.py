"""Token, listen address, size and rate limits, uploads and downloads of the API server."""

from __future__ import annotations

import io
import json
import os
import socket
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from adloom.api.app import create_app
from adloom.api.security import RateLimiter
from adloom.api.settings import InsecureListenError, ServerSettings, check_listen_address
from adloom.cli import app as cli_app
from adloom.config import Settings
from adloom.runs import settings_record
from conftest import REPO_ROOT

TOKEN = "correct-horse-battery-staple"


def make_app(tmp_path: Path, **server):
    return create_app(Settings(data_dir=tmp_path / "data", server=server))


def png_bytes(size: int = 64) -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((size, size), 80).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


# --- listening ----------------------------------------------------------------------------


def test_only_loopback_may_listen_without_a_token():
    check_listen_address("127.0.0.1", ServerSettings())
    check_listen_address("::1", ServerSettings())
    check_listen_address("localhost", ServerSettings())
    with pytest.raises(InsecureListenError, match=r"\[server\] token"):
        check_listen_address("0.0.0.0", ServerSettings())
    with pytest.raises(InsecureListenError):
        check_listen_address("192.168.1.20", ServerSettings())
    check_listen_address("0.0.0.0", ServerSettings(token=TOKEN))


def test_serve_refuses_a_public_address_without_a_token(tmp_path, monkeypatch):
    monkeypatch.setenv("ADLOOM_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli_app, ["serve", "--host", "0.0.0.0", "--port", "8999"])
    assert result.exit_code == 2
    assert "error: refusing to listen on 0.0.0.0" in result.output and "[server] token" in result.output


def test_short_tokens_are_refused():
    with pytest.raises(ValueError, match="at least 16"):
        ServerSettings(token="short")


def test_the_token_never_appears_in_settings_records_or_responses(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", server={"token": TOKEN})
    assert TOKEN not in json.dumps(settings_record(settings, None))
    assert TOKEN not in repr(settings)
    client = TestClient(create_app(settings), base_url="http://127.0.0.1")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/api/runs", "/api/brands", "/openapi.json", "/api/threads"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200 and TOKEN not in response.text
    wrong = client.get("/api/runs", headers={"Authorization": "Bearer wrong-token-wrong-token"})
    assert TOKEN not in wrong.text


@pytest.mark.slow
def test_adloom_serve_starts_a_server_on_loopback(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ADLOOM_DATA_DIR": str(tmp_path / "data")}
    server = subprocess.Popen(
        [sys.executable, "-m", "adloom.cli", "serve", "--port", str(port)], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the server did not start in 60 s"
                time.sleep(0.3)
        assert response.json() == {"status": "ok"}
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status_code == 200 and "<title>adloom chat</title>" in page.text
        assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")  # no CDN assets
    finally:
        server.terminate()
        server.wait(timeout=20)


# --- token --------------------------------------------------------------------------------


def test_with_a_token_every_request_must_carry_it(tmp_path):
    client = TestClient(make_app(tmp_path, token=TOKEN), base_url="http://127.0.0.1")
    assert client.get("/api/health").status_code == 200  # the only open endpoint
    for path in ("/api/runs", "/", "/static/chat.js", "/docs", "/api/files/adloom.db"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/runs", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.post("/api/threads", json={"message": "hi"}).status_code == 401


def test_the_session_cookie_authorises_the_page(tmp_path):
    client = TestClient(make_app(tmp_path, token=TOKEN), base_url="http://127.0.0.1")
    assert client.post("/api/session", json={"token": "wrong"}).status_code == 401
    assert client.get("/api/runs").status_code == 401
    signed_in = client.post("/api/session", json={"token": TOKEN})
    assert signed_in.status_code == 200 and "httponly" in signed_in.headers["set-cookie"].lower()
    assert TOKEN not in signed_in.text
    assert client.get("/api/runs").status_code == 200  # the cookie now rides along
    assert client.get("/").status_code == 200


def test_loopback_without_a_token_needs_none(tmp_path):
    client = TestClient(make_app(tmp_path), base_url="http://127.0.0.1")
    assert client.get("/api/runs").status_code == 200
    assert client.get("/").status_code == 200


# --- size and rate limits -------------------------------------------------------------------


def test_oversized_bodies_are_refused_before_reading(tmp_path):
    client = TestClient(make_app(tmp_path, max_body_bytes=2048), base_url="http://127.0.0.1")
    response = client.post("/api/threads", content=b"x" * 5000, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "max_body_bytes" in response.json()["detail"]


def test_requests_are_rate_limited_per_client(tmp_path):
    client = TestClient(make_app(tmp_path, rate_limit_per_minute=3), base_url="http://127.0.0.1")
    assert [client.get("/api/runs").status_code for _ in range(3)] == [200, 200, 200]
    limited = client.get("/api/runs")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1


def test_the_rate_window_slides():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.retry_after("a") == 0 and limiter.retry_after("a") == 0
    assert limiter.retry_after("a") > 0
    assert limiter.retry_after("b") == 0  # another client has its own window
    now[0] = 61.0
    assert limiter.retry_after("a") == 0


# --- uploads and downloads ----------------------------------------------------------------


@pytest.fixture
def client(tmp_path):
    return TestClient(make_app(tmp_path, max_upload_bytes=200_000), base_url="http://127.0.0.1")


def upload(client, name: str, data: bytes, purpose: str = "product_photo"):
    return client.post("/api/uploads", data={"purpose": purpose}, files={"file": (name, data, "image/png")})


def test_a_product_photo_is_stored_by_content_and_downloadable(client):
    data = png_bytes()
    response = upload(client, "shoe.png", data)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["kind"] == "image" and Path(stored["path"]).read_bytes() == data
    assert Path(stored["path"]).name.startswith(stored["sha256"])
    assert client.get(stored["url"]).content == data


def test_wrong_content_is_refused_whatever_the_name_says(client):
    fake = upload(client, "shoe.png", b"#!/bin/sh\necho not an image\n")
    assert fake.status_code == 415 and "unrecognised content" in fake.json()["detail"]
    music_as_photo = upload(client, "song.png", b"ID3\x04\x00" + b"\x00" * 100)
    assert music_as_photo.status_code == 415 and "mp3" in music_as_photo.json()["detail"]
    renamed = upload(client, "shoe.ttf", png_bytes(), purpose="font")
    assert renamed.status_code == 415
    mismatch = upload(client, "shoe.jpg", png_bytes())
    assert mismatch.status_code == 415 and "the name says .jpg" in mismatch.json()["detail"]
    assert upload(client, "x.png", png_bytes(), purpose="spreadsheet").status_code == 422


def test_oversize_uploads_are_refused(client):
    big = png_bytes(600)
    assert len(big) > 200_000
    response = upload(client, "big.png", big)
    assert response.status_code == 413 and "limit is 200000" in response.json()["detail"]


def test_path_traversal_names_are_refused_and_write_nothing(client, tmp_path):
    for name in ("../../evil.png", "..\\..\\evil.png", "/etc/evil.png", ".hidden.png"):
        response = upload(client, name, png_bytes())
        assert response.status_code == 422, name
        assert "plain name" in response.json()["detail"]
    assert not list(tmp_path.rglob("evil.png"))
    assert not (tmp_path / "data" / "assets").exists() or not any((tmp_path / "data" / "assets").rglob("*.png"))


def test_downloads_cannot_escape_the_data_directory(client, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    for path in ("/api/files/../secret.txt", "/api/files/%2e%2e/secret.txt", "/api/files/..%2fsecret.txt",
                 f"/api/files/{secret}", "/api/files//etc/passwd"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "private" not in response.text
    link = tmp_path / "data" / "link.txt"
    link.symlink_to(secret)
    assert client.get("/api/files/link.txt").status_code == 404


def test_static_page_uses_no_external_assets():
    static = REPO_ROOT / "adloom" / "api" / "static"
    for path in static.iterdir():
        text = path.read_text("utf-8")
        assert "http://" not in text and "https://" not in text and "//cdn" not in text, path


# --- who may reach the server (issue 16) ------------------------------------------------------


def local(app, host: str = "127.0.0.1") -> TestClient:
    return TestClient(app, base_url=f"http://{host}")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` over a few bytes of pixel data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) \
        + chunk(b"IEND", b"")


def test_a_foreign_host_is_refused_so_dns_rebinding_reads_nothing(tmp_path):
    app = make_app(tmp_path)
    (tmp_path / "data" / "runs").mkdir(parents=True)
    (tmp_path / "data" / "runs" / "a.txt").write_text("run output")
    rebound = local(app, "attacker.example:8000")
    for path in ("/api/runs", "/api/files/adloom.db", "/api/files/runs/a.txt", "/"):
        response = rebound.get(path)
        assert response.status_code == 400, path
        assert "Host 'attacker.example:8000' is not served here" in response.json()["detail"]
        assert "SQLite" not in response.text and "run output" not in response.text
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"):
        assert local(app, host).get("/api/files/runs/a.txt").text == "run output", host


def test_allowed_hosts_names_more_hosts(tmp_path):
    app = make_app(tmp_path, allowed_hosts=["ads.internal"])
    assert local(app, "ads.internal:8000").get("/api/runs").status_code == 200
    assert local(app, "other.internal").get("/api/runs").status_code == 400


def test_cross_origin_writes_are_refused_and_store_nothing(tmp_path):
    client = local(make_app(tmp_path))
    photo = {"file": ("shoe.png", png_bytes(), "image/png")}
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Origin": "http://127.0.0.1.evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        upload_response = client.post("/api/uploads", data={"purpose": "product_photo"}, files=photo, headers=headers)
        assert upload_response.status_code == 403, headers
        assert "cross-origin write refused" in upload_response.json()["detail"]
        footage = client.post("/api/footage/uploads", files={"file": ("a.mp4", b"\x00\x00\x00\x18ftypmp42", "video/mp4")},
                              headers=headers)
        assert footage.status_code == 403, headers
        assert client.post("/api/threads", json={"message": "hi"}, headers=headers).status_code == 403
    assert not (tmp_path / "data" / "assets").exists() or not any((tmp_path / "data" / "assets").rglob("*.*"))
    # Reads cross origin are answered without CORS headers, so the browser keeps them from the page.
    read = client.get("/api/runs", headers={"Origin": "http://evil.example"})
    assert read.status_code == 200 and "access-control-allow-origin" not in read.headers
    # The page itself (same origin) and clients without an Origin (curl) may write.
    same = client.post("/api/uploads", data={"purpose": "product_photo"}, files=photo,
                       headers={"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"})
    assert same.status_code == 201, same.text
    assert client.post("/api/uploads", data={"purpose": "product_photo"}, files=photo).status_code == 201


def test_the_database_checkpoints_and_scratch_are_never_served(tmp_path):
    client = local(make_app(tmp_path))
    data = tmp_path / "data"
    secrets = ["checkpoints.sqlite", "adloom.db-wal", "scratch/tmpab12/.clip.partial.mp4", "scratch/tmpab12/clip.mp4",
               "cache-index/ab/abcd.json", "models/whisper.pt", "schedules/1/brief.yaml", "assets/ab/.incoming.x1",
               "runs/r1/.manifest.json.x.part"]
    for name in secrets:
        (data / name).parent.mkdir(parents=True, exist_ok=True)
        (data / name).write_text("private")
    assert (data / "adloom.db").is_file()
    for name in ["adloom.db", *secrets]:
        response = client.get(f"/api/files/{name}")
        assert response.status_code == 404, name
        assert "private" not in response.text and "SQLite" not in response.text
    (data / "runs" / "r1" / "manifest.json").write_text("{}")
    assert client.get("/api/files/runs/r1/manifest.json").status_code == 200
    assembled = client.post("/api/assemble", json={"images": [str(data / "checkpoints.sqlite")]})
    assert assembled.status_code == 422 and "not an uploaded file" in assembled.json()["detail"]


def test_failed_logins_are_rate_limited_before_the_token_is_compared(tmp_path):
    client = local(make_app(tmp_path, token=TOKEN, failed_logins_per_minute=3))
    wrong = {"Authorization": "Bearer wrong-token-wrong-token"}
    assert [client.get("/api/runs", headers=wrong).status_code for _ in range(2)] == [401, 401]
    assert client.post("/api/session", json={"token": "also-wrong-also-wrong"}).status_code == 401
    locked = client.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"})
    assert locked.status_code == 429 and "failed_logins_per_minute" in locked.json()["detail"]
    assert int(locked.headers["retry-after"]) >= 1
    assert client.post("/api/session", json={"token": TOKEN}).status_code == 429


def test_a_right_token_does_not_count_as_a_failed_login(tmp_path):
    client = local(make_app(tmp_path, token=TOKEN, failed_logins_per_minute=2))
    right = {"Authorization": f"Bearer {TOKEN}"}
    assert {client.get("/api/runs", headers=right).status_code for _ in range(5)} == {200}


def test_client_errors_are_4xx_with_a_one_line_reason(tmp_path):
    client = local(make_app(tmp_path))
    too_big = str(2**63)
    cases = {
        "/api/files/a%00b.png": 400, "/api/runs/x%00y": 400, "/api/assets?run_id=a%00": 400,
        f"/api/brands/{too_big}": 422, f"/api/campaigns/{too_big}": 422, f"/api/assets/{too_big}/content": 422,
        f"/api/runs/x/events?after={too_big}": 422, "/api/brands/-1": 422,
        f"/api/brands/{2**63 - 1}": 404,
    }
    for path, status in cases.items():
        response = client.get(path)
        assert response.status_code == status, (path, response.text)
        detail = response.json()["detail"]
        assert isinstance(detail, str) and "\n" not in detail, path
    nul = client.post("/api/assemble", json={"images": [str(tmp_path / "data" / "assets" / "a\x00.png")]})
    assert nul.status_code == 422 and "not an uploaded file" in nul.json()["detail"]


@pytest.mark.parametrize("content", [b"\x89PNG\r\n\x1a\n" + os.urandom(4000), png_header_only(30000, 30000)],
                         ids=["random-bytes-png", "30000x30000-png"])
def test_images_that_do_not_decode_are_refused_at_upload_and_assembly(tmp_path, content):
    client = local(make_app(tmp_path))
    uploaded = upload(client, "photo.png", content)
    assert uploaded.status_code == 415 and "photo.png" in uploaded.json()["detail"]
    # One that reached the store another way is refused by /api/assemble with a 4xx too.
    planted = tmp_path / "data" / "assets" / "ab" / "planted.png"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(content)
    assembled = client.post("/api/assemble", json={"images": [str(planted)], "duration_s": 2})
    assert assembled.status_code == 422, assembled.text
    assert "images[0]" in assembled.json()["detail"]


def test_a_font_upload_must_open_as_a_font(tmp_path):
    client = local(make_app(tmp_path))
    fake = upload(client, "brand.ttf", b"\x00\x01\x00\x00" + os.urandom(2000), purpose="font")
    assert fake.status_code == 415 and "is not a readable font" in fake.json()["detail"]
    real = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
    if real.is_file():
        stored = upload(client, "DejaVuSans-Bold.ttf", real.read_bytes(), purpose="font")
        assert stored.status_code == 201, stored.text
