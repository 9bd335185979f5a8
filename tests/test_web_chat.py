"""The web chat page in a real browser (Debian's chromium, headless, driven by Playwright).

A real uvicorn server runs the real app, chat and campaign graphs on loopback; only the
LLM's words are scripted. The marketer types the request, answers the planner's question,
approves at both gates and sees the finished video; or attaches raw footage and gets the
ad cut from it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from adloom.api.app import create_app
from adloom.config import Settings
from conftest import needs_piper
from scripted_llm import ScriptedBackend, models_with_backend, plan_reply
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
    # While it works: the stage in words with the time left for the whole run.
    page.wait_for_function("/Writing the copy.*about \\d+ (s|min) left/.test(document.querySelector('#progress-label')"
                           ".textContent)", timeout=60_000)
    approval = page.locator("#approval")
    approval.wait_for(state="visible", timeout=90_000)
    assert "Approve to generate the video" in page.inner_text("#approval-message")
    preview = page.locator("#approval-media img").first
    preview.wait_for(timeout=10_000)
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", preview.element_handle())
    # Every scene's picture with its label, and the voiceover's words, not scene 1 alone.
    labels = page.locator("#approval-media figcaption").all_inner_texts()
    assert len(labels) >= 2 and labels[0].startswith("image 1") and labels[-1].endswith("(cta)")
    assert page.locator("#approval-script li").count() == len(labels)
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
    # The finished campaign: a large player, downloads and the copy to paste.
    page.locator("#results").wait_for(state="visible", timeout=10_000)
    page.wait_for_function("(v) => v.readyState >= 1 && v.videoHeight === 1920",
                           arg=page.locator("#player").element_handle(), timeout=30_000)
    assert "Everything (.zip)" in page.locator("#downloads a").all_inner_texts()
    assert page.locator(".copy-card", has_text="TikTok").count() == 1
    # the finished run shows up in the list of past runs
    page.locator("#runs li", has_text="succeeded").wait_for(timeout=10_000)
    assert external == [], f"the page reached outside the server: {external}"


@pytest.mark.slow
def test_marketer_attaches_footage_and_gets_the_ad_cut_from_it(browser, tmp_path):
    from adloom.tools.scenes.tool import write_two_scene_video

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
    from adloom.storage import records
    from adloom.storage.database import open_database

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



def test_a_finished_campaign_shows_a_player_per_aspect_downloads_copy_and_checks(browser, tmp_path):
    import io
    import zipfile

    from adloom.storage import records
    from adloom.storage.database import open_database
    from adloom.tools.ffmpeg import run_ffmpeg

    data = tmp_path / "data"
    run_dir = data / "runs" / "run-c"
    (run_dir / "v1").mkdir(parents=True)
    for name, size in (("ad-9x16.mp4", "180x320"), ("ad-1x1.mp4", "240x240")):
        run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=s={size}:d=1:r=10", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    str(run_dir / "v1" / name)])
    (run_dir / "v1" / "captions.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nMeet Runner One.\n")
    (run_dir / "copy.md").write_text("# Runner One\n")
    files = ["v1/ad-9x16.mp4", "v1/ad-1x1.mp4", "v1/captions.srt", "copy.md"]
    manifest = {
        "run_id": "run-c", "mode": "campaign", "created_at": "2026-12-06T00:00:00+00:00", "brief": {}, "plan": {},
        "assets": [], "timings": {},
        "status": "needs_review",
        "outputs": {"video": str(run_dir / files[0]), "videos": {"9:16": str(run_dir / files[0]),
                                                               "1:1": str(run_dir / files[1])},
                    "srt": str(run_dir / files[2]), "copy_markdown": str(run_dir / files[3])},
        "copy": {"v1": {"platforms": {"tiktok": {"headline": "Runner One", "primary_text": "Light shoes for long runs.",
                                                 "hashtags": ["#RunnerOne"], "cta": "Shop now"}},
                        "script": [{"scene_index": 0, "text": "Meet Runner One."},
                                   {"scene_index": 1, "text": "Shop now."}]}},
        "checks": [{"variant_id": "v1", "name": "copy.tiktok", "passed": True, "detail": "within TikTok limits",
                    "responsible": "copywriter", "target": "tiktok"},
                   {"variant_id": "v1", "name": "captions.size.9:16", "passed": False,
                    "detail": "caption text under 2.9% of the frame's height", "responsible": "subtitles",
                    "target": "size"}],
        "run_files": {name: "" for name in files},
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    with serving(tmp_path, shoe_script()) as url:
        database = open_database(Settings(data_dir=data).database_url)
        brief = {"brand": {"name": "Stride"}, "product": {"name": "Runner One", "description": "A shoe"}}
        with database.session() as session:
            records.create_run(session, "run-c", brief=brief, brief_path=None, out_dir=str(data / "runs"), config={})
            records.set_run_status(session, "run-c", "needs_review").manifest = manifest
        context = browser.new_context()
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page = context.new_page()
        page.goto(url + "/")
        page.locator("#runs li", has_text="Runner One").click()
        page.locator("#results").wait_for(state="visible", timeout=10_000)
        assert page.inner_text("#results-title") == "Runner One: needs review (a check failed)"

        # One large player, a tab per aspect.
        assert page.locator("#aspect-tabs button").all_inner_texts() == ["9:16", "1:1"]
        player = page.locator("#player").element_handle()
        page.wait_for_function("(v) => v.readyState >= 1 && v.videoHeight === 320", arg=player, timeout=10_000)
        assert page.locator("#player").bounding_box()["height"] >= 300  # not a 240 px thumbnail
        page.click("#aspect-tabs button:has-text('1:1')")
        page.wait_for_function("(v) => v.readyState >= 1 && v.videoWidth === 240", arg=player, timeout=10_000)

        # Downloads that really download, the zip holding every file of the run.
        assert page.locator("#downloads a").all_inner_texts() == [
            "Video 9:16", "Video 1:1", "Captions (.srt)", "Copy (.md)", "Everything (.zip)"]
        for anchor in page.locator("#downloads a").all():
            assert anchor.get_attribute("download") is not None
            response = page.request.get(url + anchor.get_attribute("href"))
            assert response.status == 200, anchor.inner_text()
        archive = page.request.get(url + page.locator("#downloads a", has_text="zip").get_attribute("href"))
        assert "adloom-runner-one-run-c.zip" in archive.headers["content-disposition"]
        assert sorted(zipfile.ZipFile(io.BytesIO(archive.body())).namelist()) == sorted([*files, "manifest.json"])

        # Copy to paste, with a button each; the checks in words.
        card = page.locator(".copy-card", has_text="TikTok")
        card.locator("button").click()
        pasted = page.evaluate("navigator.clipboard.readText()")
        assert pasted == "Runner One\n\nLight shoes for long runs.\n\n#RunnerOne\n\nCTA: Shop now"
        assert page.locator(".copy-card", has_text="Voiceover script").inner_text().startswith(
            "Voiceover script\nMeet Runner One.\nShop now.")
        assert page.locator("#checks li.failed").inner_text() == (
            "✗ Caption size 9:16: caption text under 2.9% of the frame's height")
        assert page.locator("#checks li.passed").inner_text() == "✓ Copy for TikTok: within TikTok limits"
        context.close()


@contextmanager
def server_process(data_dir: Path, port: int) -> Iterator[subprocess.Popen]:
    """``tests/scripted_server.py`` as its own process on ``port``, up when this yields."""
    here = Path(__file__).parent
    process = subprocess.Popen([sys.executable, str(here / "scripted_server.py"), str(data_dir), str(port)],
                               cwd=here.parent, env={**os.environ, "PYTHONPATH": f"{here.parent}{os.pathsep}{here}"})
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the server process exited"
            assert time.monotonic() < deadline, "the server process did not start"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.mark.slow
def test_the_page_reconnects_after_the_server_restarts_mid_run_and_the_run_goes_on(browser, tmp_path):
    from adloom.storage import records
    from adloom.storage.database import open_database

    data = tmp_path / "data"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    page = browser.new_page()
    with server_process(data, port) as first:
        page.goto(url + "/")
        brief_the_shoe(page)
        page.locator("#activity li", has_text="Writing the copy (v1) done").wait_for(timeout=90_000)
        first.send_signal(signal.SIGKILL)  # the server dies while the scene pictures are being made
        first.wait(timeout=10)
    page.locator("#connection", has_text="Reconnecting").wait_for(state="visible", timeout=10_000)

    with server_process(data, port):
        # The page finds the server again and shows the conversation as it stood, with a way on.
        page.locator("#resume-box").wait_for(state="visible", timeout=30_000)
        assert page.is_hidden("#connection")
        assert "server stopped before this was finished" in page.inner_text("#resume-message")
        assert page.locator(".msg.user").count() == 2
        assert page.locator(".msg.assistant", has_text="Making a 6-second TikTok ad").count() == 1
        assert "interrupted (resume it)" in page.inner_text("#threads")

        page.click("#resume")
        page.locator("#approval").wait_for(state="visible", timeout=90_000)
        assert page.locator("#approval-media figcaption").count() >= 2
        assert page.is_hidden("#resume-box")
        # It went on from the last finished step: the copy was written once, the pictures made after the restart.
        database = open_database(Settings(data_dir=data).database_url)
        with database.session() as session:
            run = records.list_runs(session)[0]
            started = [(e.node, e.event) for e in run.events if e.event == "started"]
        assert started.count(("copywriter", "started")) == 1
        assert ("art_director", "started") in started
        # A reload comes back to the same conversation.
        page.reload()
        page.locator("#approval").wait_for(state="visible", timeout=30_000)
        assert page.locator(".msg.user").count() == 2


def add_track(page, url: str, ogg: Path, title: str, credit: str) -> None:
    uploaded = page.request.post(url + "/api/uploads", multipart={
        "purpose": "music", "file": {"name": ogg.name, "mimeType": "audio/ogg", "buffer": ogg.read_bytes()}})
    assert uploaded.status == 201, uploaded.text()
    added = page.request.post(url + "/api/music", data={"path": uploaded.json()["path"], "title": title,
                                                         "credit": credit})
    assert added.status == 201, added.text()


@pytest.mark.slow
@needs_piper
def test_a_new_marketer_briefs_in_the_card_and_a_change_of_each_kind_reaches_the_final_files(
        browser, server_url, shared_data, tmp_path):
    """Issue 15's done-when in the page: from a plain request to a downloaded ad, with a change of the copy
    (a headline written in place), an image (warmer), the voice and the music, all in the final files."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(server_url + "/")
    # The start screen: example requests to begin from.
    page.locator("#examples .example").first.click()
    assert "Tidewell Trail Bottle" in page.input_value("#message")
    add_track(page, server_url, shared_data / "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg", "Vibe Ace",
              "Vibe Ace by Kevin MacLeod, CC BY 3.0")
    add_track(page, server_url, shared_data / "audio/music/Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_"
              "(string_orchestra).ogg", "Hungarian Dance", "Hungarian Dance No. 5, US Army Strings, public domain")
    kit = page.request.post(server_url + "/api/brands", data={
        "brand": {"name": "Lumo"}, "product": {"name": "Arc Desk Lamp", "description": "A desk lamp that bends"}})
    assert kit.status == 201, kit.text()
    page.reload()
    page.locator("#music-select option", has_text="Vibe Ace").wait_for(state="attached", timeout=10_000)
    # ... and the brand kits already saved.
    page.locator("#kits button", has_text="Lumo: Arc Desk Lamp").click()
    assert page.input_value("#message") == "Our brand is Lumo. "

    page.fill("#message", FIRST_MESSAGE)
    page.click("#send")
    page.locator(".msg.assistant", has_text="your brand's name").wait_for(timeout=30_000)
    assert page.is_hidden("#start")
    # What was understood, with what is missing marked and named (filled once the turn is over).
    page.wait_for_function("document.querySelector('#draft-form [name=product_name]').value === 'running shoe'",
                           timeout=10_000)
    assert page.is_checked("#draft-platforms input[value=tiktok]")
    assert "Still missing: the brand, what it is, who it is for" in page.inner_text("#draft-note")
    assert "missing" in page.get_attribute("#draft-form [name=brand_name]", "class")
    page.wait_for_function("document.querySelector('#voice-preview').src.endsWith('/api/voices/heart/preview')")
    page.screenshot(path=str(tmp_path / "card-missing.png"))

    page.fill("#draft-form [name=brand_name]", "Stride")
    page.fill("#draft-form [name=product_description]", "A light running shoe with a recycled foam sole")
    page.fill("#draft-form [name=audience]", "weekend runners")
    page.select_option("#music-select", page.locator("#music-select option", has_text="Vibe Ace").get_attribute("value"))
    assert page.get_attribute("#music-preview", "src").startswith("/api/files/assets/")
    page.click("#draft-save")
    page.locator(".msg.user", has_text="In the brief card I set brand name: Stride").wait_for(timeout=10_000)
    page.locator(".msg.assistant", has_text="The music is Vibe Ace.").wait_for(timeout=30_000)
    page.locator("#approval").wait_for(state="visible", timeout=90_000)
    # At an approval only the voice and music can change here.
    assert page.is_disabled("#draft-form [name=brand_name]") and page.is_enabled("#music-select")
    assert page.inner_text("#draft-save") == "Ask for this voice and music"
    page.screenshot(path=str(tmp_path / "card-waiting.png"))

    # A headline written in place: used as written, the pictures made again, asked again at the same gate.
    first_picture = page.get_attribute("#approval-media img", "src")
    page.fill("#headline-fields input[data-platform=tiktok]", "Run lighter this weekend")
    assert page.locator("#approval-media input.scene-text").count() == 2  # not on the end card
    page.fill("#approval-media input.scene-text[data-scene='2']", "Made from recycled foam")
    page.click("#headline-save")
    page.locator("#approval").wait_for(state="hidden", timeout=10_000)
    page.locator("#approval").wait_for(state="visible", timeout=90_000)
    assert page.input_value("#headline-fields input[data-platform=tiktok]") == "Run lighter this weekend"
    assert page.input_value("#approval-media input.scene-text[data-scene='2']") == "Made from recycled foam"
    assert page.get_attribute("#approval-media img", "src") != first_picture
    assert page.locator("#activity li", has_text="Writing the copy (v1) done").count() == 1  # no rewrite

    # A picture's colours, in plain words.
    page.fill("#edit-text", "redo image 2 warmer")
    page.click("#edit")
    page.locator("#approval").wait_for(state="hidden", timeout=10_000)
    page.locator("#approval").wait_for(state="visible", timeout=90_000)
    warmer = page.locator("#approval-media img").nth(1).get_attribute("src")

    page.click("#approve")
    page.wait_for_function("document.querySelector('#approval-message').textContent.includes('render the final video')"
                           " && !document.querySelector('#approval').hidden", timeout=90_000)
    # Another voice and other music, picked from the lists at the render's approval.
    page.select_option("#voice-select", "joe")
    page.select_option("#music-select", page.locator("#music-select option", has_text="Hungarian Dance")
                       .get_attribute("value"))
    page.click("#draft-save")
    page.locator("#approval").wait_for(state="hidden", timeout=10_000)
    deadline = time.monotonic() + 240
    while page.is_hidden("#results") or page.is_visible("#approval"):  # a check may ask again, saying why
        assert time.monotonic() < deadline, page.inner_text("#log")
        if page.is_visible("#approval") and page.is_enabled("#approve"):
            page.click("#approve")
            page.locator("#approval").wait_for(state="hidden", timeout=10_000)
        time.sleep(0.5)
    page.locator("#credits li", has_text="music: Hungarian Dance No. 5, US Army Strings, public domain").wait_for(
        timeout=10_000)
    assert page.locator(".copy-card", has_text="TikTok").inner_text().startswith("TikTok\nRun lighter this weekend")

    # Every change is in the final files.
    run_id = page.locator(".msg.assistant", has_text="Run id").inner_text().rsplit("Run id ", 1)[1].rstrip(".")
    run_dir = tmp_path / "data" / "runs" / run_id
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["copy"]["v1"]["platforms"]["tiktok"]["headline"] == "Run lighter this weekend"
    assert manifest["copy"]["v1"]["own_scene_texts"] == {"1": "Made from recycled foam"}  # kept through "warmer"
    assert manifest["outputs"]["voice"]["backend"] == "piper"
    assert manifest["outputs"]["music"]["credit"] == "Hungarian Dance No. 5, US Army Strings, public domain"
    assert (run_dir / "v1" / "images" / "scene-2.png").read_bytes() == page.request.get(server_url + warmer).body()
    page.screenshot(path=str(tmp_path / "results.png"), full_page=True)
    shots = os.environ.get("ADLOOM_SCREENSHOTS")
    if shots:
        import shutil

        for shot in tmp_path.glob("*.png"):
            shutil.copy(shot, Path(shots) / shot.name)


