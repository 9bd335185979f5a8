"""The image tool's embedded backend: brand template renderer, legibility read-back, tool agent.

Everything here is real: Pillow renders, RapidOCR (packaged PP-OCRv4 models) reads back,
and the asset store is a real folder. Product photos are frames of real footage from the
shared test data; logos and fonts come from ``shared/data/brand``.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageOps
from pydantic import ValidationError

from adloom.agents.icons import ICON_WORDS, choose_icon, icons_for
from adloom.tools.aspects import ASPECT_SIZES
from adloom.tools.image import (
    ImageInputError,
    TemplateRequest,
    TextFitError,
    match_score,
    render_template,
    safe_area,
)
from adloom.tools.image.compositing import subject_focus
from adloom.tools.image.frame_zones import caption_band
from adloom.tools.image.icons import draw_icon
from adloom.tools.image.inputs import load_image, resolve_font
from adloom.tools.image.layouts import LAYOUTS
from adloom.tools.image.template import split_text_layers
from adloom.tools.image.legibility import OCR_MODEL_KEY, load_text_reader, normalised_words
from adloom.tools.image.palette import (
    BackgroundSample,
    BrandPalette,
    contrast_ratio,
    luminance_array,
    parse_hex,
    pick_text_color,
)
from adloom.tools.image.text_fit import fit_text

BRAND_COLORS = ["#2B1B17", "#F5E6CC", "#D9822B"]
ASPECTS = list(ASPECT_SIZES)
LAYOUT_NAMES = list(LAYOUTS)
DEJAVU_BOLD = str(resolve_font(None))

TEXTS: dict[str, dict[str, str]] = {
    "hero": {"headline": "Cold brew, done right.", "subline": "Steeped for 18 hours from single-origin beans.",
             "cta": "Shop now", "price": "$3.49"},
    "split": {"headline": "Smooth. Bold. Yours.", "subline": "No added sugar, low acidity.", "cta": "Try it today",
              "brand_name": "Northwind Coffee"},
    "headline": {"headline": "18 hours of patience in every can.", "subline": "Northwind Cold Brew", "cta": "Learn more"},
    "quote": {"headline": "The smoothest cold brew I have ever had.", "attribution": "Maya, Seattle",
              "brand_name": "Northwind Coffee"},
    "offer": {"headline": "Summer deal on cold brew", "price": "$3.49", "subline": "This week only.",
              "cta": "Grab yours"},
    "end_card": {"headline": "Good coffee, on the go.", "subline": "northwind.example", "cta": "Order now"},
}


@pytest.fixture(scope="module")
def brand_dir(shared_data: Path) -> Path:
    return shared_data / "brand"


@pytest.fixture(scope="module")
def product_photo(shared_data: Path, tmp_path_factory) -> Path:
    """A real photograph: one frame of PySceneDetect's test footage (leaf on a rock)."""
    source = shared_data / "video" / "pyscenedetect" / "testvideo.mp4"
    with av.open(str(source)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == 100:
                image = frame.to_image()
                break
    # The lower strip carries the footage's copyright watermark; a product shot would not.
    path = tmp_path_factory.mktemp("photos") / "leaf.jpg"
    image.crop((0, 0, image.width, int(image.height * 0.75))).save(path, quality=92)
    return path


def _request(layout: str, aspect: str = "1:1", **overrides) -> TemplateRequest:
    fields = {"layout": layout, "aspect": aspect, "colors": BRAND_COLORS, **TEXTS[layout]}
    fields.update(overrides)
    return TemplateRequest(**fields)


def _inside(box, area) -> bool:
    return area.x0 <= box.x0 and area.y0 <= box.y0 and box.x1 <= area.x1 and box.y1 <= area.y1


def _pixel_contrast(image: Image.Image, placed) -> float:
    """Contrast of a drawn text against the real pixels around its glyphs.

    Glyph cores are the pixels exactly in the text colour (which must really be there);
    the background is everything in the text box farther than 3 px from a core pixel,
    so anti-aliased edges are not mistaken for background. Returns the 1st-percentile
    contrast, i.e. against nearly the worst background pixel.
    """
    crop = np.asarray(image.crop(placed.box.tuple()).convert("RGB"))
    text_rgb = np.array(placed.color, dtype=np.uint8)
    core = np.all(crop == text_rgb, axis=-1)
    assert core.sum() > 0.03 * core.size, f"{placed.field}: text colour not found in its box"
    halo = np.asarray(Image.fromarray(core.astype(np.uint8) * 255).filter(ImageFilter.MaxFilter(7))) > 0
    background = crop[~halo]
    assert background.size > 0
    text_lum = float(luminance_array(text_rgb))
    bg_lum = luminance_array(background)
    ratios = (np.maximum(bg_lum, text_lum) + 0.05) / (np.minimum(bg_lum, text_lum) + 0.05)
    return float(np.percentile(ratios, 1))


# -- every layout at every size -------------------------------------------------------


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_every_layout_renders_at_exact_size_inside_safe_area(layout, aspect, brand_dir, product_photo):
    logo = brand_dir / "logos" / "pyscenedetect_logo.png"
    extra = {} if "brand_name" in TEXTS[layout] else {"logo": str(logo)}
    rendered = render_template(_request(layout, aspect, product_images=[str(product_photo)], **extra))
    width, height = ASPECT_SIZES[aspect]
    decoded = Image.open(io.BytesIO(rendered.png))
    assert decoded.format == "PNG"
    assert decoded.size == (width, height) == (rendered.width, rendered.height)
    safe = safe_area(aspect, width, height)
    drawn = {placed.field for placed in rendered.texts}
    assert drawn == set(TEXTS[layout]), "every given text is drawn, nothing else"
    for placed in rendered.texts:
        assert _inside(placed.box, safe), f"{placed.field} at {placed.box} leaves safe area {safe}"
        assert placed.contrast >= 4.5
    assert rendered.contrast_ratio >= 4.5


@pytest.mark.parametrize("aspect", ASPECTS)
@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_a_video_scene_leaves_the_caption_band_free(layout, aspect, product_photo):
    """The captions' band (where the subtitles tool sets them) holds none of the layout's text."""
    width, height = ASPECT_SIZES[aspect]
    band = caption_band(aspect, width, height)
    rendered = render_template(_request(layout, aspect, product_images=[str(product_photo)], leave_caption_band=True))
    assert {placed.field for placed in rendered.texts} == set(TEXTS[layout])
    for placed in rendered.texts:
        assert placed.box.y1 <= band.y0, f"{placed.field} at {placed.box} reaches the caption band {band}"
    if layout == "hero":  # without the band, its column runs down to the safe area's bottom
        without = render_template(_request(layout, aspect, product_images=[str(product_photo)]))
        assert max(p.box.y1 for p in without.texts) > band.y0


def _dots(size: tuple[int, int], area: tuple[int, int, int, int]) -> Image.Image:
    """A flat grey photo with a busy patch of black dots (its "product") in ``area``."""
    image = Image.new("RGB", size, (200, 200, 200))
    draw = ImageDraw.Draw(image)
    for x in range(area[0], area[2], 20):
        for y in range(area[1], area[3], 20):
            draw.rectangle((x, y, x + 10, y + 10), fill=(0, 0, 0))
    return image


def test_a_cropped_photo_keeps_its_subject_and_leaves_the_text_side_calm():
    wide = _dots((1200, 600), (0, 150, 300, 450))  # the product at the left edge
    assert subject_focus(wide, (1080, 870)) == (0.0, 0.5)  # a centred crop would cut it off
    assert subject_focus(_dots((1200, 600), (450, 150, 750, 450)), (1080, 870)) == (0.5, 0.5)
    tall = _dots((600, 1200), (150, 650, 450, 850))  # below the middle, where the text meets a hero's photo
    plain, calm = subject_focus(tall, (1080, 870)), subject_focus(tall, (1080, 870), "bottom")
    assert calm[1] > plain[1]  # the crop moves down: the product rises above the band the text meets

    def band_detail(focus):
        crop = np.asarray(ImageOps.fit(tall, (1080, 870), centering=focus).convert("L"), dtype=float)
        return np.abs(np.diff(crop[-round(870 * 0.25):], axis=0)).sum()

    assert band_detail(calm) < 0.5 * band_detail((0.5, 0.5))


def test_a_hero_keeps_the_product_of_a_wide_photo_in_view(tmp_path):
    photo = tmp_path / "wide.png"
    _dots((2400, 600), (0, 150, 400, 450)).save(photo)  # a centred crop of the 9:16 photo shows none of it
    rendered = render_template(_request("hero", "9:16", product_images=[str(photo)]))
    top = np.asarray(rendered.image)[:round(1920 * 0.3)]
    assert (top.max(axis=-1) < 60).sum() > 20_000  # the black dots are there


def test_icons_come_from_the_packaged_set_and_only_for_words_the_text_says():
    for name in ICON_WORDS:  # every icon of the table is a real glyph of the packaged font
        canvas = Image.new("RGB", (120, 120), "black")
        draw_icon(canvas, name, (60, 60), 90, (255, 255, 255))
        assert np.asarray(canvas).max() == 255, name
    assert icons_for("Five warmth settings") == ["sun", "sliders"]
    assert icons_for("No added sugar, zero plastic") == []
    assert icons_for("Recyclable cans") == ["recycle", "box"]  # a word's plural calls it too
    assert icons_for("sugar-free cold brew")[0] == "snowflake"
    assert choose_icon(["Solid oak base", "Five warmth settings"], avoid={"tree"}) == "sun"
    assert choose_icon(["Made with care"]) is None
    with pytest.raises(ValidationError, match="unknown icon 'unicorn'"):
        _request("headline", icon="unicorn")
    with pytest.raises(ValidationError, match="icon: layout 'hero' has no place for one with a product photo"):
        _request("hero", icon="leaf", product_images=["photo.png"])
    with pytest.raises(ValidationError, match="icon: layout 'quote' has no place for one at all"):
        _request("quote", icon="leaf")


@pytest.mark.parametrize("layout", ["hero", "split"])
def test_an_icon_stands_in_for_the_missing_photo(layout):
    plain = render_template(_request(layout, "9:16"))
    with_icon = render_template(_request(layout, "9:16", icon="lightbulb"))
    assert [p.box for p in plain.texts] == [p.box for p in with_icon.texts]
    changed = np.any(np.asarray(plain.image) != np.asarray(with_icon.image), axis=-1)
    assert changed.sum() > 2000  # a glyph of thousands of pixels, not a speck
    # ... all of it in the photo's place, none on the texts
    assert sum(int(changed[b.y0:b.y1, b.x0:b.x1].sum()) for b in (p.box for p in with_icon.texts)) == 0


def test_the_headline_layout_sets_its_icon_in_a_disc_above_the_headline():
    plain_request, icon_request = _request("headline", "9:16"), _request("headline", "9:16", icon="lightbulb")
    plain, with_icon = render_template(plain_request), render_template(icon_request)
    head = next(p.box for p in with_icon.texts if p.field == "headline")
    assert head.y0 > next(p.box for p in plain.texts if p.field == "headline").y0  # moved down to make room
    accent = BrandPalette.from_hex(BRAND_COLORS).accent
    unit = 1080 / 100
    disc = np.asarray(with_icon.image)[round(head.y0 - 25 * unit):round(head.y0 - 10 * unit), :head.x1]
    assert np.all(disc == accent, axis=-1).sum() > 0.5 * (15 * unit) ** 2  # the disc, less its icon
    # The disc and icon travel with the headline's layer: the backgrounds are the same.
    assert np.array_equal(np.asarray(split_text_layers(plain_request, plain).background),
                          np.asarray(split_text_layers(icon_request, with_icon).background))


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_contrast_measured_from_pixels_under_each_text(layout, brand_dir, product_photo):
    rendered = render_template(
        _request(layout, "4:5", product_images=[str(product_photo)], logo=str(brand_dir / "logos" / "moviepy_logo.png"))
        if "brand_name" not in TEXTS[layout]
        else _request(layout, "4:5", product_images=[str(product_photo)])
    )
    for placed in rendered.texts:
        measured = _pixel_contrast(rendered.image, placed)
        assert measured >= 4.5, f"{layout}/{placed.field}: {measured:.2f}:1 measured on the pixels"


def test_safe_zone_of_9_16_keeps_platform_ui_areas_clear():
    safe = safe_area("9:16", 1080, 1920)
    assert safe.y0 >= 0.12 * 1920 and safe.y1 <= 0.80 * 1920
    assert safe_area("16:9", 1920, 1080).x1 < 1920


# -- legibility: OCR read-back -------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "aspect"), [("hero", "9:16"), ("quote", "1:1"), ("end_card", "16:9")]
)
def test_ocr_reads_back_the_headline(layout, aspect, tool_context, brand_dir, product_photo):
    from adloom.tools.image.tool import render_image

    request = _request(layout, aspect, product_images=[str(product_photo)])
    result = render_image(request, tool_context)
    assert result.legible and result.ocr_match >= 0.8
    read = set(normalised_words(result.ocr_text))
    assert set(normalised_words(request.headline)) <= read
    assert result.image.metadata["ocr_text"] == result.ocr_text
    assert result.image.metadata["contrast_ratio"] >= 4.5
    assert tool_context.models.keys() == [OCR_MODEL_KEY]


