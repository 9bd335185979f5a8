"""The six ad layouts. Each paints one :class:`Canvas` from one :class:`LayoutContent`.

Without a product photo, hero and split show a spotlight with the product's icon as its
stand-in; the headline layout may set a scene's icon in a disc above its headline.

Every layout draws every text it is given (the request model rejects a text a layout
has no place for), keeps all text, buttons and the logo inside ``canvas.safe`` (the
platform's UI-free zone), and lets only photos and background colour run to the edges.
Sizes are written in ``canvas.px(units)`` where one unit is 1% of the short side, so
one description serves 1080x1920, 1080x1350, 1080x1080 and 1920x1080.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image, ImageDraw, ImageFilter

from adloom.tools.image.canvas import (
    ATTRIBUTION,
    HEADLINE,
    SUBLINE,
    WORDMARK,
    Align,
    Block,
    Box,
    Canvas,
    TextRole,
)
from adloom.tools.image.compositing import has_transparency, linear_fade, paste_with_shadow, radial_glow, shape_mask
from adloom.tools.image.icons import draw_icon
from adloom.tools.image.inputs import ornament_font
from adloom.tools.image.palette import NEAR_BLACK, NEAR_WHITE, contrast_ratio, mix
from adloom.tools.image.text_fit import font_at

LayoutName = Literal["hero", "split", "headline", "quote", "offer", "end_card"]

BIG_HEADLINE = TextRole(0.16, 0.06, leading=1.0)
QUOTE = TextRole(0.085, 0.045, leading=1.12)
TAGLINE = TextRole(0.08, 0.045, leading=1.05)
INLINE_PRICE = TextRole(0.072, 0.045)
BADGE_PRICE = TextRole(0.17, 0.04)
SMALL_WORDMARK = TextRole(0.036, 0.026)


@dataclass(frozen=True)
class LayoutContent:
    """What a layout draws: the texts (``None`` = absent) and decoded images."""

    headline: str
    subline: str | None = None
    cta: str | None = None
    price: str | None = None
    attribution: str | None = None
    brand_name: str | None = None
    photos: tuple[Image.Image, ...] = ()
    logo: Image.Image | None = None
    icon: str | None = None

    @property
    def photo(self) -> Image.Image | None:
        return self.photos[0] if self.photos else None


@dataclass(frozen=True)
class LayoutSpec:
    """A layout's painter and the optional texts it has a place for."""

    paint: Callable[[Canvas, LayoutContent], None]
    texts: frozenset[str] = field(default_factory=frozenset)
    requires: frozenset[str] = field(default_factory=frozenset)
    icon: Literal["never", "without_photo", "always"] = "never"
    """Where it has a place for an icon: on the stand-in for a photo, or beside the headline."""


def _orientation(c: Canvas) -> Literal["portrait", "square", "landscape"]:
    if c.width > c.height:
        return "landscape"
    return "square" if c.width == c.height else "portrait"


def _column(
    c: Canvas, box: Box, content: LayoutContent, *, align: Align = "left",
    valign: Literal["top", "center", "bottom"] = "top", headline_role: TextRole = HEADLINE,
    with_price: bool = True,
) -> list[Box]:
    """Headline, subline, price and CTA button stacked in ``box``.

    Fixed-size parts (button, price) are measured first; the subline may take up to 30%
    of what is left and the headline grows into the rest.
    """
    gap_sub, gap_price, gap_cta = c.px(2.4), c.px(3.2), c.px(4.6)
    cta = c.fit_button("cta", content.cta, box.width, fill=c.palette.accent, align=align) if content.cta else None
    price = None
    if with_price and content.price:
        price = c.fit("price", content.price, box.width, c.px(12), INLINE_PRICE, max_lines=1,
                      align=align, prefer=c.palette.accent)
    remaining = box.height - sum(b.height + g for b, g in ((cta, gap_cta), (price, gap_price)) if b)
    sub = None
    if content.subline:
        # Whatever the subline takes, one headline line at its minimum size must still fit.
        headline_floor = round(c.role_sizes(headline_role)[1] * 1.25)
        sub_height = max(0, min(int(remaining * 0.3), remaining - headline_floor - gap_sub))
        sub = c.fit("subline", content.subline, box.width, sub_height, SUBLINE, align=align)
        remaining -= sub.height + gap_sub
    head = c.fit("headline", content.headline, box.width, remaining, headline_role, align=align)
    blocks: list[Block] = [head]
    gaps: list[int] = []
    for block, gap in ((sub, gap_sub), (price, gap_price), (cta, gap_cta)):
        if block is not None:
            gaps.append(gap)
            blocks.append(block)
    return c.stack(blocks, box, gaps=gaps, valign=valign)