@pytest.mark.slow
def test_an_unknown_platform_is_named_back_and_an_over_long_model_answer_is_no_crash(browser, tmp_path):
    script = shoe_script()
    long_visual = "A runner laces up on a wet city street at dawn while the lights come on " * 6  # over 160 characters
    script["PlanDraft"] = [plan_reply(["A light running shoe", "A recycled foam sole"],
                                      [long_visual, "Close-up of the sole", "Logo and call to action"])]
    with serving(tmp_path, script) as url:
        page = browser.new_page()
        page.goto(url + "/")
        page.fill("#message", "I need a TikTok, Snapchat and Pinterest ad for our new running shoe")
        page.click("#send")
        page.locator(".msg.assistant", has_text="your brand's name").wait_for(timeout=30_000)
        assert page.locator(".msg.assistant", has_text="I cannot make ads for Snapchat and Pinterest: adloom makes "
                                                       "them for TikTok").count() == 1
        page.fill("#message", SECOND_MESSAGE)
        page.click("#send")
        page.locator("#approval").wait_for(state="visible", timeout=90_000)  # the long visual was shortened, not raised
        assert page.locator(".msg.error").count() == 0
        assert page.locator("#approval-media figure").count() >= 2


def test_two_versions_of_an_ad_are_shown_side_by_side_with_their_headlines(browser, tmp_path):
    from adloom.storage import records
    from adloom.storage.database import open_database
    from adloom.tools.ffmpeg import run_ffmpeg

    data = tmp_path / "data"
    run_dir = data / "runs" / "run-v"
    variants, copy = {}, {}
    for variant, colour, headline in (("v1", "red", "Run lighter"), ("v2", "blue", "Made from recycled foam")):
        (run_dir / variant).mkdir(parents=True)
        video = run_dir / variant / "ad-9x16.mp4"
        run_ffmpeg(["-f", "lavfi", "-i", f"color=c={colour}:s=180x320:d=1:r=10", "-c:v", "libx264",
                    "-pix_fmt", "yuv420p", str(video)])
        variants[variant] = {"videos": {"9:16": str(video)}, "images": []}
        copy[variant] = {"platforms": {"tiktok": {"headline": headline, "primary_text": "", "hashtags": [], "cta": ""}},
                         "script": []}
    manifest = {"run_id": "run-v", "mode": "campaign", "created_at": "2026-12-06T00:00:00+00:00", "brief": {},
                "plan": {}, "assets": [], "timings": {}, "status": "succeeded", "copy": copy, "checks": [],
                "run_files": {},
                "outputs": {"video": variants["v1"]["videos"]["9:16"], "videos": variants["v1"]["videos"],
                            "variants": variants}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    with serving(tmp_path, shoe_script()) as url:
        database = open_database(Settings(data_dir=data).database_url)
        with database.session() as session:
            records.create_run(session, "run-v", brief={"brand": {"name": "Stride"},
                                                        "product": {"name": "Runner One", "description": "A shoe"}},
                               brief_path=None, out_dir=str(data / "runs"), config={})
            records.set_run_status(session, "run-v", "succeeded").manifest = manifest
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url + "/")
        page.locator("#runs li", has_text="Runner One").click()
        page.locator("#compare").wait_for(state="visible", timeout=10_000)
        assert page.is_hidden("#player")
        assert page.locator("#compare-players figcaption").all_inner_texts() == [
            "v1: Run lighter", "v2: Made from recycled foam"]
        players = page.locator("#compare-players video")
        for index in range(2):
            page.wait_for_function("(v) => v.readyState >= 1 && v.videoHeight === 320",
                                   arg=players.nth(index).element_handle(), timeout=10_000)
        left, right = (players.nth(index).bounding_box() for index in range(2))
        assert left["y"] == right["y"] and right["x"] >= left["x"] + left["width"]  # side by side, not stacked
        assert left["height"] >= 300


