"""The media chain of a campaign: key images → video → voiceover → captions → editor → critic.

The first tests run the agents' media steps directly on a hand-made 3-second plan, with
every real model and encoder (template renderer + OCR, ffmpeg, Piper, faster-whisper,
Open-NSFW); only the planner and copywriter (LLM) are left out. The graph tests at the
end run whole campaigns with a scripted LLM to cover the script-fitting and bad-input
paths and their resumability.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError
import yaml
from PIL import Image

from adloom.agents.animator import animate_scenes
from adloom.agents.art_director import direct_art, drawable, plain_scenes_from, scene_request, tones_from
from adloom.agents.assembly import assemble_ad
from adloom.agents.brief import BriefError, check_brief_files, load_brief, parse_brief
from adloom.agents.captioner import write_captions
from adloom.agents.copywriter import PlatformCopy, ScriptLine, VariantCopy
from adloom.agents.critic import Check
from adloom.agents.media_review import review_media
from adloom.agents.planner import Scene, Variant
from adloom.agents.voice_director import ScriptFitError, speak
from adloom.config import Settings
from adloom.runs import start_run
from conftest import REPO_ROOT
from adloom.agents.feedback import FEEDBACK, acts_on, earliest
from adloom.graphs.campaign import revision_feedback
from scripted_llm import (
    ScriptedBackend,
    models_with_backend,
    northwind_script,
    plan_reply,
    script_reply,
    short_script_lines,
)
from adloom.storage import records
from adloom.storage.database import open_database
from test_campaign_graph import CampaignRun
from test_cli import explain, run_adloom
from adloom.tools.media_checks import check_streams, extract_frames, measure_loudness, ocr_frame

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"


def _three_second_variant() -> Variant:
    return Variant(id="v1", angle="taste", key_messages=["Naturally sweet"], scenes=[
        Scene(index=0, purpose="hook", visual="A can on ice", seconds=1.5),
        Scene(index=1, purpose="cta", visual="Logo and call to action", seconds=1.5),
    ])


def _copy(script: list[str]) -> VariantCopy:
    platform = PlatformCopy(
        platform="tiktok", headline="Cold brew, done right", primary_text="Steeped for 18 hours.",
        hashtags=["#ColdBrew"], cta="Grab a can", relevance=0.5, source="llm", candidates_considered=1,
    )
    return VariantCopy(variant_id="v1", platforms={"tiktok": platform}, script=[
        ScriptLine(scene_index=i, text=text, word_budget=4, source="llm") for i, text in enumerate(script)
    ])


@pytest.fixture
def short_brief(shared_data):
    """The example brief with a real logo, brand font and music from shared data."""
    data = load_brief(EXAMPLE).model_dump(mode="json")
    data.update(duration_s=5, platforms=["tiktok", "x"])
    data["brand"]["logo"] = str(shared_data / "brand" / "logos" / "moviepy_logo.png")
    data["brand"]["font"] = str(shared_data / "brand" / "fonts" / "OpenSans-Bold.ttf")
    data["media"] = {"music": str(shared_data / "audio" / "music" / "sorohanro_-_solo-trumpet-06.ogg")}
    return parse_brief(data)


@pytest.mark.slow
def test_a_three_second_ad_is_rendered_checked_and_passes_the_critic(short_brief, tool_context):
    variant = _three_second_variant()
    copy = _copy(["Smooth cold brew.", "Grab a can."])
    aspects = ["9:16", "16:9"]  # TikTok and X

    art = direct_art(short_brief, variant, copy, tool_context)
    assert [image.request.layout for image in art.images] == ["hero", "end_card"]  # the product photo leads
    assert art.images[1].request.logo == short_brief.brand.logo
    assert art.images[0].result.image.metadata["font"] == short_brief.brand.font
    video = animate_scenes(short_brief, variant, art, tool_context)
    assert video.backend == "kenburns" and video.seconds == [1.5]
    # X's 16:9 gets the scene laid out and moved for its own shape, not a crop of the 9:16 clip.
    assert set(art.images[0].other_aspects) == {"16:9"} and art.images[0].other_aspects["16:9"].width == 1920
    [wide] = video.clips_by_aspect["16:9"]
    assert check_streams(wide.path, (1920, 1080), 1.5, expect_audio=False).ok
    clip = check_streams(video.clips[0].path, (1080, 1920), 1.5, expect_audio=False)
    assert clip.ok, clip.problems
    voice = speak(short_brief, variant, copy, tool_context)
    assert voice.duration_s == pytest.approx(3.0, abs=0.01)
    captions = write_captions(short_brief, variant, copy, voice, aspects, tool_context)
    assert captions.style_by_aspect == {"9:16": "highlight", "16:9": "classic"}
    renders = assemble_ad(short_brief, variant, art, video, voice, captions, aspects, tool_context)

    assert [render.aspect for render in renders.videos] == aspects
    for render, size in zip(renders.videos, [(1080, 1920), (1920, 1080)]):
        report = check_streams(render.video.path, size, 3.0)
        assert report.ok, report.problems
        assert (report.video_codec, report.pixel_format, report.audio_codec) == ("h264", "yuv420p", "aac")
        assert report.audio_sample_rate == 48000 and report.faststart
        assert report.color_primaries == "bt709"
        assert abs(measure_loudness(render.video.path).integrated_lufs - (-16)) <= 1.0
    # The end card holds the last 1.5 s: OCR finds its CTA there, and the first caption before it.
    end_frame, first_frame = extract_frames(renders.videos[0].video.path, [2.9, 0.5])
    assert ocr_frame(end_frame, expected_text="Grab a can", models=tool_context.models).match >= 0.6
    first_caption = " ".join(captions.by_aspect["9:16"].captions[0].lines)
    assert ocr_frame(first_frame, expected_text=first_caption, models=tool_context.models).match >= 0.6

    checks = review_media(variant, art, voice, captions, renders, tool_context, language="en")
    failed = [check for check in checks if not check.passed]
    assert not failed, failed
    names = {check.name for check in checks}
    assert {"video.9:16.streams", "video.16:9.streams", "video.16:9.loudness", "captions.sync",
            "captions.legibility", "end_card.legibility", "frames.nsfw.scene-1", "frames.layout.9:16",
            "frames.layout.16:9"} <= names
    sync = next(check for check in checks if check.name == "captions.sync")
    assert "of 6 words heard again" in sync.detail


def test_the_brief_chooses_the_voice(short_brief, tool_context):
    data = short_brief.model_dump(mode="json")
    data["voiceover"] = {"backend": "hibari"}
    voice = speak(parse_brief(data), _three_second_variant(), _copy(["Smooth cold brew.", "Grab a can."]),
                  tool_context)
    assert voice.backend == "hibari" and voice.voiceover.backend == "hibari"
    assert voice.duration_s == pytest.approx(3.0, abs=0.01) and abs(voice.lufs - (-16)) <= 1.0


def test_art_director_redoes_named_scenes_plain_and_keeps_them_plain(short_brief, tool_context, tmp_path):
    photo = tmp_path / "can.png"
    Image.new("RGB", (400, 600), (200, 80, 40)).save(photo)
    data = short_brief.model_dump(mode="json")
    data["product"]["images"] = [str(photo)]
    brief = parse_brief(data)
    variant = Variant(id="v1", angle="taste", key_messages=["Naturally sweet"], scenes=[
        Scene(index=0, purpose="hook", visual="hook", seconds=1.5),
        Scene(index=1, purpose="product", visual="the can", seconds=2.0),
        Scene(index=2, purpose="cta", visual="cta", seconds=1.5),
    ])
    copy = _copy(["One.", "Two.", "Three."])

    first = direct_art(brief, variant, copy, tool_context)
    assert [image.request.layout for image in first.images] == ["hero", "split", "end_card"]
    assert first.images[1].request.product_images == [str(photo)]

    plain = plain_scenes_from({"scene-1": ["Open-NSFW 0.4"]}, first)
    again = direct_art(brief, variant, copy, tool_context, plain)
    assert [image.request.layout for image in again.images] == ["hero", "headline", "end_card"]  # plain
    assert again.images[1].plain and again.images[1].request.product_images == []
    assert again.images[0].result.image == first.images[0].result.image  # unchanged scene: same asset
    assert plain_scenes_from({}, again) == frozenset({1})  # a later pass keeps it plain

    # "redo image 1 warmer": the same layout, its photo graded; other scenes come from the cache
    asked = {"scene-0:warmer": ["The marketer asked: redo image 1 warmer"]}
    assert plain_scenes_from(asked, again) == frozenset({1}) and tones_from(asked, again) == {0: ["warmer"]}
    warm = direct_art(brief, variant, copy, tool_context, plain_scenes_from(asked, again), tones_from(asked, again))
    assert warm.images[0].request.layout == "hero" and warm.images[0].tones == ["warmer"]
    assert warm.images[0].result.image.sha256 != again.images[0].result.image.sha256
    assert [image.result.image for image in warm.images[1:]] == [image.result.image for image in again.images[1:]]
    assert tones_from({}, warm) == {0: ["warmer"]}  # a later pass keeps the grade


@pytest.mark.parametrize("with_photo", [True, False])
def test_a_fifteen_second_ad_has_three_layouts_and_icons_of_what_its_scenes_say(with_photo, short_brief):
    data = short_brief.model_dump(mode="json")
    data["product"]["images"] = ["package:skimage/data/coffee.png"] if with_photo else []
    brief = parse_brief(data)
    variant = Variant(id="v1", angle="taste", key_messages=["Steeped for 18 hours", "No added sugar"], scenes=[
        Scene(index=0, purpose="hook", visual="hook", seconds=3.0),
        Scene(index=1, purpose="product", visual="the can", seconds=4.0),
        Scene(index=2, purpose="benefit", visual="benefit", seconds=4.0),
        Scene(index=3, purpose="cta", visual="cta", seconds=4.0),
    ])
    copy = _copy(["One.", "Two.", "Three.", "Four."])
    requests = [scene_request(brief, variant, copy, scene, plain=False) for scene in variant.scenes]
    assert len({request.layout for request in requests}) >= 3
    assert all(request.leave_caption_band for request in requests[:-1]) and not requests[-1].leave_caption_band
    icons = [request.icon for request in requests]
    # "Northwind Cold Brew": the brew's icon stands in for the missing photo; "Steeped for 18 hours" a clock.
    assert icons[1] == (None if with_photo else "mug-hot")
    assert icons[2] == "clock" and icons[3] is None
    no_sugar = variant.model_copy(update={"key_messages": ["No added sugar"]})
    assert scene_request(brief, no_sugar, copy, variant.scenes[2], plain=False).icon is None  # nothing to show


def test_text_on_images_drops_emoji_the_fonts_cannot_draw():
    assert drawable("Try it today! 🌟🍡 ❤️ now") == "Try it today! now"
    assert drawable("🌟🌟") is None and drawable(None) is None


def test_failed_checks_become_feedback_for_nodes_not_yet_sent_back():
    def check(name: str, responsible: str, target: str, passed: bool = False) -> Check:
        return Check(variant_id="v1", name=name, passed=passed, detail=f"{name} failed", responsible=responsible,
                     target=target)

    checks = [
        check("captions.sync", "subtitles", "sync"),
        check("images.scene-2", "art_director", "scene-2"),
        check("frames.nsfw.scene-2", "art_director", "scene-2"),
        check("video.9:16.loudness", "editor", "loudness"),
        check("copy.tiktok", "copywriter", "tiktok", passed=True),
    ]
    checks.append(check("captions.legibility", "subtitles", "legibility"))
    feedback = revision_feedback(checks, {"v1:editor": 1})
    # Caption timing is reported, not sent back: no node acts on it (the captions would come back the same).
    assert feedback == {
        "art_director": {"scene-2": ["images.scene-2 failed", "frames.nsfw.scene-2 failed"]},
        "subtitles": {"legibility": ["captions.legibility failed"]},
    }
    assert earliest(feedback) == "art_director"  # the chain re-runs from there


def test_feedback_names_only_targets_a_node_acts_on():
    assert acts_on("art_director", "scene-3:warmer") and acts_on("copywriter", "linkedin")
    assert not acts_on("art_director", "scene-3:sepia") and not acts_on("voiceover", "loudness")
    assert not acts_on("planner", "messages")
    with pytest.raises(ValidationError, match=r"the editor acts on no target '9:16'"):
        FEEDBACK.validate_python({"editor": {"9:16": ["text cut at the edge"]}})
    with pytest.raises(ValidationError):
        FEEDBACK.validate_python({"critic": {"loudness": ["no such node"]}})


# --- bad input at the edge ------------------------------------------------------------------


def test_unusable_brief_files_are_refused_naming_field_and_file(tmp_path):
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)  # a PNG signature, then nothing decodable
    font = tmp_path / "brand.ttf"
    font.write_text("not a font", encoding="utf-8")
    music = tmp_path / "music.mp3"
    music.write_text("ID3? no, just text", encoding="utf-8")
    data = load_brief(EXAMPLE).model_dump(mode="json")
    data["product"]["images"] = [str(photo)]
    data["brand"]["font"] = str(font)
    data["media"] = {"music": str(music)}
    brief = parse_brief(data)

    with pytest.raises(BriefError) as caught:
        check_brief_files(brief, "brief.yaml")
    problems = caught.value.problems
    assert len(problems) == 3, problems
    assert problems[0].startswith(f"product.images[0]: {photo}") and "not a readable image" in problems[0]
    assert problems[1].startswith(f"brand.font: {font}")
    assert problems[2].startswith(f"media.music: {music}") and "not a readable audio/video file" in problems[2]


def test_real_music_and_fonts_pass_the_edge_check(shared_data):
    music = shared_data / "audio" / "music" / "sorohanro_-_solo-trumpet-06.ogg"
    font = shared_data / "brand" / "fonts" / "LeagueGothic-Regular.ttf"
    data = load_brief(EXAMPLE).model_dump(mode="json")
    data["brand"]["font"] = str(font)
    data["media"] = {"music": str(music)}
    check_brief_files(parse_brief(data))  # raises on a problem


# --- whole campaigns (scripted LLM) ---------------------------------------------------------

# Long words of the example brief, each with a pause after it: grounded, but slow to say.
LONG_WORDS = ["Single-origin,", "Colombian,", "recyclable,", "naturally", "sweet,", "smooth,", "Northwind,",
              "steeped,", "low", "acidity,"]


def _long_lines(call) -> str:
    """Lines within every limit the copywriter checks (grounded words, budgets) that still take too long to say.

    The prompt asks each scene for "N to M words"; a line of M long words with pauses
    between them takes about twice the scene to say, past a voice's +15% limit.
    """
    ranges = [(int(a), int(b)) for a, b in re.findall(r"^Scene \d+ \([^)]*\): (\d+) to (\d+) words", call.prompt, re.M)]
    lines = []
    for scene, (_, most) in enumerate(ranges):
        words = [LONG_WORDS[(scene + i) % len(LONG_WORDS)] for i in range(most)]
        line = " ".join(words).rstrip(",") + "."
        lines.append(line[0].upper() + line[1:])
    return script_reply(lines)


def _short_brief(seconds: float = 8) -> dict:
    data = load_brief(EXAMPLE).model_dump(mode="json")
    data["duration_s"] = seconds
    return data


def _uneven_plan() -> str:
    """Short first and last scenes: their word budgets allow lines far too long to say in them."""
    return plan_reply(["Steeped for 18 hours"], ["A can on ice", "Pouring", "The beans", "Logo"], [1, 5, 5, 1])


@pytest.mark.slow
def test_a_line_too_long_for_its_scene_is_rewritten_once_by_the_copywriter(tmp_path):
    """Through ``start_run``, as ``adloom run`` does: the run log in the database, events reported."""
    brief = tmp_path / "brief.yaml"
    brief.write_text(yaml.safe_dump(_short_brief(10)), encoding="utf-8")
    script = northwind_script()
    script["PlanDraft"] = [_uneven_plan()]
    script["ScriptDraft"] = [_long_lines, short_script_lines]
    backend = ScriptedBackend(script)
    settings = Settings(data_dir=tmp_path / "data", llm={"max_retries": 0}, copywriter={"candidates": 1})
    reported: list[tuple[str, str, dict]] = []
    outcome = start_run(
        settings, load_brief(brief), tmp_path / "out", brief_path=brief, models=models_with_backend(backend, settings.llm),
        reporter=lambda node, event, detail: reported.append((node, event, detail)),
    )

    revising = [detail for node, event, detail in reported if node == "voiceover" and event == "revising"]
    assert len(revising) == 1 and "ask the copywriter for a line of at most" in revising[0]["error"]
    assert "use at most" in backend.calls_for("ScriptDraft")[-1].prompt
    manifest = json.loads(outcome.manifest_path.read_text("utf-8"))
    rewritten = manifest["copy"]["v1"]["script"]
    assert {line["source"] for line in rewritten} == {"llm"}
    assert not any(word in rewritten[0]["text"] for word in LONG_WORDS)  # the rewrite, not the slow line
    assert manifest["status"] == "succeeded", [c for c in manifest["checks"] if not c["passed"]]
    assert Path(manifest["outputs"]["video"]).is_file()
    with open_database(settings.database_url).session() as session:
        counts = records.node_event_counts(session, outcome.run_id)
    assert counts["voiceover"] == 1  # the log keeps lifecycle events; the rewrite was reported


@pytest.mark.slow
def test_a_script_that_cannot_fit_stops_the_run_clearly_and_it_resumes(tmp_path):
    brief = _short_brief(10)
    script = northwind_script()
    script["PlanDraft"] = [_uneven_plan()]
    script["ScriptDraft"] = [_long_lines]
    run = CampaignRun(tmp_path, brief, ScriptedBackend(script))
    with pytest.raises(ScriptFitError, match=r"copy\.script\[\d\] .* plan scene \d lasts") as caught:
        run.start()
    assert "duration_s" in str(caught.value)
    assert not (run.out_dir / run.run_id / "manifest.json").exists()

    healthy = northwind_script()
    healthy["PlanDraft"] = [_uneven_plan()]
    final = run.invoke(None, backend=ScriptedBackend(healthy))  # resume the same thread
    assert Path(final["manifest_path"]).is_file()
    manifest = json.loads(Path(final["manifest_path"]).read_text("utf-8"))
    assert run.finished("planner") == ["planner"] and run.finished("art_director") == ["art_director:v1"], [
        c for c in manifest["checks"] if not c["passed"]]


@pytest.mark.slow
def test_a_photo_corrupted_after_the_start_fails_its_node_and_the_run_resumes(tmp_path):
    photo = tmp_path / "can.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    brief = _short_brief()
    brief["product"]["images"] = [str(photo)]
    run = CampaignRun(tmp_path, brief, ScriptedBackend(northwind_script()))
    with pytest.raises(ValueError, match=rf"product_images\[0\]: {photo} is not a readable image"):
        run.start()
    failed = [detail for node, event, detail in run.events if event == "failed"]
    assert [detail["label"] for detail in failed] == ["art_director:v1"]

    Image.new("RGB", (600, 800), (180, 120, 60)).save(photo)
    final = run.invoke(None)
    manifest = json.loads(Path(final["manifest_path"]).read_text("utf-8"))
    assert run.finished("copywriter") == ["copywriter:v1"]  # finished before the failure: not redone
    assert any(image.endswith("scene-2.png") for image in manifest["outputs"]["images"])


def test_cli_refuses_a_brief_whose_music_is_not_audio(tmp_path):
    music = tmp_path / "music.mp3"
    music.write_text("plain text", encoding="utf-8")
    brief = tmp_path / "brief.yaml"
    text = EXAMPLE.read_text("utf-8") + f"\nmedia:\n  music: {music}\n"
    brief.write_text(text, encoding="utf-8")
    result = run_adloom(tmp_path, "run", brief)
    assert result.returncode == 2, explain(result)
    assert f"media.music: {music}: not a readable audio/video file" in result.stderr
    assert "run id" not in result.stdout



# --- the GPU backends in the same chain (tiny random-weight models, on CPU) ---------------------


@pytest.mark.slow
def test_diffusion_pictures_and_generated_clips_flow_through_the_chain(short_brief, tmp_path):
    from adloom.storage.assets import AssetStore
    from tiny_diffusion import build_motion_adapter, build_stable_diffusion
    from adloom.tools.context import ToolContext

    base = build_stable_diffusion(tmp_path / "tiny-sd")
    adapter = build_motion_adapter(tmp_path / "tiny-motion")
    settings = Settings(
        data_dir=tmp_path / "data",
        image={"backend": "diffusers", "model": str(base), "device": "cpu", "steps": 2},
        video={"backend": "animatediff", "model": str(base), "motion_adapter": str(adapter), "device": "cpu",
               "steps": 2},
    )
    tools = ToolContext(settings=settings, assets=AssetStore(settings.data_dir))
    variant = _three_second_variant()
    copy = _copy(["Smooth cold brew.", "Grab a can."])

    art = direct_art(short_brief, variant, copy, tools)
    hook, closing = art.images
    assert hook.generated is not None and closing.generated is None  # the end card is the template's alone
    assert len(hook.generated.images) == 2 and hook.generated.scores == sorted(hook.generated.scores, reverse=True)
    assert hook.request.layout == "hero" and hook.request.product_images[0] == hook.generated.images[0].path
    assert "seed" in hook.generated.images[0].metadata

    video = animate_scenes(short_brief, variant, art, tools)
    assert video.backend == "animatediff" and len(video.clips) == 1 and video.seconds == [1.5]
    voice = speak(short_brief, variant, copy, tools)
    captions = write_captions(short_brief, variant, copy, voice, ["9:16"], tools)
    renders = assemble_ad(short_brief, variant, art, video, voice, captions, ["9:16"], tools)
    report = check_streams(renders.videos[0].video.path, (1080, 1920), 3.0)
    assert report.ok, report.problems


@pytest.mark.slow
def test_an_unchanged_variant_is_not_reviewed_twice(short_brief, tool_context):
    variant = _three_second_variant()
    copy = _copy(["Smooth cold brew.", "Grab a can."])
    art = direct_art(short_brief, variant, copy, tool_context)
    video = animate_scenes(short_brief, variant, art, tool_context)
    voice = speak(short_brief, variant, copy, tool_context)
    captions = write_captions(short_brief, variant, copy, voice, ["9:16"], tool_context)
    renders = assemble_ad(short_brief, variant, art, video, voice, captions, ["9:16"], tool_context)

    first = review_media(variant, art, voice, captions, renders, tool_context, language="en")
    reviews = list((tool_context.assets.root / "cache-index").rglob("*"))
    again = review_media(variant, art, voice, captions, renders, tool_context, language="en")
    assert again == first
    assert list((tool_context.assets.root / "cache-index").rglob("*")) == reviews  # read back, nothing new
    louder = review_media(variant, art, voice, captions, renders, tool_context, language="en", loudness_lufs=-10)
    loudness = next(check for check in louder if check.name == "video.9:16.loudness")
    assert not loudness.passed and "target -10" in loudness.detail  # another target: reviewed again