def test_unreadable_words_are_reported_after_one_retry(tool_context):
    from adloom.tools.image.tool import render_image

    # PP-OCR's English/Chinese models cannot read Armenian, so the match stays near zero.
    result = render_image(_request("headline", headline="Բարեւ աշխարհ բոլորին", subline=None, cta=None),
                          tool_context)
    assert result.legible is False
    assert result.ocr_match < 0.8
    assert result.image.metadata["attempts"] == 2
    assert Path(result.image.path).is_file()


def test_match_score_is_normalised_and_order_insensitive():
    assert match_score("Cold brew, done right.", "done RIGHT cold-brew") == 1.0
    assert match_score("$3.49 only", "3.49 ONLY!") == 1.0
    assert match_score("Shop now", "Shopnow") == 1.0  # OCR dropped the space
    assert match_score("one two three four", "one two") == 0.5
    assert match_score("now now", "now") == 0.5  # repeated words need repeated reads
    assert match_score("", "anything") == 1.0
    assert match_score("16 oz leather", "16 0z leather") == 1.0  # a letter read as the digit it looks like
    assert match_score("16 oz", "1b oz") == 0.5  # a number is not guessed at


# -- compositing, fonts ---------------------------------------------------------------


def test_product_photo_and_logo_are_composited(brand_dir, product_photo):
    logo_path = brand_dir / "logos" / "pyscenedetect_logo.png"
    plain = render_template(_request("hero", "1:1", subline=None, price=None))
    full = render_template(_request("hero", "1:1", subline=None, price=None, product_images=[str(product_photo)],
                                    logo=str(logo_path)))
    ground = np.array(parse_hex(BRAND_COLORS[0]), dtype=np.int16)
    region = np.asarray(full.image)[150:300, 500:950].astype(np.int16)  # middle of the photo area
    assert np.abs(region - ground).sum(axis=-1).mean() > 60, "photo area is not the plain background"
    assert region.std() > 10, "photo area has photographic texture"
    assert not np.array_equal(np.asarray(plain.image)[150:300, 500:950], region.astype(np.uint8))
    # The logo's dark slate ink (#2A3542-ish) appears in the top-left corner of the safe area.
    safe = safe_area("1:1", 1080, 1080)
    corner = np.asarray(full.image)[safe.y0:safe.y0 + 150, safe.x0:safe.x0 + 480].astype(np.int16)
    slate = np.array([44, 54, 67], dtype=np.int16)
    assert (np.abs(corner - slate).sum(axis=-1) < 40).sum() > 500


