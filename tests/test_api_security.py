"""Token, listen address, size and rate limits, uploads and downloads of the API server."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
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
    client = TestClient(create_app(settings))
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
    client = TestClient(make_app(tmp_path, token=TOKEN))
    assert client.get("/api/health").status_code == 200  # the only open endpoint
    for path in ("/api/runs", "/", "/static/chat.js", "/docs", "/api/files/adloom.db"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/runs", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/runs", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert client.post("/api/threads", json={"message": "hi"}).status_code == 401


def test_the_session_cookie_authorises_the_page(tmp_path):
    client = TestClient(make_app(tmp_path, token=TOKEN))
    assert client.post("/api/session", json={"token": "wrong"}).status_code == 401
    assert client.get("/api/runs").status_code == 401
    signed_in = client.post("/api/session", json={"token": TOKEN})
    assert signed_in.status_code == 200 and "httponly" in signed_in.headers["set-cookie"].lower()
    assert TOKEN not in signed_in.text
    assert client.get("/api/runs").status_code == 200  # the cookie now rides along
    assert client.get("/").status_code == 200


def test_loopback_without_a_token_needs_none(tmp_path):
    client = TestClient(make_app(tmp_path))
    assert client.get("/api/runs").status_code == 200
    assert client.get("/").status_code == 200


# --- size and rate limits -------------------------------------------------------------------


def test_oversized_bodies_are_refused_before_reading(tmp_path):
    client = TestClient(make_app(tmp_path, max_body_bytes=2048))
    response = client.post("/api/threads", content=b"x" * 5000, headers={"content-type": "application/json"})
    assert response.status_code == 413 and "max_body_bytes" in response.json()["detail"]


def test_requests_are_rate_limited_per_client(tmp_path):
    client = TestClient(make_app(tmp_path, rate_limit_per_minute=3))
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
    return TestClient(make_app(tmp_path, max_upload_bytes=200_000))


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
