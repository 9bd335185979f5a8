"""Uploaded files (product photos, logos, music, fonts): checked by content, stored by hash.

The type is decided by the file's first bytes (its magic number), never by its name or the
client's declared content type; the name only has to agree with what the bytes are. The
stored file is named by its sha256 in the asset store, so a client-chosen name (``../x``,
an absolute path) never becomes a path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from storage.assets import AssetKind, AssetRef, AssetStore

UploadPurpose = Literal["product_photo", "logo", "music", "font", "clip", "voice"]


@dataclass(frozen=True)
class FileType:
    suffix: str
    kind: AssetKind
    signatures: tuple[tuple[int, bytes], ...]  # (offset, bytes) pairs, any one matching


FILE_TYPES: tuple[FileType, ...] = (
    FileType(".png", "image", ((0, b"\x89PNG\r\n\x1a\n"),)),
    FileType(".jpg", "image", ((0, b"\xff\xd8\xff"),)),
    FileType(".webp", "image", ((8, b"WEBP"),)),
    FileType(".mp3", "audio", ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2"))),
    FileType(".wav", "audio", ((8, b"WAVE"),)),
    FileType(".ogg", "audio", ((0, b"OggS"),)),
    FileType(".flac", "audio", ((0, b"fLaC"),)),
    FileType(".m4a", "audio", ((4, b"ftypM4A"),)),
    FileType(".mp4", "video", ((4, b"ftyp"),)),
    FileType(".ttf", "font", ((0, b"\x00\x01\x00\x00"), (0, b"true"))),
    FileType(".otf", "font", ((0, b"OTTO"),)),
)
ACCEPTED: dict[str, tuple[str, ...]] = {
    "product_photo": (".png", ".jpg", ".webp"),
    "logo": (".png", ".jpg", ".webp"),
    "music": (".mp3", ".wav", ".ogg", ".flac", ".m4a"),
    "voice": (".mp3", ".wav", ".ogg", ".flac", ".m4a"),
    "font": (".ttf", ".otf"),
    "clip": (".mp4",),
}
NAME_SUFFIXES = {".jpeg": ".jpg", ".mov": ".mp4", ".aac": ".m4a"}


class UploadError(ValueError):
    """An upload was refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 422):
        self.status = status
        super().__init__(message)


def sniff(data: bytes) -> FileType | None:
    """The file type the bytes are, or None."""
    for file_type in FILE_TYPES:
        if any(data[offset:offset + len(magic)] == magic for offset, magic in file_type.signatures):
            # M4A is an MP4 container too; the brand decides, so test it before plain MP4.
            if file_type.suffix == ".mp4" and data[4:11] == b"ftypM4A":
                continue
            return file_type
    return None


def safe_display_name(name: str) -> str:
    """The client's file name reduced to a harmless label (kept only as metadata)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")[:120] or "upload"


def store_upload(
    data: bytes, filename: str, purpose: UploadPurpose, assets: AssetStore, *, max_bytes: int,
) -> AssetRef:
    """Check an uploaded file and put it in the asset store.

    Raises:
        UploadError: empty, over ``max_bytes`` (413), a path in the name, or bytes that are
            not one of the types accepted for ``purpose`` (415).
    """
    if purpose not in ACCEPTED:
        raise UploadError(f"purpose: must be one of {', '.join(ACCEPTED)}")
    if len(data) > max_bytes:
        raise UploadError(f"file {safe_display_name(filename)!r} is {len(data)} bytes; the limit is {max_bytes}", 413)
    if not data:
        raise UploadError("file: is empty")
    if "/" in filename or "\\" in filename or filename.startswith(".") or "\x00" in filename:
        raise UploadError(f"file name {filename!r}: must be a plain name without folders")
    file_type = sniff(data[:64])
    accepted = ACCEPTED[purpose]
    if file_type is None or file_type.suffix not in accepted:
        found = file_type.suffix.lstrip(".") if file_type else "unrecognised content"
        raise UploadError(
            f"file {safe_display_name(filename)!r}: a {purpose.replace('_', ' ')} must be "
            f"{', '.join(s.lstrip('.') for s in accepted)} (the bytes are {found})", 415,
        )
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if NAME_SUFFIXES.get(suffix, suffix) != file_type.suffix:
        raise UploadError(
            f"file {safe_display_name(filename)!r}: the name says {suffix or 'nothing'} but the content is "
            f"{file_type.suffix.lstrip('.')}", 415,
        )
    return assets.put_bytes(
        data, file_type.suffix, kind=file_type.kind, tool="input",
        metadata={"purpose": purpose, "name": safe_display_name(filename)},
    )
