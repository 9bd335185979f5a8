"""Footage mode: clip describers, selection/script agent, the checkpointed graph, the CLI and the eval."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from adloom.config import Settings
from adloom.agents.brief import load_brief, parse_brief
from adloom.agents.footage import FootageClip, _draft_model, fact_source, plan_problems, select_and_script, word_budget
from adloom.agents.llm_access import AgentLLM
from conftest import REPO_ROOT
from fake_openai_server import FakeOpenAIServer, reply_text
from graph_shapes import assert_graph_matches_snapshot
from scripted_llm import GARBAGE, ScriptedBackend, models_with_backend, warm_models
from adloom.storage.assets import AssetStore
from adloom.tools.config import WORDS_PER_SECOND, FootageSettings, LLMSettings
from adloom.tools.context import ToolContext
from adloom.tools.ffmpeg import probe, run_ffmpeg
from adloom.tools.scenes.tool import DetectRequest, detect_scenes, write_two_scene_video
from adloom.tools.vision import describe_clips
from adloom.tools.vision.openai_vlm import OpenAIVisionDescriber

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"


# --- media made for these tests ---------------------------------------------------------


def _write_spoken_video(folder: Path) -> Path:
    """3 s: a shop sign reading COLD BREW on a white wall with pale tiles, a voice saying a
    sentence (Hibari). The sign is small enough not to be a title card."""
    import random

    import hibari

    from adloom.tools.tts.wav import write_wav

    card = folder / "card.png"
    image = Image.new("RGB", (960, 540), "white")
    draw = ImageDraw.Draw(image)
    tiles = random.Random(0)
    for _ in range(60):
        x, y, shade = tiles.randrange(960), tiles.randrange(540), tiles.randrange(196, 226)
        draw.rectangle((x, y, x + 70, y + 50), fill=(shade, shade, shade - 8))
    draw.text((330, 240), "COLD BREW", fill="black", font=ImageFont.load_default(size=40))
    image.save(card)
    speech = folder / "speech.wav"
    write_wav(speech, hibari.Hibari(threads=1)("Fresh cold brew coffee.", seed=0), hibari.SAMPLE_RATE)
    video = folder / "spoken.mp4"
    run_ffmpeg(["-loop", "1", "-framerate", "25", "-i", str(card), "-i", str(speech), "-t", "3",
                "-af", "apad", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(video)])
    return video


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("footage-media")
    notes = folder / "notes.mp4"
    notes.write_text("not a video\n")
    return {
        "shots": write_two_scene_video(folder / "shots.mp4", seconds_each=2.5),
        "spoken": _write_spoken_video(folder),
        "notes": notes,
    }


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory) -> Settings:
    """One data folder per module, so Whisper's weights are assembled once."""
    return Settings(data_dir=tmp_path_factory.mktemp("data"), footage=FootageSettings(ocr=False))


def _context(settings: Settings, **footage) -> ToolContext:
    if footage:
        settings = settings.model_copy(update={"footage": settings.footage.model_copy(update=footage)})
    return ToolContext(settings=settings, assets=AssetStore(settings.data_dir), models=warm_models())


# --- describers -------------------------------------------------------------------------


@pytest.mark.slow
def test_measured_describer_rests_on_speech_on_screen_text_and_visuals(media, module_settings):
    ctx = _context(module_settings, ocr=True)
    detected = detect_scenes(DetectRequest(videos=[str(media["spoken"]), str(media["shots"])]), ctx)
    spoken, red, blue = describe_clips([clip.as_input() for clip in detected.clips], ctx)
    assert spoken.basis == ["visual_statistics", "on_screen_text", "speech"]
    assert "COLD BREW" in spoken.on_screen_text.upper()
    assert {"cold", "brew"} <= set(spoken.speech.lower().replace(".", "").split())
    assert spoken.visual.dominant_colors[0] == "white" and spoken.visual.brightness > 0.8
    assert f'Speech: "{spoken.speech}"' in spoken.text
    # The silent colour shots rest on measurements alone, and say what colour they are.
    assert red.basis == blue.basis == ["visual_statistics"]
    assert red.visual.dominant_colors == ["red"] and blue.visual.dominant_colors == ["blue"]
    assert red.visual.motion < 0.02 and "still" in red.text


