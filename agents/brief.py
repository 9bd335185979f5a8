"""The campaign brief: what a marketer asks for, validated before anything runs.

Unknown keys are errors. File paths (logo, font, product images) are resolved against
the brief's own folder, or name a file inside an installed package (``package:``), and
must exist.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from adloom.tools.aspects import Aspect
from adloom.tools.colours import HexColor
from adloom.tools.image.inputs import load_image
from adloom.tools.image.palette import colors_from_photo

Platform = Literal[
    "tiktok", "instagram_reels", "instagram_feed", "youtube_shorts", "x", "linkedin", "facebook"
]
PLATFORMS: tuple[str, ...] = Platform.__args__  # type: ignore[attr-defined]


class BriefError(ValueError):
    """The brief is invalid. ``problems`` holds one human-readable line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _Strict(BaseModel):
    # allow_inf_nan=False: "duration_s: .nan" is "not a finite number", not "must be <= 180".
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        # Postgres refuses NUL in text, and no brief has a reason to hold one.
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and "\x00" in text for text in texts):
            raise ValueError("may not contain a NUL byte")
        return value


PACKAGE_PREFIX = "package:"
"""A brief's file path starting with this names a file shipped inside an installed Python
package, ``package:<package>/<path inside it>``: the example brief's product photo is
``package:skimage/data/coffee.png``."""


def package_file(reference: str) -> Path:
    """The file ``<package>/<path>`` inside an installed package (found without importing it)."""
    name, _, inner = reference.partition("/")
    if not name.isidentifier() or not inner:
        raise ValueError(f"write {PACKAGE_PREFIX}<package>/<path inside it>, not {PACKAGE_PREFIX}{reference}")
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"package {name!r} is not installed (pip install it, or give the file's path)")
    root = Path(list(spec.submodule_search_locations)[0]).resolve()
    path = (root / inner).resolve()
    if not path.is_relative_to(root):
        raise ValueError(f"{PACKAGE_PREFIX}{reference} points outside the package {name!r}")
    return path


def _resolve_existing(value: str | None, info: ValidationInfo) -> str | None:
    if value is None:
        return None
    base = Path((info.context or {}).get("base_dir", "."))
    if "\x00" in value:
        raise ValueError("a file path may not contain a NUL byte")
    try:
        path = package_file(value[len(PACKAGE_PREFIX):]) if value.startswith(PACKAGE_PREFIX) else Path(value).expanduser()
    except RuntimeError:  # "~name" of a user this machine does not have
        raise ValueError(f"cannot find the home folder in {value!r}") from None
    if not path.is_absolute():
        path = base / path
    if path.is_dir():
        raise ValueError(f"is a folder, not a file: {path}")
    if not path.is_file():
        raise ValueError(f"file does not exist: {path}")
    return str(path.resolve())


DEFAULT_COLORS = ("#111111", "#FFFFFF", "#FF5A1F")
"""A brand's colours when the brief gives none and has no product photo to take them from."""


class Brand(_Strict):
    name: str = Field(min_length=1, max_length=80)
    voice: str = Field(default="friendly, clear and confident", max_length=300)
    colors: list[HexColor] = Field(
        default_factory=list, description="Main colour first; none: taken from the product photo (brand_colors).",
    )
    logo: str | None = None
    font: str | None = None

    _check_files = field_validator("logo", "font")(_resolve_existing)


class Product(_Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(min_length=1, max_length=2000)
    facts: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="The only claims copy may make."
    )
    price: str | None = Field(default=None, max_length=40)
    cta: str | None = Field(
        default=None, max_length=30,
        description="The call to action to use, in the marketer's words; default: one that fits the product's kind.",
    )
    url: str | None = Field(default=None, max_length=500)
    # Validated per item, so every missing image is reported, each with its index.
    images: list[Annotated[str, AfterValidator(_resolve_existing)]] = Field(default_factory=list)


class Voiceover(_Strict):
    """Which voice reads the script; unset fields fall back to the ``[tts]`` config."""

    backend: Literal["piper", "hibari"] | None = None
    voice: str | None = Field(default=None, max_length=200, description="A backend's voice name or model file.")


