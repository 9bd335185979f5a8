"""The web chat page in a real browser (Debian's chromium, headless, driven by Playwright).

A real uvicorn server runs the real app, chat and campaign graphs on loopback; only the
LLM's words are scripted. The marketer types the request, answers the planner's question,
approves at both gates and sees the finished video; or attaches raw footage and gets the
ad cut from it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from adloom.api.app import create_app
from adloom.config import Settings
from scripted_llm import ScriptedBackend, models_with_backend
from test_chat_graph import FIRST_MESSAGE, SECOND_MESSAGE, shoe_script

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing (.ci/run installs Debian's chromium)")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@contextmanager
def serving(tmp_path: Path, script: dict) -> Iterator[str]:
    """The real app on a free loopback port, its LLM answering from ``script``."""
    settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0}, copywriter={"candidates": 1})
    app = create_app(settings, models=models_with_backend(ScriptedBackend(script), settings.llm))
    app.state.service.default_duration_s = 6
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def brief_the_shoe(page) -> None:
    """Ask for the ad, wait for the planner's question, answer it."""
    page.fill("#message", FIRST_MESSAGE)
    page.click("#send")
    page.locator(".msg.assistant", has_text="your brand's name").wait_for(timeout=30_000)
    page.fill("#message", SECOND_MESSAGE)
    page.click("#send")


@pytest.fixture
def server_url(tmp_path):
    with serving(tmp_path, shoe_script()) as url:
        yield url


@pytest.mark.slow
def test_marketer_goes_from_request_through_approval_to_a_video(browser, server_url):
    page = browser.new_page()
    external: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(server_url) else external.append(request.url))
    page.goto(server_url + "/")

    brief_the_shoe(page)
    approval = page.locator("#approval")
    approval.wait_for(state="visible", timeout=90_000)
    assert "Approve to generate the video" in page.inner_text("#approval-message")
    preview = page.locator("#approval-media img").first
    preview.wait_for(timeout=10_000)
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", preview.element_handle())
    assert page.locator("#activity li", has_text="Designing the scene pictures (v1) done").count() == 1  # streamed progress

    page.click("#approve")  # generate the video
    page.wait_for_function(
        "document.querySelector('#approval-message').textContent.includes('render the final video')",
        timeout=90_000,
    )
    page.click("#approve")  # render
    video = page.locator(".msg.assistant video").first
    video.wait_for(timeout=120_000)
    page.locator(".msg.assistant", has_text="Your ad is ready").wait_for(timeout=10_000)
    page.wait_for_function(
        "(v) => v.readyState >= 1 && v.duration > 4", arg=video.element_handle(), timeout=30_000,
    )
    assert page.is_hidden("#approval")
    # the finished run shows up in the list of past runs
    page.locator("#runs li", has_text="succeeded").wait_for(timeout=10_000)
    assert external == [], f"the page reached outside the server: {external}"


@pytest.mark.slow
def test_marketer_attaches_footage_and_gets_the_ad_cut_from_it(browser, tmp_path):
    from tools.scenes_tool import write_two_scene_video

    shots = write_two_scene_video(tmp_path / "beach shots.mp4", seconds_each=2.5)
    selection = json.dumps({"clips": [{"clip_id": "v1c1", "line": "Light shoes."},
                                      {"clip_id": "v1c2", "line": "Recycled sole."}]})
    with serving(tmp_path, {**shoe_script(), "FootageDraft": [selection]}) as url:
        page = browser.new_page()
        page.goto(url + "/")
        page.set_input_files("#attach", str(shots))
        page.locator("#attachments span", has_text="beach shots.mp4").wait_for(timeout=30_000)
        brief_the_shoe(page)
        assert page.is_hidden("#attachments")  # sent with the first message
        page.locator(".msg.assistant", has_text="from 1 attached video(s)").wait_for(timeout=30_000)
        video = page.locator(".msg.assistant video").first
        video.wait_for(timeout=120_000)
        page.wait_for_function("(v) => v.readyState >= 1 && v.duration > 4", arg=video.element_handle(),
                               timeout=30_000)
        assert page.locator("#activity li", has_text="Choosing shots and writing the voiceover done").count() == 1
        assert page.is_hidden("#approval")  # footage runs have no approval gates


def test_the_runs_list_says_a_run_needs_review_as_its_manifest_does(browser, tmp_path):
    from storage import records
    from storage.database import open_database

    with serving(tmp_path, shoe_script()) as url:
        database = open_database(Settings(data_dir=tmp_path / "data").database_url)
        brief = {"brand": {"name": "Stride"}, "product": {"name": "Runner One", "description": "A shoe"}}
        with database.session() as session:
            for run_id, status in (("run-a", "succeeded"), ("run-b", "needs_review")):
                records.create_run(session, run_id, brief=brief, brief_path=None, out_dir=str(tmp_path), config={})
                records.set_run_status(session, run_id, status)
        page = browser.new_page()
        page.goto(url + "/")
        page.locator("#runs li", has_text="needs review (a check failed)").wait_for(timeout=10_000)
        shown = page.locator("#runs li").all_inner_texts()
        assert sorted(shown) == ["Runner One: needs review (a check failed)", "Runner One: succeeded"]


@pytest.mark.slow
def test_an_empty_message_is_answered_and_new_chat_starts_clean(browser, server_url):
    page = browser.new_page()
    page.goto(server_url + "/")
    page.locator("#runs").wait_for(state="attached")
    page.click("#send")
    hint = page.locator("#composer-hint")
    hint.wait_for(state="visible", timeout=5_000)
    assert "Type what you need first" in hint.inner_text()
    assert page.locator(".msg").count() == 0  # nothing was sent

    brief_the_shoe(page)
    assert page.is_hidden("#composer-hint")
    page.locator("#approval").wait_for(state="visible", timeout=90_000)
    assert page.locator("#activity li").count() > 0

    page.click("#new-thread")  # the last conversation's messages, activity and approval all leave the screen
    assert page.locator(".msg").count() == 0 and page.locator("#activity li").count() == 0
    assert page.is_hidden("#approval") and page.is_hidden("#progress")