@pytest.mark.slow
def test_black_and_white_footage_is_described_as_such(shared_data, module_settings):
    ctx = _context(module_settings)
    detected = detect_scenes(DetectRequest(videos=[str(shared_data / "video/moviepy/chaplin.mp4")]), ctx)
    [description] = describe_clips([clip.as_input() for clip in detected.clips], ctx)
    assert "black-and-white" in description.text
    assert description.visual.saturation < 0.08


def test_openai_vision_describer_sends_the_spatial_and_temporal_frames(media, module_settings):
    ctx = _context(module_settings)
    clip = detect_scenes(DetectRequest(videos=[str(media["shots"])]), ctx).clips[0]
    with FakeOpenAIServer([reply_text("  A plain red frame that does not change. ")]) as server:
        describer = OpenAIVisionDescriber(model="fake-vlm", base_url=server.base_url)
        description = describer.describe(clip.as_input())
        content = server.requests[0]["messages"][0]["content"]
    assert description.text == "A plain red frame that does not change."
    assert description.basis == ["vlm"] and description.backend == "openai:fake-vlm"
    assert content[0]["type"] == "text" and "5 images" in content[0]["text"]
    images = [part["image_url"] for part in content[1:]]
    assert len(images) == 1 + len(clip.temporal) == 6
    assert all(image["url"].startswith("data:image/jpeg;base64,") for image in images)
    assert images[0]["detail"] == "high" and images[1]["detail"] == "low"