class Media(_Strict):
    """The marketer's own files to use in the ad (``adloom assemble --brief`` cuts the ad from them)."""

    music: str | None = Field(default=None, description="Background music, ducked under the voice.")
    music_credit: str | None = Field(
        default=None, max_length=300,
        description="The credit the music's licence asks for, e.g. 'Vibe Ace by Kevin MacLeod, CC BY 3.0'.",
    )
    clips: list[Annotated[str, AfterValidator(_resolve_existing)]] = Field(
        default_factory=list, description="Video clips to cut the ad from, in playing order."
    )
    images: list[Annotated[str, AfterValidator(_resolve_existing)]] = Field(
        default_factory=list, description="Pictures shown after the clips."
    )
    voice: str | None = Field(default=None, description="A recorded voiceover; sets the ad's length.")
    subtitles: str | None = Field(default=None, description="SRT or WebVTT captions; none = captions from the voice.")
    logo: str | None = Field(default=None, description="Watermark; default: the brand's logo.")
    caption_style: Literal["classic", "highlight"] = "classic"
    clip_seconds: float | None = Field(default=None, gt=0, le=600, description="Seconds taken from each clip.")
    fill: Literal["loop", "hold"] = Field(
        default="loop", description="When the clips are shorter than the ad: loop them or hold the last frame."
    )

    _check_files = field_validator("music", "voice", "subtitles", "logo")(_resolve_existing)


SourceSyntax = Literal["json-ld", "microdata", "opengraph", "text", "default"]


class SourcedValue(_Strict):
    """Where one value of the brief came from on a product page (``adloom brief from-page``)."""

    field: str = Field(description="The brief field it fills, e.g. 'product.facts[2]'; '' when held back.")
    text: str = Field(description="The value as it stands in the brief.")
    original: str = Field(default="", description="The page's own text when the brief holds only part of it.")
    syntax: SourceSyntax = Field(description="What carried it: schema.org JSON-LD, microdata, OpenGraph or the text.")
    selector: str = Field(description="The element (CSS selector) or structured-data path on the page.")
    page_claims: list[str] = Field(
        default_factory=list, description="The page's own marketing claims in the text ('best', '#1'): yours to keep."
    )


class Sources(_Strict):
    """Provenance of a brief made from a product page. Runs keep it and never render it."""

    page: str = Field(max_length=2000, description="The page's URL (or file) the values were read from.")
    page_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    fetched_at: str
    values: list[SourcedValue] = Field(default_factory=list)
    held_back: list[SourcedValue] = Field(
        default_factory=list,
        description="The page's claims left out of the brief: copy one into product.facts to let the ad say it.",
    )
    defaulted: list[str] = Field(default_factory=list, description="Fields the page did not give, set to defaults.")

    def of(self, field: str) -> SourcedValue | None:
        """Where the brief's ``field`` came from on the page, by the name a grounding trace uses ('product.facts[1]')."""
        return next((value for value in self.values if value.field == field), None)


