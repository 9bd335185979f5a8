"""Reading the brand's files: product photos, the logo and the font.

Every problem becomes an :class:`ImageInputError` whose message starts with the request
field and the file, e.g. ``product_images[0]: /x/y.jpg is not a readable image (cannot
identify image file)``, so a marketer knows which file in the brief to fix.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

from PIL import Image, ImageFont, ImageOps, UnidentifiedImageError

# Searched in order when the brief names no font. DejaVu Sans Bold is on Debian/Ubuntu
# images through fonts-dejavu-core; the other paths are where Fedora, Arch and macOS
# Homebrew put the same file.
SYSTEM_FONT_CANDIDATES: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    Path("/opt/homebrew/share/fonts/DejaVuSans-Bold.ttf"),
)
FONTCONFIG_PATTERN = "DejaVu Sans:style=Bold"

# Larger inputs are refused rather than decoded: a 60-megapixel photo is already far
# more than a 1920 px canvas needs, and Pillow's bomb check fires at ~179 MP anyway.
MAX_INPUT_PIXELS = 60_000_000


class ImageInputError(ValueError):
    """A photo, logo or font named in the request cannot be used.

    Attributes:
        field: the request field, e.g. ``"logo"`` or ``"product_images[1]"``.
        path: the file as given.
    """

    def __init__(self, field: str, path: str | Path, problem: str):
        self.field = field
        self.path = str(path)
        super().__init__(f"{field}: {path} {problem}")


def _require_file(field: str, path: str | Path) -> Path:
    file = Path(path).expanduser()
    if not file.exists():
        raise ImageInputError(field, path, "does not exist")
    if not file.is_file():
        raise ImageInputError(field, path, "is not a file")
    return file


def load_image(field: str, path: str | Path) -> Image.Image:
    """Decode an image fully, upright (EXIF orientation applied), as RGBA.

    Raises:
        ImageInputError: missing, unreadable, truncated or oversized file.
    """
    file = _require_file(field, path)
    return _decode(field, path, file, file)


def check_image_bytes(field: str, label: str, data: bytes) -> None:
    """Decode in-memory image bytes (an upload) the way :func:`load_image` decodes a file.

    Raises:
        ImageInputError: not a readable image, truncated, or over :data:`MAX_INPUT_PIXELS`.
    """
    _decode(field, label, io.BytesIO(data), Path(label))


def _decode(field: str, label: str | Path, source: Path | io.BytesIO, file: Path) -> Image.Image:
    try:
        with Image.open(source) as opened:
            if opened.width * opened.height > MAX_INPUT_PIXELS:
                raise ImageInputError(
                    field, label,
                    f"is too large ({opened.width}x{opened.height}); "
                    f"use an image under {MAX_INPUT_PIXELS // 1_000_000} megapixels",
                )
            opened.load()  # decode now so a truncated file fails here, not mid-render
            upright = ImageOps.exif_transpose(opened)
            return upright.convert("RGBA")
    except ImageInputError:
        raise
    except UnidentifiedImageError as exc:
        raise ImageInputError(field, label, f"is not a readable image ({_reason(exc, file)})") from exc
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageInputError(field, label, f"is not a readable image ({_reason(exc, file)})") from exc


def _reason(exc: BaseException, file: Path) -> str:
    # Pillow repeats the path in its message; the field prefix already names the file.
    text = str(exc).replace(f" {str(file)!r}", "").replace(str(file), "").strip()
    return text or type(exc).__name__


def load_font(field: str, path: str | Path, size: int = 32) -> ImageFont.FreeTypeFont:
    """Open a TrueType/OpenType font file, checking that it can render Latin text.

    Raises:
        ImageInputError: missing file, not a font, or a font without basic Latin glyphs.
    """
    file = _require_file(field, path)
    return _open_font(field, path, str(file), file, size)


def check_font_bytes(field: str, label: str, data: bytes) -> None:
    """Open in-memory font bytes (an upload) with the checks of :func:`load_font`.

    Raises:
        ImageInputError: not a readable font, or no glyphs for basic Latin text.
    """
    _open_font(field, label, io.BytesIO(data), Path(label), 32)


def _open_font(field: str, label: str | Path, source: str | io.BytesIO, file: Path,
               size: int) -> ImageFont.FreeTypeFont:
    try:
        font = ImageFont.truetype(source, size)
        box = font.getbbox("Hg")
    except (OSError, ValueError) as exc:
        raise ImageInputError(field, label, f"is not a readable font ({_reason(exc, file)})") from exc
    if box[2] - box[0] <= 0:
        raise ImageInputError(field, label, "has no glyphs for basic Latin text")
    return font


def find_system_font() -> Path:
    """The default face: DejaVu Sans Bold from the system's fonts.

    Raises:
        ImageInputError: when no usable system font is found; the message says how to
            fix it (name a font in the brief, or install fonts-dejavu-core).
    """
    for candidate in SYSTEM_FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    matched = _fontconfig_match(FONTCONFIG_PATTERN)
    if matched is not None:
        return matched
    raise ImageInputError(
        "font", "(system default)",
        "not found: no DejaVu Sans Bold on this machine; set brand.font in the brief "
        "to a .ttf/.otf file, or install the system package fonts-dejavu-core",
    )


def _fontconfig_match(pattern: str) -> Path | None:
    executable = shutil.which("fc-match")
    if executable is None:
        return None
    try:
        done = subprocess.run(
            [executable, "--format=%{file}", pattern],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(done.stdout.strip())
    if done.returncode == 0 and path.suffix.lower() in {".ttf", ".otf", ".ttc"} and path.is_file():
        return path
    return None


ORNAMENT_FONT_NAME = "DejaVuSerif-Bold.ttf"


def ornament_font(text_font: Path) -> Path:
    """The face for the quote layout's big quotation mark.

    A serif's curly quotes read as a quotation mark at 300 px where a sans's are blunt
    wedges; DejaVu Serif Bold ships next to DejaVu Sans Bold in the same system package.
    Without it the text font is used.
    """
    for folder in {candidate.parent for candidate in SYSTEM_FONT_CANDIDATES}:
        if (folder / ORNAMENT_FONT_NAME).is_file():
            return folder / ORNAMENT_FONT_NAME
    return text_font


def resolve_font(path: str | None) -> Path:
    """The font file to render with: the brief's font (validated) or the system default."""
    if path is None:
        found = find_system_font()
        load_font("font", found)
        return found
    load_font("font", path)
    return Path(path).expanduser()