def test_picture_tones_grade_the_photo_and_never_the_brand_colours(brand_dir, product_photo):
    from adloom.tools.image.grading import grade

    photo = [str(product_photo)]
    neutral = render_template(_request("hero", "1:1", subline=None, price=None, product_images=photo))
    warm = render_template(_request("hero", "1:1", subline=None, price=None, product_images=photo,
                                    picture_tones=["warmer"]))
    cool = render_template(_request("hero", "1:1", subline=None, price=None, product_images=photo,
                                    picture_tones=["cooler"]))

    def red_minus_blue(rendered) -> float:
        region = np.asarray(rendered.image)[150:300, 500:950].astype(np.float64)  # inside the photo
        return float((region[..., 0] - region[..., 2]).mean())

    assert red_minus_blue(warm) > red_minus_blue(neutral) + 8 > red_minus_blue(cool) + 16
    assert warm.contrast_ratio >= 4.5
    # Without a picture, nothing is graded: the brand's colours stay exactly as they are.
    plain = render_template(_request("headline", "1:1", picture_tones=["warmer"]))
    assert plain.png == render_template(_request("headline", "1:1")).png
    assert any(note.startswith("picture_tones: this layout has no picture") for note in plain.notes)

    gray = Image.new("RGBA", (4, 4), (120, 120, 120, 77))
    assert grade(gray, ["brighter"]).getpixel((0, 0))[3] == 77  # alpha kept
    assert grade(gray, ["darker"]).getpixel((0, 0))[0] < 120
    with pytest.raises(ValueError, match="unknown tone 'sepia'"):
        grade(gray, ["sepia"])
    with pytest.raises(ValueError, match="picture_tones"):
        _request("hero", "1:1", picture_tones=["sepia"])