class Brief(_Strict):
    """One campaign request."""

    brand: Brand
    product: Product
    audience: str = Field(default="general audience", max_length=500)
    platforms: list[Platform] = Field(default_factory=lambda: ["tiktok"], min_length=1)
    duration_s: float = Field(default=15, ge=5, le=180)
    aspect: Aspect = "9:16"
    variants: int = Field(default=1, ge=1, le=5)
    language: str = Field(default="en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")
    trend: str | None = Field(default=None, max_length=2000, description="Trend context, untrusted text.")
    voiceover: Voiceover = Field(default_factory=Voiceover)
    media: Media = Field(default_factory=Media)
    sources: Sources | None = Field(default=None, description="Where a brief made from a page got its values.")

    @field_validator("platforms")
    @classmethod
    def _unique_platforms(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def named_files(self) -> list[tuple[str, str]]:
        """Every file the brief names, as (field, path)."""
        media = self.media
        named = [("brand.logo", self.brand.logo), ("brand.font", self.brand.font)]
        named += [(f"product.images[{i}]", path) for i, path in enumerate(self.product.images)]
        named += [(f"media.{name}", getattr(media, name)) for name in ("music", "voice", "subtitles", "logo")]
        named += [(f"media.clips[{i}]", path) for i, path in enumerate(media.clips)]
        named += [(f"media.images[{i}]", path) for i, path in enumerate(media.images)]
        return [(field, path) for field, path in named if path]


def _key_part(part: object) -> str:
    # A key with a line break or control character is shown quoted, so one problem stays one line.
    text = str(part)
    return text if text.isprintable() and text.strip() == text and text else repr(text)


def _problem_line(error: dict) -> str:
    key = ".".join(_key_part(part) for part in error["loc"])
    message = " ".join(str(error["msg"]).split())
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "is required"
    elif error["type"] == "literal_error" and "platforms" in key:
        message = f"unknown platform {error['input']!r}; choose from {', '.join(PLATFORMS)}"
    message = re.sub(r"^Value error, ", "", message)
    return f"{key}: {message}"


def parse_brief(data: object, *, source: str = "brief", base_dir: Path | None = None) -> Brief:
    """Validate brief data (already parsed from YAML/JSON).

    Raises:
        BriefError: listing every problem, one line each.
    """
    if not isinstance(data, dict):
        raise BriefError(source, ["the brief must be a mapping of keys to values"])
    try:
        return Brief.model_validate(data, context={"base_dir": str(base_dir or Path.cwd())})
    except ValidationError as exc:
        raise BriefError(source, [_problem_line(error) for error in exc.errors()]) from None


MAX_BRIEF_BYTES = 1024 * 1024
MAX_YAML_DEPTH = 20
"""A brief nests four levels; deeper YAML is refused before it is built (a 1,000-deep list
would exhaust the parser's recursion)."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key that appears twice in one mapping (YAML says keys are unique)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)):
                continue  # unhashable keys are refused by the base class
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (each key may appear once)", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_depth(text: str) -> int:
    """The deepest nesting of collections in ``text``, from the token stream (no recursion)."""
    depth = deepest = 0
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, (yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken,
                              yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(token, (yaml.BlockEndToken, yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)):
            depth -= 1
    return deepest


def read_yaml(text: str) -> object:
    """Parse untrusted YAML: safe types only, unique keys, at most :data:`MAX_YAML_DEPTH` levels.

    Raises:
        ValueError: a one-line reason (with the line and column when YAML gives them).
    """
    try:
        if _yaml_depth(text) > MAX_YAML_DEPTH:
            raise ValueError(f"nested more than {MAX_YAML_DEPTH} levels deep")
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ValueError(" ".join(str(exc).split())) from None


def load_brief(path: Path | str) -> Brief:
    """Read and validate a brief YAML file; paths inside it are relative to its folder."""
    path = Path(path)
    if path.is_dir():
        raise BriefError(str(path), ["is a folder, not a brief file"])
    if not path.is_file():
        raise BriefError(str(path), ["brief file does not exist"])
    size = path.stat().st_size
    if size > MAX_BRIEF_BYTES:
        raise BriefError(str(path), [f"the brief is {size} bytes; the limit is {MAX_BRIEF_BYTES}"])
    try:
        data = read_yaml(path.read_text("utf-8"))
    except UnicodeDecodeError as exc:
        raise BriefError(str(path), [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    except ValueError as exc:
        raise BriefError(str(path), [f"not valid YAML: {exc}"]) from None
    return parse_brief(data, source=str(path), base_dir=path.parent)


def check_brief_files(brief: Brief, source: str = "brief") -> None:
    """Open every file the brief names as what it must be, before a run starts.

    Existence is checked when the brief is parsed; this decodes: product photos and the
    logo as images, the font as a font that can set Latin text, the music as audio. A
    file that changes after the run started still fails in the node that reads it, with
    the same kind of message, and the run can be resumed once it is fixed.

    Raises:
        BriefError: one line per unusable file, naming the brief field and the file.
    """
    from adloom.tools.editor.inputs import MediaInputError, require_audio
    from adloom.tools.image.inputs import ImageInputError, load_font, load_image

    problems: list[str] = []
    images = [(f"product.images[{i}]", path) for i, path in enumerate(brief.product.images)]
    if brief.brand.logo:
        images.append(("brand.logo", brief.brand.logo))
    for field, path in images:
        try:
            load_image(field, path)
        except ImageInputError as exc:
            problems.append(str(exc))
    if brief.brand.font:
        try:
            load_font("brand.font", brief.brand.font)
        except ImageInputError as exc:
            problems.append(str(exc))
    if brief.media.music:
        try:
            require_audio(Path(brief.media.music), "media.music")
        except MediaInputError as exc:
            problems.append(str(exc))
    if problems:
        raise BriefError(source, problems)


def brand_colors(brief: Brief) -> list[str]:
    """The colours the ad is made in: the brand's own; for a brand that gave none, colours taken
    from its first product photo (:func:`adloom.tools.image.palette.colors_from_photo`), else the default."""
    if brief.brand.colors:
        return list(brief.brand.colors)
    if brief.product.images:
        return list(_photo_colors(brief.product.images[0]))
    return list(DEFAULT_COLORS)


@cache
def _photo_colors(path: str) -> tuple[str, ...]:
    return tuple(colors_from_photo(load_image("product.images", path)))