CORNER_MARK_AREA = 26 * 7.5
"""Visual weight of a corner logo, in square units (1 unit = 1% of the short side)."""


WORDMARK_UNITS = 11
"""Height of the corner wordmark's box, room for a long brand name on two lines."""


def _brand_mark(
    c: Canvas, content: LayoutContent, box: Box, *, align: Align = "left",
    valign: Literal["top", "center", "bottom"] = "top",
) -> Box | None:
    """The logo, or the brand name set as a wordmark when there is no logo.

    The logo may use all of ``box`` but is sized to :data:`CORNER_MARK_AREA`; the
    wordmark takes at most two lines in the top (or bottom) :data:`WORDMARK_UNITS`.
    """
    if content.logo is not None:
        return c.logo(content.logo, box, align=align, valign=valign, area=CORNER_MARK_AREA * c.unit * c.unit)
    if content.brand_name:
        line_box = box.top(c.px(WORDMARK_UNITS)) if valign != "bottom" else box.bottom(c.px(WORDMARK_UNITS))
        block = c.fit("brand_name", content.brand_name, line_box.width, line_box.height, SMALL_WORDMARK,
                      max_lines=2, align=align)
        return c.stack([block], line_box, gaps=0, valign="bottom" if valign == "bottom" else "top")[0]
    return None


def _mark_height(c: Canvas, content: LayoutContent, width: int, max_height: int) -> int:
    """Height :func:`_brand_mark` will take in a corner ``width`` wide (0 when there is none)."""
    if content.logo is not None:
        aspect = content.logo.width / max(1, content.logo.height)
        target_h = (CORNER_MARK_AREA * c.unit * c.unit / aspect) ** 0.5
        return min(max_height, round(target_h), round(width / aspect))
    if content.brand_name:
        return c.measure("brand_name", content.brand_name, width, c.px(WORDMARK_UNITS), SMALL_WORDMARK,
                         max_lines=2).height
    return 0


def _stage(c: Canvas, box: Box, icon: str | None = None) -> None:
    """The photo-less stand-in for a product shot: an accent spotlight with a disc, carrying
    the product's icon when there is one."""
    inner = mix(c.palette.ground, c.palette.accent, 0.55)
    glow = radial_glow((box.width, box.height), inner, c.palette.ground, (0.5, 0.55),
                       reach=0.75 * max(box.width, box.height))
    c.image.paste(glow, (box.x0, box.y0))
    radius = round(min(box.width, box.height) * 0.28)
    cx, cy = box.x0 + box.width // 2, box.y0 + round(box.height * 0.55)
    c.shape(Box(cx - radius, cy - radius, cx + radius, cy + radius), c.palette.accent, ellipse=True)
    if icon is not None:
        draw_icon(c.image, icon, (cx, cy), round(radius * 1.05), _on_accent(c))


def _on_accent(c: Canvas) -> tuple[int, int, int]:
    """The colour an icon takes on an accent disc: whichever reads best on it."""
    return max((c.palette.ground, NEAR_WHITE, NEAR_BLACK), key=lambda col: contrast_ratio(col, c.palette.accent))


def _logo_box(c: Canvas, *, x0: int, y0: int, width_units: float = 60, height_units: float = 12) -> Box:
    return Box(x0, y0, x0 + c.px(width_units), y0 + c.px(height_units))


# -- hero: the product photo is the picture ------------------------------------------