def test_openai_vision_describer_errors_say_what_to_set():
    from adloom.tools.llm.openai_compatible import LLMAuthenticationError

    with pytest.raises(ValueError, match="ADLOOM_FOOTAGE__VLM_MODEL"):
        OpenAIVisionDescriber(model="", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(LLMAuthenticationError, match="ADLOOM_FOOTAGE__VLM_API_KEY"):
        OpenAIVisionDescriber(model="m", base_url="https://vlm.example.com/v1")


# --- selection, order and script --------------------------------------------------------


def _clips() -> list[FootageClip]:
    return [
        FootageClip(clip_id="v1c1", order=0, seconds=4.0, description="A commuter on a train opens a can."),
        FootageClip(clip_id="v1c2", order=1, seconds=2.0, description="Close-up of a can on ice."),
        FootageClip(clip_id="v2c1", order=2, seconds=5.0, description='A shop shelf. On-screen text: "2 for $5".'),
        FootageClip(clip_id="v3c1", order=3, seconds=3.0, description="A forest with a deer."),
    ]


def _draft(*choices: tuple[str, str]) -> str:
    return json.dumps({"clips": [{"clip_id": clip_id, "line": line} for clip_id, line in choices]})


@pytest.fixture(scope="module")
def brief():
    return load_brief(EXAMPLE)


def _llm(script) -> tuple[AgentLLM, ScriptedBackend]:
    backend = ScriptedBackend(script)
    return AgentLLM(backend, LLMSettings(max_retries=2)), backend


def test_a_line_too_long_for_its_clip_loses_whole_sentences_not_half_a_phrase():
    from adloom.agents.footage import shorten_line

    line = "Single-origin Colombian beans. Recyclable 330 ml cans. No added sugar."
    assert shorten_line(line, 9) == "Single-origin Colombian beans. Recyclable 330 ml cans."
    assert shorten_line(line, 20) == line
    assert shorten_line("Smooth cold brew, steeped for 18 hours, sold in cans.", 7) == "Smooth cold brew, steeped for 18 hours"


def test_valid_answer_is_used_in_the_models_order(brief):
    llm, backend = _llm({"FootageDraft": [_draft(("v1c2", "Cold brew on ice."), ("v1c1", "Steeped for 18 hours."))]})
    plan = select_and_script(brief, _clips(), llm, warm_models(), k=2)
    assert plan.source == "llm"
    assert plan.clip_ids == ["v1c2", "v1c1"]
    assert [c.word_budget for c in plan.clips] == [word_budget(2.0, WORDS_PER_SECOND), word_budget(4.0, WORDS_PER_SECOND)] == [5, 10]
    prompt = backend.calls[0].prompt
    assert "v2c1 (5.0 s, at most 12 words)" in prompt and "Choose exactly 2" in prompt


def test_invalid_answers_are_reasked_with_the_problems(brief):
    bad = _draft(("v1c1", "Half off, 50% cheaper than anything else on this train today, really."), ("v1c1", "Again."))
    good = _draft(("v2c1", "On the shop shelf, 2 for $5."), ("v1c1", "Steeped for 18 hours."))
    llm, backend = _llm({"FootageDraft": [bad, good]})
    plan = select_and_script(brief, _clips(), llm, warm_models(), k=2)
    assert plan.source == "llm" and plan.clip_ids == ["v2c1", "v1c1"]
    reask = backend.calls[1].last_message
    assert "clip v1c1 is used 2 times" in reask
    assert "has 12 words; its 4.0 s allow 10" in reask
    assert "the number '50%' is not in the brief" in reask
    # "2 for $5" is not in the brief but is on screen in clip v2c1: what a clip shows may be said.


def test_schema_offers_only_the_real_clip_ids():
    schema = _draft_model(("v1c1", "v1c2"), 1, 2, 5).model_json_schema()
    choice = schema["$defs"]["ClipChoice"]["properties"]["clip_id"]
    assert choice["enum"] == ["v1c1", "v1c2"]
    assert schema["properties"]["clips"]["maxItems"] == 2


def test_plan_problems_catch_unknown_clips_and_placeholder_lines(brief):
    clips = {c.clip_id: c for c in _clips()}
    problems = plan_problems([("v9c9", "Hello there."), ("v1c1", "v1c1")], clips, k=None,
                             words_per_second=2.2, facts=fact_source(brief, _clips()))
    assert any("'v9c9' does not exist" in p for p in problems)
    assert any("not a clip id" in p for p in problems)
    too_long = plan_problems([(c, "Cold brew.") for c in clips], clips, k=None, words_per_second=2.2,
                             facts=fact_source(brief, _clips()), max_seconds=10)
    assert any("last 14.0 s" in p for p in too_long)


def test_fallback_is_labelled_fits_the_budgets_and_keeps_footage_order(brief):
    llm, backend = _llm({"": [GARBAGE]})
    plan = select_and_script(brief, _clips(), llm, warm_models(), k=3)
    assert plan.source == "fallback" and plan.llm_problems
    assert len(backend.calls) == 3  # first answer + 2 re-asks, then the fallback
    assert len(plan.clips) == 3 and len(set(plan.clip_ids)) == 3
    orders = {c.clip_id: c.order for c in _clips()}
    assert [orders[i] for i in plan.clip_ids] == sorted(orders[i] for i in plan.clip_ids)
    assert "v3c1" not in plan.clip_ids  # the deer in a forest is the least related to coffee
    facts = fact_source(brief, _clips())
    clips = {c.clip_id: c for c in _clips()}
    chosen = [(c.clip_id, c.line) for c in plan.clips]
    assert plan_problems(chosen, clips, k=3, words_per_second=WORDS_PER_SECOND, facts=facts) == []
    assert plan.clips[-1].line.startswith("Try it today")


def test_without_k_the_fallback_fills_the_briefs_duration(brief):
    short = parse_brief({**brief.model_dump(mode="json"), "duration_s": 6})
    llm, _ = _llm({"": [GARBAGE]})
    plan = select_and_script(short, _clips(), llm, warm_models())
    seconds = {c.clip_id: c.seconds for c in _clips()}
    assert sum(seconds[i] for i in plan.clip_ids) <= 6


def test_k_outside_the_clips_is_an_input_error(brief):
    llm, _ = _llm({"": [GARBAGE]})
    with pytest.raises(ValueError, match="between 1 and 4"):
        select_and_script(brief, _clips(), llm, warm_models(), k=5)


# --- the graph --------------------------------------------------------------------------


def test_graph_shape_matches_the_snapshot():
    from adloom.graphs.footage import build_footage_graph

    assert_graph_matches_snapshot(build_footage_graph(), "footage", "tests/test_footage.py")


@pytest.mark.slow
def test_footage_run_renders_a_subtitled_ad_and_skips_the_bad_file(media, tmp_path):
    from adloom.runs import resume_run, start_footage_run
    from adloom.storage import records
    from adloom.storage.database import open_database

    settings = Settings(data_dir=tmp_path / "data", footage=FootageSettings(ocr=False))
    answer = _draft(("v3c1", "Smooth cold brew coffee."), ("v1c2", "No added sugar."))
    backend = ScriptedBackend({"FootageDraft": [answer]})
    models = models_with_backend(backend, settings.llm)
    outcome = start_footage_run(
        settings, EXAMPLE, [media["shots"], media["notes"], media["spoken"]], tmp_path / "out", k=2,
        models=models, render_size=(180, 320),
    )
    assert [Path(r["path"]).name for r in outcome.manifest.rejected_inputs] == ["notes.mp4"]
    manifest = json.loads(outcome.manifest_path.read_text())
    assert manifest["mode"] == "footage" and manifest["plan"]["source"] == "llm"
    assert [c["clip_id"] for c in manifest["plan"]["clips"]] == ["v3c1", "v1c2"]
    video = probe(manifest["outputs"]["video"])
    assert (video.video.width, video.video.height) == (180, 320)
    assert video.audio is not None
    # The spoken clip, then the blue shot cut shortly after its line: the ad never ends on silence.
    assert 3.0 + 1.0 < video.duration_s < 3.0 + 2.5 - 0.2
    tail = tmp_path / "tail.pcm"
    run_ffmpeg(["-sseof", "-1.2", "-i", manifest["outputs"]["video"], "-f", "s16le", "-ac", "1", "-ar", "16000",
                str(tail)])
    assert max(abs(sample) for sample in memoryview(tail.read_bytes()).cast("h")) > 1000  # the voice, not silence
    srt = Path(manifest["outputs"]["srt"]).read_text()
    assert "Smooth cold brew coffee." in srt and "No added sugar." in srt
    assert manifest["subtitle_rule_problems"] == []
    for entry in manifest["assets"]:
        assert Path(entry["path"]).is_file()
    with open_database(settings.database_url).session() as session:
        assert records.get_run(session, outcome.run_id).status == "succeeded"
        counts = records.node_event_counts(session, outcome.run_id)
    assert counts.get("select", 0) >= 1
    # A finished run resumes to the same result without running a node again.
    again = resume_run(settings, outcome.run_id, models=models)
    assert again.manifest_path == outcome.manifest_path
    assert len(backend.calls) == 1


# --- command line -----------------------------------------------------------------------


def _adloom(workdir: Path, *args, timeout: float = 300, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ADLOOM_")}
    environment.update(ADLOOM_DATA_DIR=str(workdir / "data"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                       COLUMNS="250", **env)
    return subprocess.run([sys.executable, "-m", "adloom.cli", *map(str, args)], cwd=workdir, env=environment,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_cli_rejects_input_that_cannot_make_an_ad(media, tmp_path):
    result = _adloom(tmp_path, "footage", EXAMPLE, media["notes"], tmp_path / "missing.mp4")
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert any("notes.mp4" in line and "not a video" in line for line in errors)
    assert any("missing.mp4" in line for line in errors)
    assert not (tmp_path / "data" / "runs").exists()
    zero = _adloom(tmp_path, "footage", EXAMPLE, media["shots"], "--clips", "0")
    assert zero.returncode == 2 and "at least 1" in zero.stderr


def test_cli_eval_footage_needs_the_data(tmp_path):
    result = _adloom(tmp_path, "eval", "footage", "--data", tmp_path / "nowhere")
    assert result.returncode == 2 and "shared data not found" in result.stderr


@pytest.mark.slow
def test_cli_makes_an_ad_through_an_openai_compatible_endpoint(media, tmp_path):
    answer = _draft(("v1c1", "Steeped for 18 hours."), ("v2c1", "Smooth cold brew coffee."))
    with FakeOpenAIServer([reply_text(answer)]) as server:
        result = _adloom(
            tmp_path, "footage", EXAMPLE, media["shots"], media["spoken"], "--clips", "2", "--out", tmp_path / "out",
            ADLOOM_LLM__BACKEND="openai", ADLOOM_LLM__MODEL="fake", ADLOOM_LLM__BASE_URL=server.base_url,
            ADLOOM_FOOTAGE__OCR="false",
        )
    assert result.returncode == 0, result.stderr
    video = Path(next(line.split(None, 1)[1] for line in result.stdout.splitlines() if line.startswith("video:")))
    info = probe(video)
    assert (info.video.width, info.video.height) == (1080, 1920)  # the brief's 9:16
    manifest = json.loads((video.parent / "manifest.json").read_text())
    assert [c["clip_id"] for c in manifest["plan"]["clips"]] == ["v1c1", "v2c1"]


@pytest.mark.slow
def test_footage_mode_on_the_shared_videos_shows_no_bars_title_cards_or_black(shared_data, tmp_path):
    from adloom.tools.media_checks.frames import extract_frames
    from adloom.tools.scenes.screening import is_bars, is_black

    videos = [shared_data / "video" / name for name in
              ("moviepy/smpte-2997.mp4", "moviepy/big_buck_bunny_0_30.webm", "pyscenedetect/testvideo.mp4")]
    with FakeOpenAIServer([reply_text("I cannot choose.")]) as server:  # the fallback plan chooses
        result = _adloom(tmp_path, "footage", EXAMPLE, *videos, "--out", tmp_path / "out", timeout=600,
                         ADLOOM_LLM__BACKEND="openai", ADLOOM_LLM__MODEL="fake", ADLOOM_LLM__BASE_URL=server.base_url)
    assert result.returncode == 0, result.stderr
    not_used = [line for line in result.stderr.splitlines() if line.startswith("not used: ")]
    assert any("smpte-2997.mp4" in line and "colour bars" in line for line in not_used)
    assert any("big_buck_bunny_0_30.webm" in line and "burned-in text" in line for line in not_used)
    assert any("testvideo.mp4 0.0-1.0 s" in line and "black" in line for line in not_used)
    video = Path(next(line.split(None, 1)[1] for line in result.stdout.splitlines() if line.startswith("video:")))
    manifest = json.loads((video.parent / "manifest.json").read_text())
    screened = {clip["clip_id"] for clip in manifest["inputs"]["screened_out"]}
    chosen = [clip["clip_id"] for clip in manifest["plan"]["clips"]]
    assert chosen and not screened & set(chosen)
    duration = probe(video).duration_s
    frames = extract_frames(video, [0.0, *[t / 2 for t in range(1, int(duration * 2))]])
    small = [np.asarray(frame.convert("RGB").resize((96, 54))) for frame in frames]
    assert not is_black(small[0])  # the ad never opens on black
    assert not any(is_bars(frame) for frame in small)


# --- the benchmark ----------------------------------------------------------------------


@pytest.mark.slow
def test_remix_benchmark_on_the_shared_footage(shared_data, module_settings, tmp_path):
    from adloom.evals.footage_eval import evaluate_footage, format_report, write_report

    llm, _ = _llm({"": [GARBAGE]})
    report = evaluate_footage(module_settings, shared_data, distractors=3, seed=0, llm=llm, models=warm_models())
    assert [Path(t.target).name for t in report.tasks] == ["testvideo.mp4", "big_buck_bunny_0_30.webm"]
    # testvideo.mp4 opens on a second of black with its copyright line: the screen sets it aside.
    clips_kept = {"testvideo.mp4": 3, "big_buck_bunny_0_30.webm": 4}
    for task in report.tasks:
        assert task.candidates == len(task.reference) + 3
        assert len(task.predicted) == len(task.reference) == clips_kept[Path(task.target).name]
        assert 0.0 <= task.sra <= task.selection_recall <= 1.0
        assert task.ssa == 1.0 and task.wcd >= 0.0 and task.source == "fallback"
    assert set(report.means) == {"sra", "selection_recall", "wcd", "ssa", "ssa_baseline"}
    table = format_report(report)
    assert "SRA" in table and "testvideo.mp4" in table
    saved = json.loads(write_report(report, tmp_path).read_text())
    assert saved["means"] == report.means


@pytest.mark.slow
def test_a_failed_footage_run_resumes_without_redoing_finished_steps(media, tmp_path):
    from adloom.runs import RunFailed, resume_run, start_footage_run
    from adloom.storage import records
    from adloom.storage.database import open_database

    settings = Settings(data_dir=tmp_path / "data", footage=FootageSettings(ocr=False))
    calls = {"n": 0}

    def flaky(call):
        calls["n"] += 1
        if calls["n"] <= 2:  # both attempts of the select node's retry policy fail
            raise ConnectionError("endpoint went away")
        return _draft(("v1c1", "Steeped for 18 hours."))

    models = models_with_backend(ScriptedBackend({"FootageDraft": [flaky]}), settings.llm)
    with pytest.raises(RunFailed, match="endpoint went away") as failure:
        start_footage_run(settings, EXAMPLE, [media["shots"]], tmp_path / "out", k=1, models=models,
                          render_size=(120, 212))
    run_id = failure.value.run_id
    database = open_database(settings.database_url)
    with database.session() as session:
        assert records.get_run(session, run_id).status == "failed"
    outcome = resume_run(settings, run_id, models=models)
    assert json.loads(outcome.manifest_path.read_text())["plan"]["clips"][0]["clip_id"] == "v1c1"
    with database.session() as session:
        assert records.get_run(session, run_id).status == "succeeded"
        events = [(e.node, e.event) for e in records.get_run(session, run_id).events]
    assert events.count(("scenes", "started")) == 1 and events.count(("describe", "started")) == 1
    assert events.count(("select", "finished")) == 1


def _tiny_llava(folder: Path) -> Path:
    """A random-weight LLaVA (CLIP vision tower + Llama) with a word-level tokenizer, saved like a real one."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration, LlavaProcessor,
        PreTrainedTokenizerFast,
    )
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    words = "a the can of cold brew on ice red blue frame shows train forest deer shot still moves".split()
    vocab = {token: i for i, token in enumerate(["<unk>", "<pad>", "<s>", "</s>", "<image>", *words])}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="<unk>", pad_token="<pad>", bos_token="<s>",
                                        eos_token="</s>", extra_special_tokens={"image_token": "<image>"})
    template = ("{% for m in messages %}{% for c in m['content'] %}{% if c['type'] == 'image' %}<image> "
                "{% else %}{{ c['text'] }} {% endif %}{% endfor %}{% endfor %}")
    processor = LlavaProcessor(
        image_processor=CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=tokenizer, patch_size=8, vision_feature_select_strategy="default", chat_template=template,
        num_additional_image_tokens=1,
    )
    config = LlavaConfig(
        vision_config=CLIPVisionConfig(hidden_size=16, image_size=32, patch_size=8, num_hidden_layers=1,
                                       num_attention_heads=2, intermediate_size=32, projection_dim=16),
        text_config=LlamaConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                num_key_value_heads=1, intermediate_size=32, bos_token_id=2, eos_token_id=3,
                                pad_token_id=1),
        image_token_id=vocab["<image>"], vision_feature_select_strategy="default",
    )
    torch.manual_seed(0)
    LlavaForConditionalGeneration(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


def test_local_transformers_vlm_describes_from_a_saved_folder(media, module_settings, tmp_path):
    from adloom.tools.llm.backend import ModelNotFoundError
    from adloom.tools.vision import load_describer
    from adloom.tools.vision.transformers_vlm import TransformersVisionDescriber

    folder = _tiny_llava(tmp_path / "tiny-llava")
    ctx = _context(module_settings, describer="transformers", vlm_model=str(folder))
    clip = detect_scenes(DetectRequest(videos=[str(media["shots"])]), ctx).clips[0]
    describer = load_describer(ctx)
    assert isinstance(describer, TransformersVisionDescriber) and load_describer(ctx) is describer  # kept warm
    first = describer.describe(clip.as_input())
    assert first.basis == ["vlm"] and first.backend == "transformers:tiny-llava"
    assert first.text and set(first.text.split()) <= set("a the can of cold brew on ice red blue frame shows "
                                                         "train forest deer shot still moves <unk>".split())
    # Greedy decoding of the same saved weights gives the same description after a fresh load.
    assert TransformersVisionDescriber(folder).describe(clip.as_input()).text == first.text
    with pytest.raises(ModelNotFoundError, match="ADLOOM_FOOTAGE__VLM_MODEL"):
        TransformersVisionDescriber(tmp_path / "nothing-here")