@pytest.mark.slow
def test_a_batch_of_two_products_is_queued_and_each_ad_made_with_its_own_approvals(browser, tmp_path):
    from test_chat_graph import BATCH_MESSAGE

    script = shoe_script()
    script["ChatTurn"] = [
        json.dumps({"product_name": "Runner One", "product_description": "A light running shoe with a recycled foam sole"}),
        json.dumps({"product_name": "Trail Two", "product_description": "A grippy trail shoe for muddy paths"}),
    ]
    with serving(tmp_path, script) as url:
        page = browser.new_page()
        page.goto(url + "/")
        page.fill("#message", BATCH_MESSAGE)  # a list, one product a line
        page.press("#message", "Enter")  # Enter sends (Shift+Enter makes the lines)
        page.locator(".msg.assistant", has_text="Queued 2 ads, made one after another: Runner One, Trail Two.").wait_for(
            timeout=30_000)
        # Each ad stops at its own approvals (a check may send one back: it asks again, saying why).
        ready = page.locator(".msg.assistant", has_text="Your ad is ready")
        deadline = time.monotonic() + 300
        while ready.count() < 2:
            assert time.monotonic() < deadline, page.inner_text("#log")
            if page.is_visible("#approval") and page.is_enabled("#approve"):
                page.click("#approve")
                page.locator("#approval").wait_for(state="hidden", timeout=10_000)
            time.sleep(0.5)
        assert page.locator(".msg.assistant", has_text="ad for Runner One (Stride)").count() == 1
        assert page.locator(".msg.assistant", has_text="ad for Trail Two (Stride)").count() == 1
        page.locator("#runs li", has_text="Trail Two: succeeded").wait_for(timeout=10_000)
        assert page.locator("#runs li", has_text="Runner One: succeeded").count() == 1
        assert page.locator(".msg.assistant", has_text="Next in the queue").count() == 1