def hero(c: Canvas, content: LayoutContent) -> None:
    """Large product photo blending into the brand colour; copy and CTA below (or beside)."""
    c.fill(c.palette.ground)
    corner = _logo_box(c, x0=c.safe.x0, y0=c.safe.y0)
    if _orientation(c) == "landscape":
        photo_box = Box(round(c.width * 0.40), 0, c.width, c.height)
        if content.photo is not None:
            c.photo(content.photo, photo_box, calm="left")
        else:
            _stage(c, photo_box, content.icon)
        linear_fade(c.image, Box(photo_box.x0, 0, photo_box.x0 + round(c.width * 0.16), c.height).tuple(),
                    c.palette.ground, direction="left")
        mark_h = _mark_height(c, content, corner.width, corner.height)
        text_box = Box(c.safe.x0, c.safe.y0 + (mark_h + c.px(6) if mark_h else 0), round(c.width * 0.46), c.safe.y1)
        _column(c, text_box, content, valign="center")
        _brand_mark(c, content, corner)
        return
    # The photo takes the top of what lies above the text's lowest line (the caption band, in a video scene).
    photo_bottom = round(c.safe.y1 * {"9:16": 0.68, "4:5": 0.58, "1:1": 0.52}[c.aspect])
    fade = round(c.height * 0.16)
    photo_box = Box(0, 0, c.width, photo_bottom)
    if content.photo is not None:
        c.photo(content.photo, photo_box, calm="bottom")
    else:
        _stage(c, photo_box, content.icon)
    linear_fade(c.image, Box(0, photo_bottom - fade, c.width, photo_bottom).tuple(), c.palette.ground,
                direction="down")
    text_box = Box(c.safe.x0, photo_bottom - fade // 3, c.safe.x1, c.safe.y1)
    _column(c, text_box, content, valign="top")
    _brand_mark(c, content, corner)


# -- split: photo and copy side by side ----------------------------------------------


def split(c: Canvas, content: LayoutContent) -> None:
    """Half photo, half solid panel in the brand's second colour holding the copy."""
    # Squares split side by side too: stacked halves leave too little room for the copy.
    landscape = _orientation(c) != "portrait"
    if landscape:
        seam = round(c.width * (0.5 if _orientation(c) == "landscape" else 0.44))
        photo_box = Box(0, 0, seam, c.height)
        panel = Box(seam, 0, c.width, c.height)
        logo_box = _logo_box(c, x0=panel.x0 + c.px(7), y0=c.safe.y0).with_x(x1=c.safe.x1)
        mark_h = _mark_height(c, content, logo_box.width, logo_box.height)
        text_box = Box(logo_box.x0, c.safe.y0 + (mark_h + c.px(6) if mark_h else 0), c.safe.x1, c.safe.y1)
    else:
        seam = round(c.height * {"9:16": 0.42, "4:5": 0.46}[c.aspect])
        photo_box = Box(0, 0, c.width, seam)
        panel = Box(0, seam, c.width, c.height)
        logo_box = _logo_box(c, x0=c.safe.x0, y0=seam + c.px(5.5), height_units=9)
        mark_h = _mark_height(c, content, logo_box.width, logo_box.height)
        text_box = Box(c.safe.x0, logo_box.y0 + (mark_h + c.px(4) if mark_h else 0), c.safe.x1, c.safe.y1)
    c.fill(c.palette.surface, panel)
    if content.photo is not None:
        c.photo(content.photo, photo_box, calm="right" if landscape else "bottom")
    else:
        c.fill(c.palette.ground, photo_box)
        _stage(c, photo_box, content.icon)
    # A band of accent along the seam ties the two halves together.
    band = c.px(1.4)
    if landscape:
        c.fill(c.palette.accent, Box(panel.x0, 0, panel.x0 + band, c.height))
    else:
        c.fill(c.palette.accent, Box(0, panel.y0, c.width, panel.y0 + band))
    _column(c, text_box, content, valign="center" if landscape else "top")
    _brand_mark(c, content, logo_box)


# -- headline: type is the picture ---------------------------------------------------


def headline(c: Canvas, content: LayoutContent) -> None:
    """Brand colour with a soft glow and two large discs in a tint of the accent (or a photo
    toned down in the colour) carrying one very large headline."""
    c.fill(c.palette.ground)
    if content.photo is not None:
        c.photo(content.photo, c.full)
        tint = Image.new("RGB", c.image.size, c.palette.ground)
        c.image.paste(Image.blend(c.image, tint, 0.80))
    else:
        _brand_shapes(c)
    corner = Box(c.safe.x0, c.safe.y1 - c.px(12), c.safe.x0 + c.px(60), c.safe.y1)
    mark_h = _mark_height(c, content, corner.width, corner.height)
    bottom = c.safe.y1 - (mark_h + c.px(6) if mark_h else 0)
    rule_h, rule_gap = c.px(1.3), c.px(4)
    badge, badge_gap = (c.px(15), c.px(4)) if content.icon else (0, 0)
    text_box = Box(c.safe.x0, c.safe.y0 + badge + badge_gap + rule_h + rule_gap, c.safe.x1, bottom)
    drawn = _column(c, text_box, content, valign="center", headline_role=BIG_HEADLINE, with_price=False)
    rule_top = drawn[0].y0 - rule_gap - rule_h
    if c.options.paint_text:  # the rule and icon belong to the headline: on its layer, not the background
        c.shape(Box(c.safe.x0, rule_top, c.safe.x0 + c.px(16), rule_top + rule_h),
                _ornament_color(c, c.palette.ground), radius=rule_h / 2)
        if content.icon:
            top = rule_top - badge_gap - badge
            c.shape(Box(c.safe.x0, top, c.safe.x0 + badge, top + badge), c.palette.accent, ellipse=True)
            draw_icon(c.image, content.icon, (c.safe.x0 + badge // 2, top + badge // 2), round(badge * 0.52),
                      _on_accent(c))
    _brand_mark(c, content, corner, valign="bottom")


def _brand_shapes(c: Canvas) -> None:
    """A background of brand shapes: a glow towards the top and two discs in faint tints of
    the accent running off the lower corners, quiet enough for any text over them."""
    c.image.paste(radial_glow(c.image.size, mix(c.palette.ground, c.palette.accent, 0.16), c.palette.ground,
                              (0.3, 0.25), 0.9 * max(c.width, c.height)))
    big, small = round(max(c.width, c.height) * 0.62), round(max(c.width, c.height) * 0.3)
    cx, cy = round(c.width * 0.92), round(c.height * 0.9)
    c.shape(Box(cx - big // 2, cy - big // 2, cx + big // 2, cy + big // 2),
            mix(c.palette.ground, c.palette.accent, 0.12), ellipse=True)
    cx, cy = round(c.width * 0.05), round(c.height * 0.72)
    c.shape(Box(cx - small // 2, cy - small // 2, cx + small // 2, cy + small // 2),
            mix(c.palette.ground, c.palette.accent, 0.08), ellipse=True)


def _ornament_color(c: Canvas, background: tuple[int, int, int]) -> tuple[int, int, int]:
    """The accent for rules and quote marks, unless it all but vanishes on ``background``.

    Ornaments carry no information, so a softer 1.5:1 is enough for them to be seen.
    """
    for color in (c.palette.accent, c.palette.surface, c.palette.ground):
        if contrast_ratio(color, background) >= 1.5:
            return color
    return max((NEAR_BLACK, NEAR_WHITE), key=lambda col: contrast_ratio(col, background))


# -- quote: a customer's words -------------------------------------------------------


def quote(c: Canvas, content: LayoutContent) -> None:
    """A large pull quote with an oversized quotation mark, attribution and brand mark."""
    background = c.palette.surface
    c.fill(background)
    mark_size = c.px(34)
    mark_font = font_at(str(ornament_font(c.font_path)), mark_size)
    # The quotation mark is ornament: drawn directly, not recorded as text to read back,
    # and on the quote's layer rather than the background.
    if c.options.paint_text:
        ImageDraw.Draw(c.image).text((c.safe.x0, c.safe.y0 - round(mark_size * 0.12)), "\u201c",
                                     font=mark_font, fill=_ornament_color(c, background), anchor="la")
    corner = Box(c.safe.x1 - c.px(60), c.safe.y1 - c.px(12), c.safe.x1, c.safe.y1)
    mark_h = _mark_height(c, content, corner.width, corner.height)
    footer_top = c.safe.y1 - mark_h
    avatar = c.px(16) if content.photo is not None else 0
    attribution = None
    if content.attribution:
        attribution = c.fit("attribution", f"\u2014 {content.attribution}", c.safe.width - avatar - c.px(3),
                            c.px(10), ATTRIBUTION, prefer=c.palette.accent)
    byline_h = max(avatar, attribution.height if attribution else 0)
    byline_top = footer_top - (c.px(6) if mark_h else 0) - byline_h
    quote_box = Box(c.safe.x0, c.safe.y0 + round(mark_size * 0.55), c.safe.x1, byline_top - c.px(6))
    role = QUOTE if _orientation(c) != "portrait" else TextRole(0.1, 0.045, leading=1.12)
    block = c.fit("headline", content.headline, quote_box.width, quote_box.height, role)
    c.stack([block], quote_box, gaps=0, valign="center")
    x = c.safe.x0
    if content.photo is not None:
        c.photo(content.photo, Box(x, byline_top, x + avatar, byline_top + avatar), radius=avatar / 2)
        x += avatar + c.px(3)
    if attribution is not None:
        c.stack([attribution], Box(x, byline_top, c.safe.x1, byline_top + byline_h), gaps=0, valign="center")
    _brand_mark(c, content, corner, align="right", valign="bottom")


# -- offer: the price is the message -------------------------------------------------


def _price_badge(c: Canvas, content: LayoutContent, center: tuple[int, int], diameter: int) -> None:
    """A round accent badge with the price; it overlaps the photo, so it casts a shadow."""
    cx, cy = center
    badge = Box(cx - diameter // 2, cy - diameter // 2, cx + diameter // 2, cy + diameter // 2)
    fill = _ornament_color(c, c.palette.ground)
    disc = Image.new("RGBA", (badge.width, badge.height), fill + (255,))
    disc.putalpha(shape_mask((badge.width, badge.height), 0, ellipse=True))
    if c.options.paint_text:  # the badge travels with its price on the price's layer
        paste_with_shadow(c.image, disc, (badge.x0, badge.y0), shadow_blur=c.px(1.6),
                          shadow_offset=(0, c.px(0.8)), shadow_opacity=0.35)
    inner = badge.inset(round(diameter * 0.15))
    block = c.fit("price", content.price or "", inner.width, inner.height, BADGE_PRICE, max_lines=2, align="center")
    c.stack([block], inner, gaps=0, valign="center")


def offer(c: Canvas, content: LayoutContent) -> None:
    """Price in a round badge over the product, headline above, CTA below."""
    glow_color = mix(c.palette.ground, c.palette.accent, 0.28)
    if _orientation(c) == "landscape":
        c.fill(c.palette.ground)
        stage = Box(0, 0, round(c.width * 0.5), c.height)
        c.image.paste(radial_glow((stage.width, stage.height), glow_color, c.palette.ground, (0.5, 0.5),
                                  0.7 * stage.width), (0, 0))
        if content.photo is not None:
            diameter = c.px(30)
            photo_area = Box(c.safe.x0, c.safe.y0, stage.x1 - c.px(4), c.safe.y1)
            used = _offer_photo(c, content.photo, photo_area)
            _price_badge(c, content, (min(used.x1, stage.x1 - diameter // 2 - c.px(2)),
                                      used.y0 + diameter // 3 + c.px(2)), diameter)
        else:
            _price_badge(c, content, stage.center, c.px(56))
        corner = _logo_box(c, x0=stage.x1 + c.px(4), y0=c.safe.y0)
        mark_h = _mark_height(c, content, corner.width, corner.height)
        text_box = Box(corner.x0, c.safe.y0 + (mark_h + c.px(6) if mark_h else 0), c.safe.x1, c.safe.y1)
        _column(c, text_box, content, valign="center", with_price=False)
        _brand_mark(c, content, corner)
        return
    c.image.paste(radial_glow(c.image.size, glow_color, c.palette.ground, (0.5, 0.55), 0.6 * c.height))
    top_box = Box(c.safe.x0, c.safe.y0, c.safe.x1, c.safe.y0 + c.px(12))
    mark_h = _mark_height(c, content, top_box.width, top_box.height)
    head_top = c.safe.y0 + (mark_h + c.px(4) if mark_h else 0)
    head_box = Box(c.safe.x0, head_top, c.safe.x1, head_top + round(c.safe.height * 0.2))
    bottom: list[Block] = []
    if content.subline:
        bottom.append(c.fit("subline", content.subline, c.safe.width, c.px(12), SUBLINE, align="center"))
    if content.cta:
        bottom.append(c.fit_button("cta", content.cta, c.safe.width, fill=c.palette.accent, align="center"))
    gap = c.px(3)
    bottom_h = sum(b.height for b in bottom) + gap * max(0, len(bottom) - 1)
    bottom_box = Box(c.safe.x0, c.safe.y1 - bottom_h, c.safe.x1, c.safe.y1)
    _brand_mark(c, content, top_box, align="center")
    head = c.fit("headline", content.headline, head_box.width, head_box.height, HEADLINE, align="center")
    drawn_head = c.stack([head], head_box, gaps=0, valign="bottom")[0]
    middle = Box(c.safe.x0, drawn_head.y1 + c.px(6), c.safe.x1, bottom_box.y0 - c.px(6))
    if content.photo is not None:
        # Photo card and badge side by side, the badge overlapping the card's top-right corner.
        diameter = min(c.px(32), round(middle.height * 0.8))
        card = min(middle.height, middle.width - round(diameter * 0.75))
        left = middle.center[0] - (card + round(diameter * 0.75)) // 2
        used = _offer_photo(c, content.photo, Box(left, middle.center[1] - card // 2, left + card,
                                                  middle.center[1] + card // 2))
        _price_badge(c, content, (used.x1 + round(diameter * 0.25), used.y0 + round(diameter * 0.45)), diameter)
    else:
        _price_badge(c, content, middle.center, min(middle.width, middle.height, c.px(60)))
    if bottom:
        c.stack(bottom, bottom_box, gaps=gap, valign="bottom")


def _offer_photo(c: Canvas, photo: Image.Image, area: Box) -> Box:
    """A cut-out floats with a shadow; a rectangular photo becomes a rounded card."""
    if has_transparency(photo):
        return c.photo(photo, area, fit="contain", shadow=True)
    size = min(area.width, area.height)
    card = Box(area.center[0] - size // 2, area.center[1] - size // 2,
               area.center[0] + size // 2, area.center[1] + size // 2)
    return c.photo(photo, card, fit="cover", radius=c.px(4), shadow=True)


# -- end card: who it was, what to do now --------------------------------------------


def end_card(c: Canvas, content: LayoutContent) -> None:
    """Closing frame: the logo (or wordmark), the product photo on a card when there is
    one, the tagline and the CTA button. Portrait frames stack them in one centred column;
    square and wide frames put the photo beside the column."""
    if content.photo is not None:
        blurred = content.photo.convert("RGB").filter(ImageFilter.GaussianBlur(12))
        c.photo(blurred, c.full)
        c.image.paste(Image.blend(c.image, Image.new("RGB", c.image.size, c.palette.ground), 0.84))
    else:
        c.image.paste(radial_glow(c.image.size, mix(c.palette.ground, c.palette.accent, 0.22), c.palette.ground,
                                  (0.5, 0.42), 0.8 * max(c.width, c.height)))
    if content.photo is None:
        _closing_column(c, content, c.safe, photo_h=0)
    elif _orientation(c) == "portrait":
        _closing_column(c, content, c.safe, photo_h=round(c.safe.height * 0.34))
    else:
        seam = c.safe.x0 + round(c.safe.width * 0.46)
        c.photo(content.photo, Box(c.safe.x0, c.safe.y0 + c.px(4), seam, c.safe.y1 - c.px(4)), fit="cover",
                radius=c.px(4), shadow=True)
        _closing_column(c, content, Box(seam + c.px(6), c.safe.y0, c.safe.x1, c.safe.y1), photo_h=0)


def _closing_column(c: Canvas, content: LayoutContent, area: Box, *, photo_h: int) -> None:
    """The end card's centred column in ``area``: mark, rule, photo card (``photo_h`` px
    tall, left out when the tagline would not keep two lines), tagline, subline, CTA."""
    landscape = area.width > area.height
    has_mark = content.logo is not None or bool(content.brand_name)
    mark_box_h = round(area.height * (0.30 if landscape else 0.22) * (0.6 if photo_h else 1.0))
    mark_box_w = round(area.width * (0.5 if landscape else 0.8))
    text_width = round(area.width * (0.7 if landscape else 1.0))
    cta = c.fit_button("cta", content.cta, text_width, fill=c.palette.accent, align="center") if content.cta else None
    sub = c.fit("subline", content.subline, text_width, c.px(12), SUBLINE, align="center") if content.subline else None
    fixed = sum(b.height + c.px(5) for b in (cta, sub) if b)
    rule_h = c.px(1.1)
    mark_total = mark_box_h + 2 * c.px(6) + rule_h if has_mark else 0
    if photo_h and area.height - mark_total - fixed - photo_h - c.px(5) < 2.2 * c.role_sizes(TAGLINE)[1]:
        photo_h = 0
    photo_total = photo_h + c.px(5) if photo_h else 0
    tagline_h = min(area.height - mark_total - photo_total - fixed, c.px(40))
    tagline = c.fit("headline", content.headline, text_width, tagline_h, TAGLINE, align="center")
    blocks = [b for b in (tagline, sub, cta) if b is not None]
    gaps = [c.px(3.5) if b is sub else c.px(5) for b in blocks[1:]]
    text_h = sum(b.height for b in blocks) + sum(gaps)
    middle = area.x0 + area.width // 2
    top = area.y0 + (area.height - mark_total - photo_total - text_h) // 2
    if has_mark:
        mark_box = Box(middle - mark_box_w // 2, top, middle + mark_box_w // 2, top + mark_box_h)
        if content.logo is not None:
            c.logo(content.logo, mark_box, align="center", valign="center")
        else:
            word = c.fit("brand_name", content.brand_name or "", mark_box.width, mark_box.height, WORDMARK,
                         max_lines=2, align="center")
            c.stack([word], mark_box, gaps=0, valign="center")
        rule_y = mark_box.y1 + c.px(6)
        c.shape(Box(middle - c.px(7), rule_y, middle + c.px(7), rule_y + rule_h),
                _ornament_color(c, c.palette.ground), radius=rule_h / 2)
        top = rule_y + rule_h + c.px(6)
    if photo_h and content.photo is not None:
        photo_w = min(text_width, round(photo_h * 1.25))
        c.photo(content.photo, Box(middle - photo_w // 2, top, middle + photo_w // 2, top + photo_h),
                fit="cover", radius=c.px(4), shadow=True)
        top += photo_total
    c.stack(blocks, Box(area.x0, top, area.x1, top + text_h), gaps=gaps, valign="top")


LAYOUTS: dict[str, LayoutSpec] = {
    "hero": LayoutSpec(hero, frozenset({"subline", "cta", "price", "brand_name"}), icon="without_photo"),
    "split": LayoutSpec(split, frozenset({"subline", "cta", "price", "brand_name"}), icon="without_photo"),
    "headline": LayoutSpec(headline, frozenset({"subline", "cta", "brand_name"}), icon="always"),
    "quote": LayoutSpec(quote, frozenset({"attribution", "brand_name"})),
    "offer": LayoutSpec(offer, frozenset({"subline", "cta", "price", "brand_name"}), frozenset({"price"})),
    "end_card": LayoutSpec(end_card, frozenset({"subline", "cta", "brand_name"})),
}
"""Layout name to painter, the optional texts it draws, the texts it requires, and its icon's place."""
