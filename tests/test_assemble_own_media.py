"""Bring your own media: real clips, voices and subtitle files assembled by the campaign's editor.

Rotated and variable-frame-rate clips are made from the shared videos with ffmpeg at test
time; outputs are checked with ffprobe-level properties and by reading the burned-in
captions back with OCR at their cue times.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from adloom.tools.context import ResidentModels
from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.editor.own_media import (
    OwnMedia,
    assemble_own_media,
    build_own_media_timeline,
    inspect_clip,
    share_length,
)
from adloom.tools.editor.timeline import StillImage, VideoClip
from adloom.tools.editor.user_captions import load_user_captions
from adloom.tools.ffmpeg import run_ffmpeg
from adloom.tools.media_checks import check_streams, extract_frames, ocr_frame

OCR = ResidentModels()  # one OCR engine for the whole file (loading it takes about 1.5 s)

SRT_TWO_CUES = """1
00:00:00,200 --> 00:00:01,400
BIG SALE TODAY

2
00:00:01,600 --> 00:00:02,900
FREE SHIPPING
"""


@pytest.fixture
def files(shared_data: Path, tmp_path: Path) -> dict[str, Path]:
    srt = tmp_path / "cues.srt"
    srt.write_text(SRT_TWO_CUES, "utf-8")
    picture = tmp_path / "picture.png"
    Image.new("RGB", (640, 480), (20, 120, 200)).save(picture)
    return {
        "chaplin": shared_data / "video/moviepy/chaplin.mp4",  # 640x360, 25 fps, 9.6 s
        "bunny": shared_data / "video/moviepy/big_buck_bunny_0_30.webm",  # 1280x720 VP8, 24 fps
        "counter": shared_data / "video/pyscenedetect/counter.mp4",  # 10 fps, frame numbers shown
        "voice": shared_data / "speech/ljspeech/LJ001-0002.wav",  # 1.9 s: "in being comparatively modern."
        "music": shared_data / "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg",
        "mp3": shared_data / "audio/moviepy_crunching.mp3",
        "logo": shared_data / "brand/logos/moviepy_logo.png",
        "font": shared_data / "brand/fonts/OpenSans-Bold.ttf",
        "srt": srt,
        "picture": picture,
    }


def _cut(source: Path, out: Path, start: float, seconds: float, *extra: str) -> Path:
    run_ffmpeg(["-ss", str(start), "-t", str(seconds), "-i", str(source), *extra,
                "-c:v", "libx264", "-preset", "ultrafast", "-an", str(out)])
    return out


def _gray(frame: Image.Image, size: tuple[int, int] = (90, 160)) -> np.ndarray:
    return np.asarray(frame.convert("L").resize(size), dtype=np.float32)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_share_length_gives_short_clips_all_they_have_and_the_rest_to_others() -> None:
    assert share_length(12.0, [10.0, 10.0, 10.0]) == pytest.approx([4.0, 4.0, 4.0])
    assert share_length(12.0, [1.0, 10.0, float("inf")]) == pytest.approx([1.0, 5.5, 5.5])
    assert share_length(12.0, [1.0, 2.0]) == pytest.approx([1.0, 2.0])  # not enough footage


def test_subtitle_file_overlaps_are_repaired_and_reported(tmp_path: Path) -> None:
    srt = tmp_path / "overlap.srt"
    srt.write_text(
        "1\n00:00:00,000 --> 00:00:02,000\nfirst\n\n"
        "2\n00:00:01,500 --> 00:00:03,000\nsecond\n\n"
        "3\n00:00:01,500 --> 00:00:02,500\nsame start\n\n"
        "4\n00:00:04,000 --> 00:00:09,000\nruns past the end\n\n"
        "5\n00:00:12,000 --> 00:00:13,000\nafter the end\n",
        "utf-8",
    )
    loaded = load_user_captions(srt, duration_s=6.0)
    spans = [(c.start, c.end, c.text) for c in loaded.captions]
    assert spans == [(0.0, 1.5, "first"), (1.5, 3.0, "second same start"), (4.0, 6.0, "runs past the end")]
    joined = "\n".join(loaded.warnings)
    assert "overlaps" in joined and "merged" in joined and "cut there" in joined and "left out" in joined
    assert all(str(srt) in warning for warning in loaded.warnings)


def test_malformed_or_reversed_subtitles_are_refused_naming_the_file(tmp_path: Path) -> None:
    malformed = tmp_path / "bad.srt"
    malformed.write_text("1\n00:00:01.000 --> 00:00:02.000\ndot instead of comma\n", "utf-8")
    with pytest.raises(MediaInputError, match=r"bad\.srt: line 2: malformed timing"):
        load_user_captions(malformed, 5.0)
    reversed_ = tmp_path / "reversed.srt"
    reversed_.write_text("1\n00:00:03,000 --> 00:00:01,000\nbackwards\n", "utf-8")
    with pytest.raises(MediaInputError, match=r"reversed\.srt: cue 1 ends before it starts"):
        load_user_captions(reversed_, 5.0)


def test_webvtt_file_is_read_by_its_header(shared_data: Path) -> None:
    loaded = load_user_captions(shared_data / "subtitles/webvtt-py/sample.vtt", duration_s=30.0)
    assert len(loaded.captions) > 5
    assert all(a.end <= b.start for a, b in zip(loaded.captions, loaded.captions[1:]))


def test_bad_clips_are_refused_with_the_file_named(files: dict[str, Path], tmp_path: Path, tool_context) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video", "utf-8")
    with pytest.raises(MediaInputError, match=r"clips\[0\]: .*notes\.mp4"):
        inspect_clip(text, "clips[0]")
    with pytest.raises(MediaInputError, match=r"clips\[1\]: .*moviepy_crunching\.mp3 is audio only"):
        inspect_clip(files["mp3"], "clips[1]")
    with pytest.raises(MediaInputError, match=r"picture\.png is a still image"):
        inspect_clip(files["picture"], "clips[0]")
    short = _cut(files["chaplin"], tmp_path / "short.mp4", 0, 1.0)
    media = OwnMedia(clips=[files["chaplin"], short], clip_seconds=2.0)
    with pytest.raises(MediaInputError, match=r"clips\[1\]: .*short\.mp4 lasts 1\.00 s, shorter than clip_seconds 2"):
        build_own_media_timeline(media, tool_context)


def test_assembled_ad_has_the_exact_format_and_shows_captions_at_their_times(
    files: dict[str, Path], tool_context, tmp_path: Path
) -> None:
    media = OwnMedia(
        clips=[files["bunny"], files["chaplin"]], images=[files["picture"]], voice=files["voice"],
        subtitles=files["srt"], music=files["music"], logo=files["logo"], font=files["font"],
        aspect="9:16", duration_s=3.0, preset="ultrafast",
    )
    out = tmp_path / "ad.mp4"
    result = assemble_own_media(media, tool_context, out)
    report = check_streams(out, (1080, 1920), 3.0)
    assert report.ok, report.problems
    assert (report.video_codec, report.pixel_format, report.audio_codec, report.faststart) == (
        "h264", "yuv420p", "aac", True
    )
    assert report.video_frames == 90
    assert result.captions == "file" and result.subtitles is not None
    first, gap, second = extract_frames(out, [0.8, 1.5, 2.3])
    assert ocr_frame(first, expected_text="BIG SALE TODAY", models=OCR).match == 1.0
    assert ocr_frame(second, expected_text="FREE SHIPPING", models=OCR).match == 1.0
    between = ocr_frame(gap, models=OCR).text.upper().replace(" ", "")
    assert "BIGSALE" not in between and "FREESHIPPING" not in between
    # 3 s shared by two clips and a picture: the picture (solid blue) is on screen last.
    last = np.asarray(extract_frames(out, [2.2])[0].resize((54, 96)))[5:40].reshape(-1, 3).mean(axis=0)
    assert last[2] > 150 and last[0] < 80
    # Same files again: the editor's cache answers without a render.
    assert assemble_own_media(media, tool_context).cached


def test_a_black_opening_is_skipped_and_a_watermark_is_left_out_whole(
    shared_data: Path, tool_context, tmp_path: Path
) -> None:
    # testvideo.mp4 opens on a second of black; its copyright line runs along the bottom edge,
    # so a centred 9:16 crop would cut it to "andon Castellano".
    media = OwnMedia(clips=[shared_data / "video/pyscenedetect/testvideo.mp4"], duration_s=4.0, preset="ultrafast")
    timeline = build_own_media_timeline(media, tool_context)
    [clip] = timeline.timeline.visuals
    assert isinstance(clip, VideoClip) and 1.0 <= clip.start_s <= 1.6
    assert clip.show is not None and clip.show[3] < 0.95  # the bottom band is left out
    assert any("opens on" in note and "black" in note for note in timeline.notes)
    assert any("left out of the picture" in note for note in timeline.notes)
    out = tmp_path / "ad.mp4"
    assemble_own_media(media, tool_context, out)
    frames = extract_frames(out, [0.0, 1.0, 3.0])
    assert np.asarray(frames[0].convert("L")).mean() > 40  # the first frame shows the leaf, not black
    for frame in frames:
        assert ocr_frame(frame, models=OCR).text == ""  # no half watermark anywhere


def test_rotated_phone_clip_is_turned_upright(files: dict[str, Path], tool_context, tmp_path: Path) -> None:
    base = _cut(files["chaplin"], tmp_path / "base.mp4", 1.0, 1.5)
    rotated = tmp_path / "rotated.mp4"
    run_ffmpeg(["-display_rotation", "90", "-i", str(base), "-c", "copy", str(rotated)])
    assert inspect_clip(rotated, "clips[0]").rotation == 90
    media = OwnMedia(clips=[rotated], aspect="9:16", preset="ultrafast", auto_captions=False)
    out = tmp_path / "upright.mp4"
    result = assemble_own_media(media, tool_context, out)
    assert any("rotated 90" in note for note in result.notes)
    assert check_streams(out, (1080, 1920), 1.5, expect_audio=True).ok
    shown = _gray(extract_frames(out, [0.5])[0])
    source = np.asarray(extract_frames(base, [0.5])[0].convert("L"))
    # A 90° display matrix turns the picture counter-clockwise; 360x640 fills 9:16 without a crop.
    upright = _gray(Image.fromarray(np.rot90(source, k=1)))
    wrong_way = _gray(Image.fromarray(np.rot90(source, k=-1)))
    assert _correlation(shown, upright) > 0.9
    assert _correlation(shown, upright) > _correlation(shown, wrong_way) + 0.3


def test_vfr_and_mixed_rate_clips_come_out_constant_rate(files: dict[str, Path], tool_context, tmp_path: Path) -> None:
    vfr = _cut(files["chaplin"], tmp_path / "vfr.mp4", 2.0, 2.0,
               "-vf", r"select=not(mod(n\,3))+lt(t\,1)", "-fps_mode", "vfr")
    facts = inspect_clip(vfr, "clips[0]")
    assert facts.variable_rate
    media = OwnMedia(clips=[vfr, files["bunny"], files["counter"]], clip_seconds=1.0, aspect="16:9",
                     preset="ultrafast")
    out = tmp_path / "mixed.mp4"
    result = assemble_own_media(media, tool_context, out)
    report = check_streams(out, (1920, 1080), 3.0)
    assert report.ok, report.problems
    assert report.fps == 30.0 and report.video_frames == 90
    joined = "\n".join(result.notes)
    assert "variable frame rate" in joined and "10, 24, 25 fps" in joined


@pytest.mark.parametrize("fill", ["loop", "hold"])
def test_voice_longer_than_the_clips_loops_or_holds(
    fill: str, files: dict[str, Path], tool_context, tmp_path: Path
) -> None:
    media = OwnMedia(clips=[files["counter"]], clip_seconds=1.0, voice=files["voice"], fill=fill,
                     aspect="16:9", preset="ultrafast", auto_captions=False)
    planned = build_own_media_timeline(media, tool_context)
    assert any(f"fill={fill}" in warning for warning in planned.warnings)
    out = tmp_path / f"{fill}.mp4"
    assemble_own_media(media, tool_context, out)
    voice_s = 1.899546
    report = check_streams(out, (1920, 1080), voice_s)
    assert report.ok, report.problems
    # counter.mp4 prints its frame number bottom right, a new one every 0.1 s: in a loop,
    # 1.35 s shows what 0.35 s showed; when held, what the clip's last frame showed.
    early, last_of_clip, after_clip = (
        _gray(frame.crop((1300, 700, 1920, 1080)), (310, 190)) for frame in extract_frames(out, [0.35, 0.95, 1.35])
    )
    same, other = (early, last_of_clip) if fill == "loop" else (last_of_clip, early)
    assert np.abs(after_clip - same).mean() < 1.0
    assert np.abs(after_clip - other).mean() > 3.0


def test_voice_without_subtitles_is_captioned_by_asr(files: dict[str, Path], tool_context, tmp_path: Path) -> None:
    media = OwnMedia(clips=[files["chaplin"]], voice=files["voice"], font=files["font"],
                     caption_style="highlight", aspect="9:16", preset="ultrafast", language="en")
    out = tmp_path / "asr.mp4"
    result = assemble_own_media(media, tool_context, out)
    assert result.captions == "asr"
    assert check_streams(out, (1080, 1920), 1.899546).ok
    frame = extract_frames(out, [1.2])[0]
    assert ocr_frame(frame, expected_text="in being comparatively modern", models=OCR).match >= 0.75


def test_cli_assembles_and_refuses_bad_input(files: dict[str, Path], tmp_path: Path, monkeypatch) -> None:
    from adloom.cli import app

    monkeypatch.setenv("ADLOOM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    out = tmp_path / "cli.mp4"
    ok = runner.invoke(app, [
        "assemble", "--clips", str(files["chaplin"]), str(files["bunny"]), "--images", str(files["picture"]),
        "--subtitles", str(files["srt"]), "--logo", str(files["logo"]), "--aspect", "4:5",
        "--caption-style", "highlight", "--font", str(files["font"]),
        "--duration", "2", "--preset", "ultrafast", "--out", str(out),
    ])
    assert ok.exit_code == 0, ok.output
    assert f"video:    {out}" in ok.stdout and "captions: file" in ok.stdout
    assert check_streams(out, (1080, 1350), 2.0).ok
    # Word-by-word highlight captions from the SRT (each cue's words spread over the cue).
    assert ocr_frame(extract_frames(out, [0.8])[0], expected_text="BIG SALE TODAY", models=OCR).match == 1.0

    audio_clip = runner.invoke(app, ["assemble", "--clips", str(files["mp3"]), "--out", str(tmp_path / "x.mp4")])
    assert audio_clip.exit_code == 2
    assert "error: clips[0]:" in audio_clip.stderr and "moviepy_crunching.mp3 is audio only" in audio_clip.stderr
    bad_srt = tmp_path / "bad.srt"
    bad_srt.write_text("1\n00:00:01 --> 00:00:02\nno millis\n", "utf-8")
    refused = runner.invoke(app, ["assemble", "--clips", str(files["chaplin"]), "--subtitles", str(bad_srt),
                                  "--duration", "2", "--out", str(tmp_path / "y.mp4")])
    assert refused.exit_code == 2 and "bad.srt: line 2: malformed timing" in refused.stderr
    assert not (tmp_path / "x.mp4").exists() and not (tmp_path / "y.mp4").exists()
    unknown = runner.invoke(app, ["assemble", "--clips", str(files["chaplin"]), "--clip-secs", "2",
                                  "--out", str(tmp_path / "z.mp4")])
    assert unknown.exit_code == 2 and "no such option: --clip-secs" in unknown.stderr


def test_brief_media_section_feeds_the_same_assembly(files: dict[str, Path], tmp_path: Path) -> None:
    from adloom.assemble_command import media_from_brief
    from adloom.agents.brief import BriefError, parse_brief

    data = {
        "brand": {"name": "Acme", "logo": str(files["logo"]), "font": str(files["font"])},
        "product": {"name": "Trail Runner", "description": "A light shoe."},
        "aspect": "1:1",
        "media": {"clips": [str(files["chaplin"]), str(files["bunny"])], "voice": str(files["voice"]),
                  "subtitles": str(files["srt"]), "caption_style": "highlight", "clip_seconds": 2, "fill": "hold"},
    }
    media = OwnMedia(**media_from_brief(parse_brief(data)))
    # The brief resolves its paths (symlinks included), so compare resolved paths.
    assert [Path(clip).resolve() for clip in media.clips] == [files["chaplin"].resolve(), files["bunny"].resolve()]
    assert Path(media.logo).resolve() == files["logo"].resolve()
    assert (media.aspect, media.caption_style, media.clip_seconds, media.fill) == ("1:1", "highlight", 2, "hold")
    assert media.duration_s is None  # the brief left its length unset: the voice decides
    assert OwnMedia(**media_from_brief(parse_brief({**data, "duration_s": 12}))).duration_s == 12
    data["media"]["clips"] = [str(tmp_path / "missing.mp4")]
    with pytest.raises(BriefError, match=r"media\.clips\.0: file does not exist: .*missing\.mp4"):
        parse_brief(data)


def test_timeline_uses_the_editor_types(files: dict[str, Path], tool_context) -> None:
    planned = build_own_media_timeline(
        OwnMedia(clips=[files["chaplin"]], images=[files["picture"]], duration_s=4.0, auto_captions=False),
        tool_context,
    )
    kinds = [type(visual) for visual in planned.timeline.visuals]
    assert kinds == [VideoClip, StillImage]
    assert [getattr(v, "end_s", None) or getattr(v, "seconds", None) for v in planned.timeline.visuals] == [2.0, 2.0]
    assert planned.timeline.duration_s == 4.0 and planned.captions == "none"