def test_photo_exif_orientation_is_respected(tmp_path):
    path = tmp_path / "rotated.jpg"
    image = Image.new("RGB", (200, 100), (200, 30, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    image.save(path, exif=exif)
    assert load_image("product_images[0]", path).size == (100, 200)


def test_brand_font_from_brief_is_used(brand_dir):
    league = brand_dir / "fonts" / "LeagueGothic-Regular.ttf"
    default = render_template(_request("headline", "1:1", subline=None, cta=None))
    branded = render_template(_request("headline", "1:1", subline=None, cta=None, font=str(league)))
    assert Path(default.font_path).name == "DejaVuSans-Bold.ttf"
    assert branded.font_path == league
    # League Gothic is condensed: the same words take fewer lines or a larger size.
    d, b = default.texts[0], branded.texts[0]
    assert (len(b.lines), -b.size) < (len(d.lines), -d.size)
    assert default.png != branded.png


def test_system_font_is_found_without_a_brief_font():
    assert resolve_font(None).name.startswith("DejaVuSans")


def test_long_headline_wraps_and_stays_inside_safe_margins():
    words = ("Our cold brew is steeped slowly for eighteen hours from single-origin Colombian beans "
             "so every can tastes smooth, naturally sweet and low in acidity")
    request = _request("headline", "9:16", headline=words[:160], subline=None, cta=None)
    rendered = render_template(request)
    assert len(rendered.texts[0].lines) >= 4
    # The ink is what differs from the same render without its texts (the brand shapes behind
    # them run off the frame's corners on purpose).
    background = np.asarray(split_text_layers(request, rendered).background).astype(np.int16)
    pixels = np.asarray(rendered.image).astype(np.int16)
    ys, xs = np.nonzero(np.abs(pixels - background).sum(axis=-1) > 0)
    safe = safe_area("9:16", 1080, 1920)
    assert safe.x0 <= xs.min() and xs.max() < safe.x1
    assert safe.y0 <= ys.min() and ys.max() < safe.y1


def test_text_never_overflows_and_impossible_text_fails_clearly():
    fitted = fit_text("Supercalifragilisticexpialidocious", DEJAVU_BOLD, 200, 400, max_size=120, min_size=40)
    assert fitted.width <= 200 and fitted.height <= 400 and fitted.shrunk_below_minimum
    with pytest.raises(TextFitError, match="headline"):
        fit_text("far too many words for a tiny box " * 4, DEJAVU_BOLD, 60, 20, max_size=40, min_size=20,
                 field="headline")


def test_wrapping_does_not_strand_a_short_word():
    fitted = fit_text("18 hours of patience in every can.", DEJAVU_BOLD, 908, 1000, max_size=173, min_size=60)
    assert all(len(line) > 3 for line in fitted.lines), fitted.lines


# -- palette and contrast -------------------------------------------------------------


def test_wcag_contrast_values():
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast_ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio((43, 27, 23), (245, 230, 204)) > 13


def test_palette_fallback_when_no_brand_pair_reaches_4_5():
    palette = BrandPalette.from_hex(["#FFD400", "#FFFFFF"])
    choice = pick_text_color(BackgroundSample.flat(parse_hex("#FFD400")), list(palette.colors))
    assert not choice.from_palette and choice.contrast >= 4.5
    rendered = render_template(TemplateRequest(layout="headline", aspect="1:1", headline="Sunny days",
                                               colors=["#FFD400", "#FFFFFF"]))
    assert rendered.palette_fallback and rendered.contrast_ratio >= 4.5
    assert any("no brand colour reaches" in note for note in rendered.notes)


# -- bad input ------------------------------------------------------------------------


def test_corrupt_product_photo_names_field_and_file(tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG this is not really an image" * 10)
    with pytest.raises(ImageInputError) as info:
        render_template(_request("hero", product_images=[str(bad)]))
    message = str(info.value)
    assert message.startswith("product_images[0]: ") and str(bad) in message
    assert "not a readable image" in message
    assert info.value.field == "product_images[0]"


def test_missing_font_and_logo_name_the_file(tmp_path, brand_dir):
    with pytest.raises(ImageInputError, match=r"^font: /no/such/Brand\.ttf does not exist$"):
        render_template(_request("headline", font="/no/such/Brand.ttf"))
    not_a_font = brand_dir / "logos" / "moviepy_logo.png"
    with pytest.raises(ImageInputError, match=r"^font: .*moviepy_logo\.png is not a readable font"):
        render_template(_request("headline", font=str(not_a_font)))
    with pytest.raises(ImageInputError, match=r"^logo: .*missing\.png does not exist$"):
        render_template(_request("headline", logo=str(tmp_path / "missing.png")))


def test_no_system_font_says_how_to_fix(monkeypatch):
    from adloom.tools.image import inputs

    monkeypatch.setattr(inputs, "SYSTEM_FONT_CANDIDATES", ())
    monkeypatch.setenv("PATH", "")  # and no fc-match to ask
    with pytest.raises(ImageInputError, match="fonts-dejavu-core"):
        resolve_font(None)


def test_request_rejects_texts_a_layout_cannot_draw():
    with pytest.raises(ValidationError, match="cta: layout 'quote' has no place for it"):
        TemplateRequest(layout="quote", headline="Great", cta="Buy")
    with pytest.raises(ValidationError, match="price: required by layout 'offer'"):
        TemplateRequest(layout="offer", headline="Deal")
    with pytest.raises(ValidationError):
        TemplateRequest(layout="hero", aspect="3:2", headline="x")


# -- the tool agent: determinism, cache, backend ---------------------------------------


def test_same_input_gives_same_bytes(product_photo, brand_dir):
    request = _request("offer", "9:16", product_images=[str(product_photo)],
                       logo=str(brand_dir / "logos" / "feedparser_logo.png"))
    first, second = render_template(request), render_template(request)
    assert hashlib.sha256(first.png).hexdigest() == hashlib.sha256(second.png).hexdigest()


def test_repeated_call_is_served_from_the_asset_cache(tool_context, monkeypatch, product_photo, tmp_path):
    from adloom.tools.image import tool as image_tool
    from adloom.tools.image import template

    request = _request("split", "4:5", product_images=[str(product_photo)])
    first = image_tool.render_image(request, tool_context)
    assert not first.from_cache

    def must_not_render(*args, **kwargs):
        raise AssertionError("the cached render should have been reused")

    monkeypatch.setattr(template, "render_legible", must_not_render)
    second = image_tool.render_image(request, tool_context)
    assert second.from_cache and second.image == first.image
    # The same photo under another name is the same input: still a cache hit.
    copy = tmp_path / "renamed.jpg"
    copy.write_bytes(product_photo.read_bytes())
    third = image_tool.render_image(_request("split", "4:5", product_images=[str(copy)]), tool_context)
    assert third.from_cache and third.image.sha256 == first.image.sha256


def test_tool_is_registered_and_stores_png(tool_context):
    from adloom.tools.registry import load_tools

    spec = load_tools(plugins=False)["image.render"]
    result = spec.run(spec.example(), tool_context)
    assert result.image.kind == "image" and result.image.tool == "image.render"
    assert result.image.backend == "template"
    assert Image.open(result.image.path).size == (1080, 1080)
    assert hashlib.sha256(Path(result.image.path).read_bytes()).hexdigest() == result.image.sha256
    assert {"layout", "contrast_ratio", "ocr_text", "ocr_match", "legible"} <= set(result.image.metadata)


def test_the_template_lays_out_the_words_whatever_backend_makes_pictures(tool_context):
    from adloom.tools.image.tool import render_image

    tool_context.settings.image.backend = "diffusers"  # pictures come from image.generate; words from here
    result = render_image(_request("headline"), tool_context)
    assert result.legible and result.image.backend == "template"


# -- texts on their own layers ---------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUT_NAMES)
def test_texts_lift_off_onto_layers_that_give_the_render_back(layout, brand_dir, product_photo):
    request = _request(layout, "9:16", product_images=[str(product_photo)])
    rendered = render_template(request)
    split = split_text_layers(request, rendered)
    assert [layer.field for layer in split.layers] == [
        t.field for t in sorted(rendered.texts, key=lambda t: (t.box.y0, t.box.x0))]
    composite = split.background.convert("RGBA")
    for layer in split.layers:
        composite.alpha_composite(layer.image, (layer.x, layer.y))
    assert np.array_equal(np.asarray(composite.convert("RGB")), np.asarray(rendered.image.convert("RGB")))
    # Each layer holds its own text: its box (measured, a few px round the ink) is on the layer.
    for layer, placed in zip(split.layers, sorted(rendered.texts, key=lambda t: (t.box.y0, t.box.x0))):
        x0, y0 = max(layer.x, placed.box.x0), max(layer.y, placed.box.y0)
        x1 = min(layer.x + layer.image.width, placed.box.x1)
        y1 = min(layer.y + layer.image.height, placed.box.y1)
        assert max(0, x1 - x0) * max(0, y1 - y0) >= 0.9 * placed.box.width * placed.box.height, placed.field


def test_the_background_layer_has_no_words_and_the_price_badge_moves_with_its_price(tool_context):
    request = _request("offer", "9:16")
    rendered = render_template(request)
    split = split_text_layers(request, rendered)
    reader = tool_context.models.get(OCR_MODEL_KEY, load_text_reader)
    assert reader.read(split.background).text.strip() == ""
    price = next(layer for layer in split.layers if layer.field == "price")
    placed = next(t for t in rendered.texts if t.field == "price")
    # The round badge is on the price's layer: much wider than the price's own ink.
    assert price.image.width > 1.5 * placed.box.width


def test_the_tool_stores_the_background_and_each_text_layer(tool_context):
    from adloom.tools.registry import load_tools

    spec = load_tools(plugins=False)["image.render"]
    result = spec.run(spec.example(), tool_context)
    assert result.background is not None and Image.open(result.background.path).size == (1080, 1080)
    assert [layer.field for layer in result.text_layers] == ["headline", "subline", "cta"]
    for layer in result.text_layers:
        assert Image.open(layer.image.path).mode == "RGBA"
    again = spec.run(spec.example(), tool_context)
    assert again.from_cache and again.text_layers == result.text_layers


@pytest.mark.parametrize("aspect", ASPECTS)
def test_the_end_card_shows_the_product_in_every_aspect(aspect, product_photo):
    with_photo = render_template(_request("end_card", aspect, brand_name="Northwind Coffee",
                                          product_images=[str(product_photo)]))
    texts = {placed.field: placed.box for placed in with_photo.texts}
    assert set(texts) == {"brand_name", "headline", "subline", "cta"}  # brand, words and CTA all there
    pixels = np.asarray(with_photo.image.convert("L"), dtype=np.float32)
    if aspect in ("9:16", "4:5"):
        # One column: the photo card sits between the brand mark and the tagline.
        card = pixels[texts["brand_name"].y1 + 40:texts["headline"].y0 - 20, with_photo.width // 3:2 * with_photo.width // 3]
    else:
        # The photo beside the column, whose words all keep to the right of it.
        assert min(box.x0 for box in texts.values()) > 0.45 * with_photo.width
        card = pixels[texts["headline"].y0:texts["headline"].y1, : int(0.4 * with_photo.width)]
    assert card.size and card.std() > 20  # the sharp photo, not the blurred backdrop
