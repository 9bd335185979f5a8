"""Media checks on real files: stream properties, faststart, frames, OCR of captions, NSFW."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from adloom.tools.context import ResidentModels
from adloom.tools.editor import StillImage, SubtitleTrack, Timeline, render
from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.ffmpeg import run_ffmpeg
from adloom.tools.media_checks import (
    NSFW_MODEL_KEY,
    SAFE_BELOW,
    SYNC_LIMIT_S,
    check_streams,
    extract_frames,
    is_faststart,
    measure_sync,
    mp4_top_level_boxes,
    nsfw_score,
    nsfw_scores,
    ocr_frame,
)


@pytest.fixture(scope="module")
def compliant_mp4(tmp_path_factory) -> Path:
    """A 1 s 160x288 render by the editor, with a burned caption."""
    folder = tmp_path_factory.mktemp("compliant")
    picture = folder / "bg.png"
    Image.new("RGB", (160, 288), (30, 60, 120)).save(picture)
    subtitles = folder / "caption.ass"
    subtitles.write_text(
        "[Script Info]\nScriptType: v4.00+\nPlayResX: 320\nPlayResY: 576\n\n[V4+ Styles]\n"
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
        "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
        "Alignment, MarginL, MarginR, MarginV, Encoding\n"
        "Style: Default,DejaVu Sans,44,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,"
        "-1,0,0,0,100,100,0,0,1,3,0,5,10,10,10,1\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
        "Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,SALE ENDS SUNDAY\n",
        "utf-8",
    )
    timeline = Timeline(
        width=320, height=576, visuals=[StillImage(path=picture, seconds=1.0)],
        subtitles=SubtitleTrack(path=subtitles),
    )
    return render(timeline, folder / "ok.mp4", preset="ultrafast").path


@pytest.fixture(scope="module")
def counter_video(tmp_path_factory) -> Path:
    """2 s at 10 fps whose frame n has brightness 10*n (no audio, no faststart, yuv444p)."""
    path = tmp_path_factory.mktemp("counter") / "counter.mp4"
    run_ffmpeg([
        "-f", "lavfi", "-i", "color=c=black:s=64x64:r=10:d=2",
        "-vf", "geq=lum='10*N':cb=128:cr=128,format=yuv444p",
        "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", str(path),
    ])
    return path


def test_compliant_render_passes(compliant_mp4):
    report = check_streams(compliant_mp4, (320, 576), 1.0)
    assert report.ok, report.problems
    assert report.video_frames == 30 and report.faststart
    assert report.summary()["problems"] == []


def test_wrong_size_and_duration_are_reported(compliant_mp4):
    report = check_streams(compliant_mp4, (1080, 1920), 1.2, tolerance_frames=1)
    assert not report.ok
    assert any("size is 320x576, expected 1080x1920" in p for p in report.problems)
    assert any("lasts 1.000 s, expected 1.200 s" in p for p in report.problems)
    # One frame off is within the default tolerance.
    assert check_streams(compliant_mp4, (320, 576), 1.0 + 1 / 30).ok


def test_non_platform_file_lists_every_problem(counter_video):
    report = check_streams(counter_video, (64, 64), 2.0)
    problems = " | ".join(report.problems)
    assert "pixel format is yuv444p" in problems
    assert "no audio stream" in problems
    assert "not +faststart" in problems
    assert not is_faststart(counter_video)
    assert check_streams(counter_video, (64, 64), 2.0, expect_audio=False, expect_bt709=False).problems != ()


def test_missing_file_is_named(tmp_path):
    with pytest.raises(MediaInputError, match="nothing.mp4"):
        check_streams(tmp_path / "nothing.mp4")


def test_box_walker_reads_sizes_including_64_bit(tmp_path):
    path = tmp_path / "boxes.mp4"
    ftyp = struct.pack(">I4s", 16, b"ftyp") + b"isom\x00\x00\x02\x00"
    moov = struct.pack(">I4s", 8, b"moov")
    mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + 4) + b"\x00" * 4
    path.write_bytes(ftyp + mdat + moov)
    assert mp4_top_level_boxes(path) == ["ftyp", "mdat", "moov"]
    assert not is_faststart(path)
    path.write_bytes(ftyp + moov + mdat)
    assert is_faststart(path)
    path.write_bytes(ftyp + struct.pack(">I4s", 4, b"moov"))
    with pytest.raises(ValueError, match="invalid box size"):
        mp4_top_level_boxes(path)


def test_frames_come_from_the_asked_times_in_the_asked_order(counter_video):
    frames = extract_frames(counter_video, [1.05, 0.0, 0.55, 9.0])
    brightness = [float(np.asarray(f.convert("L")).mean()) for f in frames]

    def shown(n: int) -> float:  # frame n's gray level after limited-range YUV -> RGB
        return max(0.0, (10 * n - 16) * 255 / 219)

    assert brightness == pytest.approx([shown(10), shown(0), shown(5), shown(19)], abs=3)  # past the end: last
    assert all(f.size == (64, 64) and f.mode == "RGB" for f in frames)
    with pytest.raises(ValueError, match="negative"):
        extract_frames(counter_video, [-1])


def test_ocr_reads_the_burned_caption(compliant_mp4):
    models = ResidentModels()
    (frame,) = extract_frames(compliant_mp4, [0.5])
    seen = ocr_frame(frame, expected_text="Sale ends Sunday", models=models)
    assert seen.match is not None and seen.match >= 0.66, seen.text
    assert ocr_frame(frame, models=models).match is None
    assert len(models.keys()) == 1  # the engine stayed warm


def test_nsfw_score_of_benign_frames_is_low(shared_data, compliant_mp4):
    models = ResidentModels()
    street = extract_frames(shared_data / "video/moviepy/chaplin.mp4", [2.0])[0]
    assert nsfw_score(street, models=models) < SAFE_BELOW
    scores = nsfw_scores([street, extract_frames(compliant_mp4, [0.2])[0]], models=models)
    assert len(scores) == 2 and all(0.0 <= s < SAFE_BELOW for s in scores)
    assert models.keys() == [NSFW_MODEL_KEY]


# --- subtitle sync ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    text: str
    start: float
    end: float


def test_sync_pairs_caption_words_with_heard_words_in_order():
    captions = [_Word("Smooth", 0.00, 0.30), _Word("cold", 0.30, 0.55), _Word("brew.", 0.55, 0.90)]
    heard = [_Word("smooth", 0.00, 0.28), _Word("cold", 0.40, 0.60), _Word("brew", 0.62, 0.90)]
    report = measure_sync(captions, heard)
    assert report.paired == 3 and report.caption_words == 3
    # "smooth" is the first word (start untrusted: compared by end); the others by start.
    assert report.mean_offset_s == pytest.approx((0.02 + 0.10 + 0.07) / 3)
    assert report.max_offset_s == pytest.approx(0.10)


def test_sync_compares_words_after_a_pause_or_stretched_over_one_by_their_end():
    captions = [_Word("Grab", 0.0, 0.3), _Word("one.", 0.3, 0.6), _Word("Stay", 3.3, 3.6), _Word("awake.", 3.6, 4.0),
                _Word("Naturally", 7.5, 7.9), _Word("sweet.", 7.9, 8.3)]
    heard = [_Word("grab", 0.0, 0.3), _Word("one", 0.3, 0.6), _Word("stay", 2.9, 3.6),  # early after a pause
             _Word("awake", 3.6, 4.0), _Word("naturally", 4.2, 7.9),  # stretched over the silence
             _Word("sweet", 7.9, 8.3)]
    report = measure_sync(captions, heard)
    assert report.paired == 6 and report.mean_offset_s == pytest.approx(0.0)


def test_sync_counts_words_recognition_missed_and_catches_a_shifted_track():
    captions = [_Word(w, i * 0.5, i * 0.5 + 0.4) for i, w in enumerate("meet the northwind cold brew today".split())]
    shifted = [_Word(w.text, w.start + 0.4, w.end + 0.4) for w in captions if w.text != "northwind"]
    report = measure_sync(captions, shifted)
    assert report.caption_words == 6 and report.paired == 5
    assert report.mean_offset_s == pytest.approx(0.4) and report.mean_offset_s > SYNC_LIMIT_S
    assert measure_sync(captions, []).mean_offset_s is None


def test_sync_pairs_look_alikes_and_words_heard_as_two():
    captions = [_Word("Northwind", 0.0, 0.45), _Word("Cold", 0.45, 0.7), _Word("Brew.", 0.7, 1.0),
                _Word("single-origin", 3.5, 4.3), _Word("beans.", 4.3, 4.7)]
    heard = [_Word("Northwink", 0.0, 0.44), _Word("Old", 0.45, 0.7), _Word("Brew", 0.71, 0.98),
             _Word("Single", 3.4, 3.86), _Word("origin", 3.86, 4.28), _Word("beans", 4.3, 4.7)]
    report = measure_sync(captions, heard)
    assert report.paired == 5 and report.caption_words == 5
    assert report.mean_offset_s < 0.02
    assert measure_sync([_Word("coffee", 0.0, 0.5)], [_Word("tea", 0.0, 0.5)]).paired == 0  # unrelated: unpaired


# --- the layout of the text a viewer sees ------------------------------------------------------


def test_layout_faults_are_found_in_what_ocr_saw():
    from adloom.tools.media_checks.frame_layout import SeenText, layout_problems

    headline = (0.1, 0.3, 0.9, 0.4)
    caption = (0.15, 0.35, 0.85, 0.42)  # over the headline
    frames = [
        [SeenText(0.5, "SPRING SALE", headline), SeenText(0.5, "fresh every day", caption)],
        [SeenText(2.0, "SPRING SALE", headline), SeenText(2.0, "fresh every day", caption),
         SeenText(2.0, "andon Castellano", (0.0, 0.5, 0.3, 0.54)), SeenText(2.0, "Follow", (0.4, 0.03, 0.6, 0.07))],
        [SeenText(3.5, "ndon Castellano", (0.0, 0.5, 0.28, 0.54)), SeenText(3.5, "Follow", (0.4, 0.03, 0.6, 0.07))],
    ]
    problems = layout_problems(frames, "9:16")
    assert problems == [
        "2.0 s: \u201cSPRING SALE\u201d and \u201cfresh every day\u201d lie on top of each other",
        "3.5 s: \u201cndon Castellano\u201d is cut by the frame's edge",
        "3.5 s: \u201cFollow\u201d is under the platform's buttons or bars (outside the 9:16 safe area)",
    ]
    # A fault in one frame only (a transition, a text sliding into place) is not one that stays;
    # text well inside the frame is none at all.
    assert layout_problems(frames[:1], "9:16") == []
    assert layout_problems([frames[1][2:], frames[0]], "9:16") == []
    assert layout_problems([[SeenText(0.5, "SPRING SALE", headline)]] * 2, "1:1") == []


def test_a_large_headline_set_at_the_safe_edge_is_not_read_as_over_it():
    from adloom.tools.media_checks.frame_layout import SeenText, layout_problems

    # The detector's box for a 150 px line reaches 12 px past the letters (4:5 safe area from 6.5%).
    charging = (0.054, 0.256, 0.864, 0.411)
    assert layout_problems([[SeenText(t, "charging", charging)] for t in (9.0, 11.0)], "4:5") == []
    small = (0.045, 0.5, 0.4, 0.53)  # a small line as far out is over it
    assert len(layout_problems([[SeenText(t, "Follow", small)] for t in (9.0, 11.0)], "4:5")) == 1


def test_caption_lines_are_found_and_their_size_measured_in_what_ocr_saw():
    from adloom.tools.media_checks.frame_layout import SeenText, caption_font_sizes

    captions = [(0.0, 2.0, ("Meet Arc Desk Lamp.", "USB-C charging port.")), (2.0, 4.0, ("Order today",))]
    frames = [
        [SeenText(1.0, "Arc Desk", (0.1, 0.1, 0.9, 0.2)), SeenText(1.0, "Meet ArcDesk Lamp", (0.2, 0.70, 0.8, 0.74)),
         SeenText(1.0, "USB-C charging port.", (0.2, 0.74, 0.8, 0.775))],
        [SeenText(3.0, "Something else", (0.2, 0.7, 0.8, 0.72))],
    ]
    found = caption_font_sizes(frames, captions)
    assert [(t, line) for t, line, _ in found] == [(1.0, "Meet Arc Desk Lamp."), (1.0, "USB-C charging port.")]
    # Both lines have descenders ("p", "g"): their font is a little smaller than the line read.
    assert [round(size, 4) for _, _, size in found] == [round(0.04 / 1.1, 4), round(0.035 / 1.1, 4)]
    # The spoken word lit in the accent colour: read as pieces of one row.
    pieces = [[SeenText(1.0, "Meet", (0.2, 0.70, 0.35, 0.74)), SeenText(1.0, "Arc Desk Lamp.", (0.37, 0.701, 0.8, 0.74))]]
    assert [line for _, line, _ in caption_font_sizes(pieces, captions)] == ["Meet Arc Desk Lamp."]
    assert round(caption_font_sizes([[SeenText(1.0, "solid oak base", (0.2, 0.7, 0.8, 0.728))]],
                                    [(0.0, 2.0, ("solid oak base",))])[0][2], 3) == 0.035


def test_a_headline_panned_off_the_frame_is_read_as_cut(tmp_path):
    from PIL import ImageDraw

    from adloom.tools.image.inputs import find_system_font
    from adloom.tools.image.text_fit import font_at
    from adloom.tools.media_checks.frame_layout import layout_problems, read_frames

    frame = Image.new("RGB", (540, 960), (30, 30, 60))
    draw = ImageDraw.Draw(frame)
    font = font_at(str(find_system_font()), 64)
    draw.text((-140, 400), "NORTHWIND", font=font, fill="white")  # its first letters are off the frame
    draw.text((100, 600), "COLD BREW", font=font_at(str(find_system_font()), 44), fill="white")
    still = tmp_path / "frame.png"
    frame.save(still)
    video = tmp_path / "cut.mp4"
    run_ffmpeg(["-loop", "1", "-framerate", "10", "-i", still, "-t", "1", "-pix_fmt", "yuv420p", video])
    seen = read_frames(video, [0.3, 0.7], ResidentModels())
    assert any("COLD" in line.text.upper() for line in seen[0])
    problems = layout_problems(seen, "9:16")
    assert len(problems) == 1 and "cut by the frame's edge" in problems[0]
