"""Scene detection and clip representation on real footage and on deliberately bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from adloom.storage.assets import sha256_file
from adloom.tools.ffmpeg import run_ffmpeg
from adloom.tools.media_checks.frames import extract_frames
from adloom.tools.scenes import FootageInputError, clip_frame_times, detect_clips, inspect_video, represent_clip
from adloom.tools.scenes.detect import Clip
from adloom.tools.scenes.frames import SPATIAL_LONG_SIDE, TEMPORAL_LONG_SIDE
from adloom.tools.scenes.screening import is_black
from adloom.tools.scenes.tool import DetectRequest, detect_scenes, write_two_scene_video

TESTVIDEO = "video/pyscenedetect/testvideo.mp4"


def _golden(shared_data: Path, video: str, detector: str) -> list[int]:
    cuts = json.loads((shared_data / "video" / "SCENE_CUTS.json").read_text())
    return cuts[video]["golden_cut_frames"][detector]


def test_content_detector_finds_the_golden_cuts_of_testvideo(shared_data):
    clips = detect_clips(shared_data / TESTVIDEO, detector="content", min_clip_s=0.1)
    expected = _golden(shared_data, TESTVIDEO, "ContentDetector default/t30")
    assert [clip.start_frame for clip in clips[1:]] == expected
    # Clips tile the video: each starts where the previous ended, times match frames at 29.97 fps.
    assert clips[0].start_s == 0.0
    for before, after in zip(clips, clips[1:]):
        assert before.end_s == after.start_s
    assert clips[1].start_s == pytest.approx(30 * 1001 / 30000, abs=0.002)
    assert clips[-1].end_s == pytest.approx(24.02, abs=0.05)


def test_adaptive_detector_matches_the_golden_cut_of_counter(shared_data):
    clips = detect_clips(shared_data / "video/pyscenedetect/counter.mp4", detector="adaptive", min_clip_s=0.1)
    assert [clip.start_frame for clip in clips[1:]] == _golden(
        shared_data, "video/pyscenedetect/counter.mp4", "AdaptiveDetector default/t5"
    )


def test_footage_without_cuts_is_one_clip(shared_data):
    clips = detect_clips(shared_data / "video/moviepy/chaplin.mp4", min_clip_s=0.5)
    assert len(clips) == 1
    assert clips[0].start_s == 0.0 and clips[0].end_s == pytest.approx(9.64, abs=0.05)


def test_threshold_and_minimum_length_come_through(shared_data):
    path = shared_data / TESTVIDEO
    assert len(detect_clips(path, threshold=95.0, min_clip_s=0.1)) == 1  # nothing is that different
    kept = detect_clips(path, min_clip_s=1.5)  # the 1.0 s opening shot is dropped
    assert [clip.clip_id for clip in kept] == ["v1c1", "v1c2", "v1c3"]
    assert kept[0].start_frame == 30


def test_unknown_detector_is_rejected(shared_data):
    with pytest.raises(ValueError, match="histogram"):
        detect_clips(shared_data / TESTVIDEO, detector="histogram")


def test_frame_times_are_spread_inside_the_clip():
    clip = Clip("v1c1", "x.mp4", 2.0, 7.0, 50, 175)
    middle, times = clip_frame_times(clip, fps=25)
    assert middle == 4.5
    assert times == [2.5, 3.5, 4.5, 5.5, 6.5]
    short = Clip("v1c2", "x.mp4", 0.0, 0.12, 0, 3)
    assert len(clip_frame_times(short, fps=25)[1]) == 3


def test_clip_representation_is_stored_at_two_resolutions(shared_data, tool_context):
    path = shared_data / TESTVIDEO
    clip = detect_clips(path)[1]
    sha = sha256_file(path)
    frames = represent_clip(clip, 29.97, tool_context.assets, source_sha256=sha)
    spatial = Image.open(frames.spatial.path)
    assert max(spatial.size) == min(SPATIAL_LONG_SIDE, 1280)
    assert len(frames.temporal) == 5
    for ref in frames.temporal:
        assert max(Image.open(ref.path).size) == TEMPORAL_LONG_SIDE
        assert clip.start_s <= ref.metadata["time_s"] < clip.end_s
    # Temporal frames differ (the deer shot moves), and a second call is served from the cache.
    assert len({ref.sha256 for ref in frames.temporal}) > 1
    again = represent_clip(clip, 29.97, tool_context.assets, source_sha256=sha)
    assert again == frames


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, shared_data) -> dict[str, Path]:
    """One file per kind of trouble, plus a good two-shot video."""
    folder = tmp_path_factory.mktemp("footage-inputs")
    files = {"good": write_two_scene_video(folder / "good.mp4")}
    files["not_video"] = folder / "notes.mp4"
    files["not_video"].write_text("this is a text file, not a video\n")
    whole = (shared_data / "video/moviepy/chaplin.mp4").read_bytes()
    files["truncated_mp4"] = folder / "truncated.mp4"  # its index (moov) is at the end: unreadable
    files["truncated_mp4"].write_bytes(whole[: len(whole) // 2])
    webm = (shared_data / "video/moviepy/big_buck_bunny_0_30.webm").read_bytes()
    files["truncated_webm"] = folder / "truncated.webm"  # streamable: the first part decodes
    files["truncated_webm"].write_bytes(webm[:600_000])
    files["zero"] = folder / "zero.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-frames:v", "0", str(files["zero"])])
    files["vfr"] = folder / "vfr.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=160x120:rate=30", "-t", "3",
                "-vf", "setpts='if(lt(T,1),PTS,1/TB+(PTS-1/TB)*2)'", "-fps_mode", "vfr", str(files["vfr"])])
    files["uhd"] = folder / "uhd.mp4"
    # A grid, not testsrc2: its big frame counter is burned-in text the screen sets aside.
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=teal:s=3840x2160:r=25:d=1.2,drawgrid=w=80:h=80:t=12:c=white",
                "-c:v", "libx264", "-preset", "ultrafast", str(files["uhd"])])
    files["image"] = folder / "still.png"
    Image.new("RGB", (64, 48), "red").save(files["image"])
    return files


def test_each_bad_file_gets_a_clear_error_and_the_others_still_work(bad_inputs, tool_context):
    order = ["not_video", "good", "truncated_mp4", "zero", "vfr", "uhd", "image", "truncated_webm"]
    result = detect_scenes(DetectRequest(videos=[str(bad_inputs[name]) for name in order]), tool_context)
    rejected = {Path(r.path).name: r.error for r in result.rejected}
    assert set(rejected) == {"notes.mp4", "truncated.mp4", "zero.mp4", "still.png"}
    assert "corrupt, truncated or not a video" in rejected["notes.mp4"]
    assert "corrupt, truncated or not a video" in rejected["truncated.mp4"]
    assert "0 seconds long" in rejected["zero.mp4"]
    assert "still image" in rejected["still.png"]
    for name, error in rejected.items():
        assert name in error  # every message names its file
    by_name = {Path(v.path).name: v for v in result.videos}
    # The good file's red and blue shots are two clips, cut at 1.5 s; ids follow the request order.
    good = by_name["good.mp4"]
    assert [c.clip_id for c in good.clips] == ["v2c1", "v2c2"]
    assert good.clips[0].end_s == pytest.approx(1.5, abs=0.05)
    assert not good.has_audio
    vfr = by_name["vfr.mp4"]
    assert vfr.variable_frame_rate
    assert vfr.clips[-1].end_s == pytest.approx(inspect_video(bad_inputs["vfr"]).duration_s, abs=0.15)
    uhd = by_name["uhd.mp4"]
    assert (uhd.width, uhd.height) == (3840, 2160)
    assert max(Image.open(uhd.clips[0].spatial.path).size) == SPATIAL_LONG_SIDE
    webm = by_name["truncated.webm"]
    assert webm.clips[-1].end_s < 20.0  # only what decodes, not the 30 s the header claims
    assert webm.clips[0].end_s == pytest.approx(11.79, abs=0.05)


def test_a_video_whose_clips_are_all_too_short_is_rejected(bad_inputs, tool_context):
    result = detect_scenes(DetectRequest(videos=[str(bad_inputs["good"])], min_clip_s=2.0), tool_context)
    assert not result.videos
    assert "shorter than min_clip_s=2.0" in result.rejected[0].error


def test_inspect_video_names_a_missing_file(tmp_path):
    with pytest.raises(FootageInputError, match="missing.mp4"):
        inspect_video(tmp_path / "missing.mp4")




@pytest.mark.slow
def test_bars_black_blank_stretches_and_title_cards_are_set_aside_with_the_reason(shared_data, tool_context):
    names = ["moviepy/smpte-2997.mp4", "pyscenedetect/fades.mp4", "pyscenedetect/counter.mp4",
             "pyscenedetect/testvideo.mp4", "moviepy/big_buck_bunny_0_30.webm"]
    result = detect_scenes(DetectRequest(videos=[str(shared_data / "video" / name) for name in names]),
                           tool_context)
    reasons = {(Path(c.source).name, c.clip_id): c.reason for c in result.screened_out}
    assert "colour bars" in reasons["smpte-2997.mp4", "v1c1"]
    assert "single-colour" in reasons["fades.mp4", "v2c1"]  # white, grey and black fades
    assert "single-colour" in reasons["counter.mp4", "v3c1"]  # frame numbers on flat colour
    assert reasons["testvideo.mp4", "v4c1"].startswith("black for")  # the copyright opening
    assert "burned-in text" in reasons["big_buck_bunny_0_30.webm", "v5c4"]  # the title card
    assert len(reasons) == 5
    kept = {clip.clip_id: clip for clip in result.clips}
    assert sorted(kept) == ["v4c2", "v4c3", "v4c4", "v5c1", "v5c2", "v5c3"]
    # Black is trimmed off the clips that are kept: none starts or ends on black.
    for clip in kept.values():
        first, last = extract_frames(clip.source, [clip.start_s + 0.02, clip.end_s - 0.05])
        for frame in (first, last):
            assert not is_black(np.asarray(frame.convert("RGB").resize((96, 54)))), clip.clip_id
    assert kept["v5c1"].start_s > 0.5  # Big Buck Bunny fades in from black
