"""Ken Burns / parallax video from key images: real ffmpeg encodes, probed and decoded back."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw

from adloom.config import Settings
from adloom.storage.assets import AssetStore
from adloom.tools.config import VideoSettings
from adloom.tools.context import ToolContext
from adloom.tools.editor.inputs import MediaInputError
from adloom.tools.ffmpeg import probe
from adloom.tools.registry import get_tool
from adloom.tools.video import KenBurnsScene, plan_spans, render_kenburns
from adloom.tools.video.errors import VideoBackendError
from adloom.tools.video.tool import AnimateRequest, AnimateScene

FPS = 30


def _key_image(path: Path, tint: tuple[int, int, int], size=(360, 640)) -> Path:
    """A textured picture dominated by ``tint``: motion shows as changed pixels, colour tells scenes apart."""
    width, height = size
    image = Image.new("RGB", size, tint)
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(sum(tint))
    for _ in range(40):
        x, y, r = int(rng.integers(0, width)), int(rng.integers(0, height)), int(rng.integers(8, 40))
        shade = tuple(int(c * 0.5) for c in tint)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade, outline=(255, 255, 255), width=3)
    for x in range(0, width, 24):
        draw.line((x, 0, x, height), fill=(255, 255, 255), width=1)
    image.save(path)
    return path


@pytest.fixture
def key_images(tmp_path: Path) -> dict[str, Path]:
    return {
        "red": _key_image(tmp_path / "red.png", (220, 40, 40)),
        "blue": _key_image(tmp_path / "blue.png", (40, 40, 220), size=(640, 360)),
        "green": _key_image(tmp_path / "green.png", (40, 200, 40), size=(500, 500)),
    }


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24").astype(np.float32) for frame in container.decode(video=0)]


def test_spans_overlap_so_the_total_is_the_sum_of_scenes():
    spans, overlap, total = plan_spans([1.0, 0.8, 0.7], FPS, 0.4)
    assert total == 75 and overlap == 12
    # Transitions are centred on the planned cuts (frames 30 and 54).
    assert [s.start_frame for s in spans] == [0, 24, 48]
    assert [s.frames for s in spans] == [36, 36, 27]
    # Chained xfades: each output length is the next transition's start plus its length.
    length = spans[0].frames
    for span in spans[1:]:
        assert length == span.start_frame + overlap
        length = span.start_frame + span.frames
    assert length == total


def test_transition_shrinks_to_the_shortest_scene():
    spans, overlap, total = plan_spans([0.2, 2.0], FPS, 0.4)
    assert overlap == 6 and total == 66
    assert spans[1].start_frame == 3 and spans[0].frames == 9


def test_render_lasts_the_planned_time_moves_and_blends(tmp_path, key_images):
    scenes = [
        KenBurnsScene(key_images["red"], 1.0, "zoom_in"),
        KenBurnsScene(key_images["blue"], 0.8, "pan_left"),
        KenBurnsScene(key_images["green"], 0.7, "parallax"),
    ]
    result = render_kenburns(scenes, tmp_path / "kb.mp4", width=270, height=480, fps=FPS, transition="crossfade")
    info = probe(result.path)
    assert info.video is not None and info.audio is None
    assert (info.video.width, info.video.height) == (270, 480)
    assert info.video.codec == "h264" and info.video.pixel_format == "yuv420p"
    assert abs(info.duration_s - 2.5) <= 1 / FPS + 1e-6
    frames = _frames(result.path)
    assert len(frames) == 75 == result.frames

    # Motion: within each scene, the picture keeps changing.
    for first, last in [(0, 20), (38, 46), (60, 74)]:
        assert np.abs(frames[first] - frames[last]).mean() > 3, (first, last)

    # The crossfade at the first cut (frame 30, transition 24..35) mixes red and blue.
    def red_minus_blue(frame: np.ndarray) -> float:
        return float(frame[..., 0].mean() - frame[..., 2].mean())

    before, middle, after = red_minus_blue(frames[22]), red_minus_blue(frames[30]), red_minus_blue(frames[38])
    assert before > 60 and after < -60
    assert after + 30 < middle < before - 30


def test_a_dip_never_shows_two_scenes_at_once(tmp_path, key_images):
    """The default join: the first scene fades to black, then the next fades in; at the cut, neither shows."""
    scenes = [KenBurnsScene(key_images["red"], 1.0, "zoom_in"), KenBurnsScene(key_images["blue"], 1.0, "zoom_in")]
    result = render_kenburns(scenes, tmp_path / "dip.mp4", width=128, height=224, fps=FPS, preset="ultrafast")
    frames = _frames(result.path)
    assert len(frames) == 60
    assert frames[30].mean() < 25  # black at the cut, where a crossfade would show both scenes' texts
    assert frames[18][..., 0].mean() > frames[18][..., 2].mean() + 60  # red before
    assert frames[42][..., 2].mean() > frames[42][..., 0].mean() + 60  # blue after


@pytest.mark.parametrize("transition", ["wipe", "slide", "none", "dip"])
def test_every_transition_keeps_the_total_duration(tmp_path, key_images, transition):
    scenes = [KenBurnsScene(key_images["red"], 0.5, "zoom_out"), KenBurnsScene(key_images["blue"], 0.5, "pan_up")]
    result = render_kenburns(
        scenes, tmp_path / f"{transition}.mp4", width=128, height=224, transition=transition, preset="ultrafast"
    )
    assert len(_frames(result.path)) == 30


def test_a_missing_or_non_image_key_image_is_named(tmp_path, key_images):
    not_image = tmp_path / "notes.txt"
    not_image.write_text("not a picture")
    with pytest.raises(MediaInputError, match=r"scenes\[1\]\.image.*notes\.txt"):
        render_kenburns(
            [KenBurnsScene(key_images["red"], 1.0), KenBurnsScene(not_image, 1.0)],
            tmp_path / "x.mp4", width=128, height=224,
        )
    with pytest.raises(MediaInputError, match=r"scenes\[0\]\.image.*missing\.png"):
        render_kenburns([KenBurnsScene(tmp_path / "missing.png", 1.0)], tmp_path / "x.mp4", width=128, height=224)
    assert not (tmp_path / "x.mp4").exists()


def test_animate_tool_renders_through_the_asset_cache(tool_context, key_images):
    tool = get_tool("video.animate")
    request = AnimateRequest(
        scenes=[
            AnimateScene(image=key_images["red"], seconds=0.5),
            AnimateScene(image=key_images["blue"], seconds=0.4),
        ],
        width=128, height=224, preset="ultrafast",
    )
    first = tool.run(request, tool_context)
    assert not first.cached and first.backend == "kenburns"
    assert first.frames == 27 and first.duration_s == pytest.approx(0.9)
    assert first.video.kind == "video" and Path(first.video.path).is_file()
    info = probe(first.video.path)
    assert (info.video.width, info.video.height) == (128, 224)

    again = tool.run(request, tool_context)
    assert again.cached and again.video == first.video


def test_animate_tool_names_the_config_key_for_other_backends(tmp_path, key_images):
    settings = Settings(data_dir=tmp_path / "data", video=VideoSettings(backend="cogvideox"))
    ctx = ToolContext(settings=settings, assets=AssetStore(settings.data_dir))
    request = AnimateRequest(scenes=[AnimateScene(image=key_images["red"], seconds=0.5)], width=64, height=64)
    with pytest.raises(VideoBackendError, match=r"\[video\] backend.*cogvideox"):
        get_tool("video.animate").run(request, ctx)


@pytest.mark.slow
def test_full_size_portrait_render(tmp_path, key_images):
    """One real 1080x1920 render (3 s): the size the platforms get."""
    scenes = [KenBurnsScene(key_images["red"], 1.5, "zoom_in"), KenBurnsScene(key_images["green"], 1.5, "parallax")]
    result = render_kenburns(scenes, tmp_path / "full.mp4", width=1080, height=1920)
    info = probe(result.path)
    assert (info.video.width, info.video.height) == (1080, 1920)
    assert abs(info.duration_s - 3.0) <= 1 / FPS + 1e-6
    with av.open(str(result.path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 90


# --- text stays in the frame ----------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from adloom.tools.video.kenburns import Move, plan_move  # noqa: E402

MOVES = ["zoom_in", "zoom_out", "pan_left", "pan_right", "pan_up", "pan_down"]


@st.composite
def regions(draw):
    x0, x1 = sorted(draw(st.lists(st.floats(0, 1), min_size=2, max_size=2, unique=True)))
    y0, y1 = sorted(draw(st.lists(st.floats(0, 1), min_size=2, max_size=2, unique=True)))
    return x0, y0, x1, y1


@settings(max_examples=300, deadline=None)
@given(motion=st.sampled_from(MOVES), keep=regions(), progress=st.floats(0, 1))
def test_every_frame_of_a_move_shows_the_whole_text_region(motion, keep, progress):
    x0, y0, x1, y1 = plan_move(motion, keep).window(progress)
    tolerance = 1e-6
    assert x0 <= keep[0] + tolerance and x1 >= keep[2] - tolerance
    assert y0 <= keep[1] + tolerance and y1 >= keep[3] - tolerance


def test_moves_still_move_when_the_text_leaves_room():
    safe_text = (0.08, 0.12, 0.92, 0.5)  # a 9:16 card's headline and subline across the safe width
    for motion in MOVES:
        move = plan_move(motion, safe_text)
        assert move != Move((1, 1), (0.5, 0.5), (0.5, 0.5)), motion
        travel = [abs(move.window(1)[i] - move.window(0)[i]) for i in range(4)]
        assert max(travel) > 0.05, (motion, travel)  # at least 5% of the frame: a move you can see


def _edge_to_edge_bar(path: Path, size=(360, 640)) -> tuple[Path, tuple[float, float, float, float]]:
    """A textured picture with a pure-red bar across the safe width: the 'headline'."""
    _key_image(path, (40, 60, 90), size)
    image = Image.open(path)
    width, height = size
    bar = (round(0.08 * width), round(0.15 * height), round(0.92 * width), round(0.2 * height))
    ImageDraw.Draw(image).rectangle(bar, fill=(255, 0, 0))
    image.save(path)
    return path, (bar[0] / width, bar[1] / height, (bar[2] + 1) / width, (bar[3] + 1) / height)


def _red_extent(frame: np.ndarray) -> tuple[int, int]:
    red = (frame[..., 0] > 200) & (frame[..., 1] < 80) & (frame[..., 2] < 80)
    columns = np.flatnonzero(red.any(axis=0))
    return int(columns.min()), int(columns.max())


@pytest.mark.parametrize("keep_text", [True, False])
def test_a_pan_keeps_the_headline_inside_the_frame(tmp_path, keep_text):
    image, region = _edge_to_edge_bar(tmp_path / "card.png")
    scene = KenBurnsScene(image, 1.0, "pan_right", region if keep_text else None)
    result = render_kenburns([scene], tmp_path / "pan.mp4", width=360, height=640, fps=FPS)
    with av.open(str(result.path)) as container:
        extents = [_red_extent(frame.to_ndarray(format="rgb24")) for frame in container.decode(video=0)]
    touches_an_edge = [left <= 1 or right >= 358 for left, right in extents]
    if keep_text:
        assert not any(touches_an_edge)  # both ends of the bar in every frame
        assert extents[0] != extents[-1]  # and the camera did move
    else:
        assert any(touches_an_edge)  # the unconstrained pan slides it off: what the region prevents


def test_the_animator_keeps_every_drawn_text_of_a_key_image_in_view():
    from adloom.agents.animator import text_region
    from adloom.storage.assets import AssetRef

    image = AssetRef(path="/x.png", sha256="0" * 64, kind="image", tool="image.render", metadata={
        "width": 1080, "height": 1920,
        "texts": [{"field": "headline", "box": [86, 230, 994, 520]}, {"field": "brand_name", "box": [86, 1500, 400, 1540]}],
    })
    assert text_region(image) == pytest.approx((86 / 1080, 230 / 1920, 994 / 1080, 1540 / 1920))
    assert text_region(image.model_copy(update={"metadata": {"width": 1080, "height": 1920, "texts": []}})) is None


def test_where_text_shows_on_screen_over_a_move_and_after_a_crop_to_another_shape():
    from adloom.tools.editor.timeline import region_after_cover
    from adloom.tools.video.kenburns import text_on_screen

    headline, brand = (0.08, 0.22, 0.92, 0.4), (0.08, 0.78, 0.4, 0.8)
    keep = (0.08, 0.22, 0.92, 0.8)
    for motion in MOVES + ["parallax"]:
        shown_headline, shown_brand = text_on_screen(motion, keep, [headline, brand])
        assert shown_headline[3] < shown_brand[1]  # the gap between the texts stays free for captions
        for progress in (0.0, 0.5, 1.0):  # the bound holds the box wherever the camera is
            if motion == "parallax":
                continue
            move = plan_move(motion, keep)
            x0, y0, x1, _ = move.window(progress)
            size = x1 - x0
            top = (headline[1] - y0) / size
            assert shown_headline[1] - 1e-9 <= top <= shown_headline[3]
    # The editor cover-fits the 9:16 video to 4:5 by cutting 285 px off the top and bottom.
    assert region_after_cover(headline, (1080, 1920), (1080, 1350)) == pytest.approx(
        (0.08, (0.22 * 1920 - 285) / 1350, 0.92, (0.4 * 1920 - 285) / 1350))
    assert region_after_cover((0.1, 0.0, 0.9, 0.1), (1080, 1920), (1080, 1080)) is None  # cropped away


def _text_layer(path: Path, size=(200, 60)) -> Path:
    """A white bar with a black border on a transparent picture: easy to find in a frame."""
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rectangle((0, 0, size[0] - 1, size[1] - 1), fill=(255, 255, 255, 255),
                                    outline=(0, 0, 0, 255), width=6)
    layer.save(path)
    return path


def test_text_layers_stay_put_and_appear_in_turn_while_the_background_moves(tmp_path, key_images):
    from adloom.tools.video.kenburns import REVEAL_S, TextOverlay, reveal_times

    texts = (TextOverlay(_text_layer(tmp_path / "a.png"), 80, 100), TextOverlay(_text_layer(tmp_path / "b.png"), 80, 400))
    scene = KenBurnsScene(key_images["red"], 2.0, "zoom_in", texts=texts)
    render_kenburns([scene], tmp_path / "layered.mp4", width=360, height=640, fps=FPS, preset="ultrafast")
    frames = _frames(tmp_path / "layered.mp4")
    first, second = reveal_times(2, 2.0)
    assert first < second

    def white(frame: np.ndarray, top: int) -> float:
        return float(frame[top + 15:top + 45, 100:260].mean())

    before = frames[int(first * FPS) - 1]
    assert white(before, 100) < 200 and white(before, 400) < 200  # neither text is there yet
    between = frames[int((first + REVEAL_S) * FPS) + 1]
    if (first + REVEAL_S) < second:
        assert white(between, 100) > 240 and white(between, 400) < 200  # the first before the second
    late, last = frames[int(1.2 * FPS)], frames[-1]
    for frame in (late, last):
        assert white(frame, 100) > 240 and white(frame, 400) > 240
    # The texts did not move with the camera; the picture around them did.
    assert np.abs(late[100:160, 80:280] - last[100:160, 80:280]).mean() < 2
    assert np.abs(late[200:380] - last[200:380]).mean() > 5


def test_a_layered_scene_refuses_parallax(tmp_path, key_images):
    from adloom.tools.video.kenburns import TextOverlay

    scene = KenBurnsScene(key_images["red"], 1.0, "parallax",
                          texts=(TextOverlay(_text_layer(tmp_path / "a.png"), 10, 10),))
    with pytest.raises(ValueError, match="parallax"):
        render_kenburns([scene], tmp_path / "x.mp4", width=360, height=640, fps=FPS)


def test_slide_reveal_brings_the_text_in_from_the_left(tmp_path, key_images):
    from adloom.tools.video.kenburns import REVEAL_S, TextOverlay, reveal_times

    texts = (TextOverlay(_text_layer(tmp_path / "a.png"), 80, 100),)
    scene = KenBurnsScene(key_images["red"], 2.0, "zoom_in", texts=texts, reveal="slide")
    render_kenburns([scene], tmp_path / "slide.mp4", width=360, height=640, fps=FPS, preset="ultrafast")
    frames = _frames(tmp_path / "slide.mp4")

    def left_edge(frame: np.ndarray) -> int:
        white = np.flatnonzero(frame[125:135].mean(axis=(0, 2)) > 235)  # the bar's white rows, not its border
        return int(white[0]) if len(white) else -1

    [start] = reveal_times(1, 2.0)
    arriving = frames[int((start + REVEAL_S * 0.4) * FPS)]
    settled = frames[-1]
    assert 0 <= left_edge(arriving) < left_edge(settled) - 3  # still on its way in from the left
    assert abs(left_edge(settled) - 86) <= 2  # in place: x 80 plus the 6 px border
