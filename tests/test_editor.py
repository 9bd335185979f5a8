"""The editor: one ffmpeg command from a typed timeline, checked on real encodes of real media."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from adloom.tools.editor import (
    EndCard,
    LogoOverlay,
    MediaInputError,
    MusicTrack,
    StillImage,
    SubtitleTrack,
    Timeline,
    VideoClip,
    VoiceTrack,
    render,
    render_aspects,
)
from adloom.tools.ffmpeg import escape_filter_value
from adloom.tools.image.frame_zones import safe_area
from adloom.tools.media_checks import check_streams, extract_frames, measure_loudness, mp4_top_level_boxes
from adloom.tools.registry import get_tool

W, H, FPS = 270, 480, 30
ASS_TEMPLATE = """[Script Info]
ScriptType: v4.00+
PlayResX: {w}
PlayResY: {h}
ScaledBorderAndShadow: yes

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding
Style: Caption,Open Sans,{size},&H0000FFFF,&H000000FF,&H00000000,&H64000000,-1,0,0,0,100,100,0,0,1,3,0,2,10,10,{margin},1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
Dialogue: 0,0:00:00.00,0:00:09.00,Caption,,0,0,0,,{text}
"""


def write_ass(path: Path, text: str = "BIG SALE TODAY", w: int = W, h: int = H) -> Path:
    path.write_text(ASS_TEMPLATE.format(w=w, h=h, size=round(h / 16), margin=round(h / 6), text=text), "utf-8")
    return path


@pytest.fixture
def media(shared_data: Path, tmp_path: Path) -> dict[str, Path]:
    still = tmp_path / "still.png"
    gradient = np.linspace(40, 200, 300, dtype=np.uint8)
    Image.fromarray(np.dstack([np.tile(gradient, (200, 1))] * 3)).save(still)
    card = tmp_path / "card.png"
    Image.new("RGB", (400, 400), (10, 160, 60)).save(card)
    return {
        "clip": shared_data / "video/moviepy/chaplin.mp4",
        "still": still,
        "card": card,
        "voice_short": shared_data / "speech/ljspeech/LJ001-0002.wav",  # 1.9 s
        "voice_long": shared_data / "speech/ljspeech/LJ001-0004.wav",  # 5.1 s
        "music": shared_data / "audio/music/Kevin_MacLeod_-_Vibe_Ace.ogg",
        "logo": shared_data / "brand/logos/moviepy_logo.png",
        "fonts": shared_data / "brand/fonts",
    }


def _gray(frame: Image.Image) -> np.ndarray:
    return np.asarray(frame.convert("L"), dtype=np.float32)


def _audio(path: Path) -> np.ndarray:
    """Decoded stereo samples, mixed to mono float32."""
    with av.open(str(path)) as container:
        chunks = [frame.to_ndarray() for frame in container.decode(audio=0)]
    samples = np.concatenate(chunks, axis=1)
    return samples.mean(axis=0)


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))


def test_full_timeline_is_a_platform_ready_mp4(tmp_path, media):
    timeline = Timeline(
        width=W, height=H, fps=FPS,
        visuals=[VideoClip(path=media["clip"], start_s=1.0, end_s=2.5), StillImage(path=media["still"], seconds=1.0)],
        voice=VoiceTrack(path=media["voice_short"], start_s=0.3),
        music=MusicTrack(path=media["music"]),
        subtitles=SubtitleTrack(path=write_ass(tmp_path / "subs.ass"), fonts_dir=media["fonts"]),
        logo=LogoOverlay(path=media["logo"]),
        end_card=EndCard(path=media["card"], seconds=0.5),
    )
    result = render(timeline, tmp_path / "ad.mp4")
    assert result.frames == 90 and result.duration_s == pytest.approx(3.0)
    report = check_streams(result.path, (W, H), 3.0, tolerance_frames=1)
    assert report.ok, report.problems
    assert (report.video_codec, report.video_profile, report.pixel_format) == ("h264", "High", "yuv420p")
    assert (report.audio_codec, report.audio_sample_rate, report.audio_channels) == ("aac", 48000, 2)
    assert (report.color_primaries, report.color_transfer, report.color_matrix) == ("bt709",) * 3
    boxes = mp4_top_level_boxes(result.path)
    assert boxes.index("moov") < boxes.index("mdat")
    # The end card (green, contained on black) closes the video.
    last = np.asarray(extract_frames(result.path, [2.9])[0], dtype=np.float32)
    centre = last[H // 2 - 20:H // 2 + 20, W // 2 - 20:W // 2 + 20]
    assert centre[..., 1].mean() > 120 and centre[..., 0].mean() < 60
    assert not list(tmp_path.glob(".*partial*")), "the staging file must not be left behind"


def test_logo_and_captions_land_where_expected(tmp_path, media):
    base = dict(
        width=W, height=H, fps=FPS, visuals=[StillImage(path=media["still"], seconds=1.0)], loudness_lufs=None
    )
    plain = render(Timeline(**base), tmp_path / "plain.mp4")
    subtitles = SubtitleTrack(path=write_ass(tmp_path / "caption's: [v1].ass"), fonts_dir=media["fonts"])
    branded = render(
        Timeline(**base, logo=LogoOverlay(path=media["logo"], corner="top-right"), subtitles=subtitles),
        tmp_path / "branded.mp4",
    )
    before, after = (_gray(extract_frames(p, [0.5])[0]) for p in (plain.path, branded.path))
    diff = np.abs(after - before)
    logo_w = round(W * 0.12 / 2) * 2
    with Image.open(media["logo"]) as logo:
        logo_h = round(logo_w * logo.height / logo.width)
    # 270x480 is 9:16: the logo keeps out of the account bar and action rail, inside the safe area.
    safe = safe_area("9:16", W, H)
    margin_x, margin_y = W - safe.x1, safe.y0
    logo_box = diff[margin_y:margin_y + logo_h, W - margin_x - logo_w:W - margin_x]
    assert (logo_box > 20).mean() > 0.2, "logo pixels missing in the top-right corner"
    assert diff[:margin_y - 2, :].mean() < 1.5, "nothing may be drawn under the platform's top bar"
    caption_band = diff[H - round(H / 6) - round(H / 16) - 5:H - round(H / 6) + 5, W // 4:3 * W // 4]
    assert caption_band.mean() > 15, "burned-in caption missing above the bottom margin"
    middle = diff[H // 3:H // 2, :]
    assert middle.mean() < 1.5, "the overlays changed pixels outside their places"


def test_timeline_duration_wins_over_longer_voice(tmp_path, media):
    timeline = Timeline(
        width=W, height=H, visuals=[StillImage(path=media["still"], seconds=2.0)],
        voice=VoiceTrack(path=media["voice_long"]),
    )
    result = render(timeline, tmp_path / "long_voice.mp4")
    report = check_streams(result.path, (W, H), 2.0)
    assert report.ok, report.problems
    assert any("voice" in w and "cut" in w for w in result.warnings)
    assert len(_audio(result.path)) == pytest.approx(2.0 * 48000, abs=1024)


def test_short_voice_is_padded_and_short_visuals_hold(tmp_path, media):
    timeline = Timeline(
        width=W, height=H, duration_s=3.0,
        visuals=[VideoClip(path=media["clip"], start_s=8.5)],  # 1.14 s to the end of the file
        voice=VoiceTrack(path=media["voice_short"]),
    )
    result = render(timeline, tmp_path / "padded.mp4")
    report = check_streams(result.path, (W, H), 3.0)
    assert report.ok, report.problems
    assert any("holds its final frame" in w for w in result.warnings)
    samples = _audio(result.path)
    assert _rms(samples[: 48000]) > 0.01  # speech at the start
    assert _rms(samples[int(2.3 * 48000):int(2.9 * 48000)]) < 1e-3  # silence after the 1.9 s voice
    frames = extract_frames(result.path, [2.0, 2.9])
    assert np.abs(_gray(frames[0]) - _gray(frames[1])).mean() < 1.0  # held picture


def test_mix_reaches_the_loudness_target(tmp_path, media):
    timeline = Timeline(
        width=W, height=H, visuals=[StillImage(path=media["still"], seconds=5.0)],
        voice=VoiceTrack(path=media["voice_long"]), music=MusicTrack(path=media["music"]),
        loudness_lufs=-14.0,
    )
    result = render(timeline, tmp_path / "loud.mp4")
    measured = measure_loudness(result.path)
    assert measured.integrated_lufs == pytest.approx(-14.0, abs=1.5)
    assert measured.true_peak_dbtp < -0.5


def test_music_ducks_while_the_voice_speaks(tmp_path, media):
    """Same voice and music with and without ducking: they differ only where the voice speaks."""

    def mix(duck: bool) -> np.ndarray:
        timeline = Timeline(
            width=W, height=H, visuals=[StillImage(path=media["still"], seconds=3.0)],
            voice=VoiceTrack(path=media["voice_long"], start_s=1.2),
            music=MusicTrack(path=media["music"], duck=duck),
        )
        return _audio(render(timeline, tmp_path / f"duck_{duck}.mp4").path)

    ducked, plain = mix(True), mix(False)
    music_only = slice(0, int(1.0 * 48000))
    speaking = slice(int(1.6 * 48000), int(2.8 * 48000))
    removed_while_speaking = _rms(plain[speaking] - ducked[speaking])
    removed_before = _rms(plain[music_only] - ducked[music_only])
    music_level = _rms(plain[music_only])
    assert removed_before < 0.05 * music_level, "music must be untouched before the voice starts"
    # Ducking removes most of the music under the voice (>= ~6 dB less music).
    assert removed_while_speaking > 0.5 * music_level


def test_three_aspects_from_one_timeline(tmp_path, media):
    timeline = Timeline(
        visuals=[VideoClip(path=media["clip"], start_s=2.0, end_s=2.5), StillImage(path=media["still"], seconds=0.5)],
        logo=LogoOverlay(path=media["logo"]),
    )
    outputs = {aspect: tmp_path / f"{aspect.replace(':', 'x')}.mp4" for aspect in ("9:16", "1:1", "16:9")}
    results = render_aspects(timeline, outputs, preset="ultrafast")
    expected = {"9:16": (1080, 1920), "1:1": (1080, 1080), "16:9": (1920, 1080)}
    for aspect, result in results.items():
        report = check_streams(result.path, expected[aspect], 1.0)
        assert report.ok, (aspect, report.problems)


def test_an_aspect_with_its_own_end_card_shows_it_full_frame(tmp_path, media):
    """9:16 fits the portrait card (contained, with bars); 1:1 shows the square card laid out for it."""
    portrait, square = tmp_path / "card-9x16.png", tmp_path / "card-1x1.png"
    Image.new("RGB", (540, 960), (10, 160, 60)).save(portrait)
    Image.new("RGB", (540, 540), (200, 40, 40)).save(square)
    timeline = Timeline(
        visuals=[StillImage(path=media["still"], seconds=0.5)],
        end_card=EndCard(path=portrait, seconds=0.5, background="#000000", by_aspect={"1:1": square}),
    )
    outputs = {aspect: tmp_path / f"{aspect.replace(':', 'x')}.mp4" for aspect in ("9:16", "1:1", "16:9")}
    results = render_aspects(timeline, outputs, preset="ultrafast")

    def last_frame(path):
        with av.open(str(path)) as container:
            return np.asarray(list(container.decode(video=0))[-1].to_image().convert("RGB"), dtype=np.int32)

    square_end = last_frame(results["1:1"].path)
    assert np.abs(square_end - (200, 40, 40)).max(axis=2).mean() < 20  # the square card, edge to edge
    wide_end = last_frame(results["16:9"].path)
    assert wide_end[:, :200].mean() < 20 and abs(wide_end[540, 960, 1] - 160) < 20  # no card of its own: bars


def test_music_that_is_not_audio_is_named(tmp_path, media):
    timeline = Timeline(
        width=W, height=H, visuals=[StillImage(path=media["still"], seconds=1.0)],
        music=MusicTrack(path=media["logo"]),
    )
    with pytest.raises(MediaInputError, match=r"music\.path: .*moviepy_logo\.png is not an audio file"):
        render(timeline, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_bad_visuals_are_named(tmp_path, media):
    audio_as_video = Timeline(width=W, height=H, visuals=[VideoClip(path=media["music"])])
    with pytest.raises(MediaInputError, match=r"visuals\[0\]\.path: .*Vibe_Ace\.ogg is not a video file"):
        render(audio_as_video, tmp_path / "x.mp4")
    missing = Timeline(width=W, height=H, visuals=[StillImage(path=tmp_path / "nope.png", seconds=1)])
    with pytest.raises(MediaInputError, match=r"visuals\[0\]\.path: file .*nope\.png does not exist"):
        render(missing, tmp_path / "x.mp4")
    past_the_end = Timeline(width=W, height=H, visuals=[VideoClip(path=media["clip"], start_s=9.0, end_s=12.0)])
    with pytest.raises(MediaInputError, match=r"chaplin\.mp4 lasts 9\.640 s"):
        render(past_the_end, tmp_path / "x.mp4")


def test_odd_sizes_and_overlong_end_cards_are_rejected(media):
    with pytest.raises(ValueError, match="even"):
        Timeline(width=271, height=480, visuals=[StillImage(path=media["still"], seconds=1)])
    with pytest.raises(ValueError, match="end_card.seconds"):
        Timeline(duration_s=2, visuals=[StillImage(path=media["still"], seconds=1)],
                 end_card=EndCard(path=media["card"], seconds=2))


def test_filter_values_are_escaped_for_both_graph_levels():
    assert escape_filter_value("/a b/it's: [x],y;z.ass") == r"/a b/it\\\'s\\: \[x\]\,y\;z.ass"


def test_assemble_tool_stores_probes_and_caches(tool_context, media, tmp_path):
    tool = get_tool("editor.assemble")
    request = {
        "timeline": {
            "width": W, "height": H,
            "visuals": [{"kind": "image", "path": str(media["still"]), "seconds": 0.5}],
            "voice": {"path": str(media["voice_short"])},
        },
        "preset": "ultrafast",
    }
    first = tool.run(request, tool_context)
    (video,) = first.videos
    assert not video.cached and video.aspect == f"{W}x{H}"
    assert video.video.kind == "video" and Path(video.video.path).is_file()
    assert video.probe["width"] == W and video.probe["faststart"] and not video.probe["problems"]
    assert video.warnings and "voice" in video.warnings[0]
    assert tool.run(request, tool_context).videos[0].cached


def test_each_aspect_shows_the_clip_composed_for_it(tmp_path):
    from adloom.tools.ffmpeg import run_ffmpeg

    tall, wide = tmp_path / "tall.mp4", tmp_path / "wide.mp4"
    for path, colour, size in ((tall, "red", "90x160"), (wide, "blue", "160x90")):
        run_ffmpeg(["-f", "lavfi", "-i", f"color=c={colour}:s={size}:r=30:d=1", "-pix_fmt", "yuv420p", str(path)])
    timeline = Timeline(width=90, height=160, fps=30, loudness_lufs=None,
                        visuals=[VideoClip(path=tall, end_s=1.0, by_aspect={"16:9": wide})])
    outputs = render_aspects(timeline, {"9:16": tmp_path / "a.mp4", "16:9": tmp_path / "b.mp4", "1:1": tmp_path / "c.mp4"})
    middle = {aspect: np.asarray(extract_frames(result.path, [0.5])[0].convert("RGB"))[20:-20, 20:-20].mean(axis=(0, 1))
              for aspect, result in outputs.items()}
    assert middle["9:16"][0] > 200 and middle["9:16"][2] < 60  # its own (the timeline's) red clip
    assert middle["16:9"][2] > 200 and middle["16:9"][0] < 60  # the blue clip made for 16:9
    assert middle["1:1"][0] > 200  # no clip of its own: the timeline's, cover-fitted
