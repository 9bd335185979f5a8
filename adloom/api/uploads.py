"""Uploaded files (product photos, logos, music, fonts, raw footage): checked by content, stored by hash.

The type is decided by the file's first bytes (its magic number), never by its name or the
client's declared content type; the name only has to agree with what the bytes are. The
stored file is named by its sha256 in the asset store, so a client-chosen name (``../x``,
an absolute path) never becomes a path.

Small files arrive whole (:func:`store_upload`); raw footage can be hundreds of megabytes,
so :func:`store_upload_stream` copies it to disk chunk by chunk and never holds it in memory.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from typing import BinaryIO, Literal

from adloom.storage.assets import AssetKind, AssetRef, AssetStore
from adloom.tools.image.inputs import ImageInputError, check_font_bytes, check_image_bytes

UploadPurpose = Literal["product_photo", "logo", "music", "font", "clip", "voice"]
StreamedPurpose = Literal["footage"]
HEAD_BYTES = 64  # enough for every signature below, the Matroska DocType included
CHUNK_BYTES = 1 << 20


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
    FileType(".mp4", "video", ((4, b"ftyp"),)),  # MP4 and QuickTime MOV alike
    FileType(".webm", "video", ((0, b"\x1a\x45\xdf\xa3"),)),  # EBML; the DocType tells WebM from Matroska
    FileType(".avi", "video", ((8, b"AVI "),)),
    FileType(".ttf", "font", ((0, b"\x00\x01\x00\x00"), (0, b"true"))),
    FileType(".otf", "font", ((0, b"OTTO"),)),
)
MATROSKA = FileType(".mkv", "video", ((0, b"\x1a\x45\xdf\xa3"),))  # EBML whose DocType is not "webm"
ACCEPTED: dict[str, tuple[str, ...]] = {
    "product_photo": (".png", ".jpg", ".webp"),
    "logo": (".png", ".jpg", ".webp"),
    "music": (".mp3", ".wav", ".ogg", ".flac", ".m4a"),
    "voice": (".mp3", ".wav", ".ogg", ".flac", ".m4a"),
    "font": (".ttf", ".otf"),
    "clip": (".mp4",),
    "footage": (".mp4", ".webm", ".mkv", ".avi"),
}
NAME_SUFFIXES = {".jpeg": ".jpg", ".mov": ".mp4", ".m4v": ".mp4", ".aac": ".m4a"}


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
            if file_type.suffix == ".webm" and b"webm" not in data[:HEAD_BYTES]:
                return MATROSKA
            return file_type
    return None


def safe_display_name(name: str) -> str:
    """The client's file name reduced to a harmless label (kept only as metadata)."""
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")[:120] or "upload"


def _check_name(filename: str) -> None:
    if "/" in filename or "\\" in filename or filename.startswith(".") or "\x00" in filename:
        raise UploadError(f"file name {filename!r}: must be a plain name without folders")


def _check_content(head: bytes, filename: str, purpose: str) -> FileType:
    """The file type of the first bytes, if ``purpose`` accepts it and the name agrees."""
    file_type = sniff(head[:HEAD_BYTES])
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
    return file_type


def _too_large(filename: str, size: int | None, max_bytes: int) -> UploadError:
    found = f"is {size} bytes" if size is not None else f"is more than {max_bytes} bytes"
    return UploadError(f"file {safe_display_name(filename)!r} {found}; the limit is {max_bytes}", 413)


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
        raise _too_large(filename, len(data), max_bytes)
    if not data:
        raise UploadError("file: is empty")
    _check_name(filename)
    file_type = _check_content(data, filename, purpose)
    # Decoded as the brief's files are, so what the store accepts the editor can use.
    check = {"image": check_image_bytes, "font": check_font_bytes}.get(file_type.kind)
    if check is not None:
        try:
            check("file", safe_display_name(filename), data)
        except ImageInputError as exc:
            raise UploadError(str(exc), 415) from None
    return assets.put_bytes(
        data, file_type.suffix, kind=file_type.kind, tool="input",
        metadata={"purpose": purpose, "name": safe_display_name(filename)},
    )


def store_upload_stream(
    source: BinaryIO, filename: str, purpose: StreamedPurpose, assets: AssetStore, *, max_bytes: int,
    chunk_bytes: int = CHUNK_BYTES,
) -> AssetRef:
    """Check a large uploaded file while copying it to disk in chunks, then store it by hash.

    The type is decided from the first chunk, so a refused file is not read any further;
    a file that grows past ``max_bytes`` is refused as soon as it does. Nothing is left
    behind when a check fails.

    Raises:
        UploadError: as :func:`store_upload`.
    """
    if purpose not in ACCEPTED:
        raise UploadError(f"purpose: must be one of {', '.join(ACCEPTED)}")
    _check_name(filename)
    head = source.read(HEAD_BYTES)
    if not head:
        raise UploadError("file: is empty")
    file_type = _check_content(head, filename, purpose)
    scratch = assets.scratch_dir()
    try:
        incoming = scratch / ("upload" + file_type.suffix)
        size = len(head)
        with incoming.open("wb") as sink:
            sink.write(head)
            while chunk := source.read(chunk_bytes):
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(filename, None, max_bytes)
                sink.write(chunk)
        return assets.put_file(
            incoming, kind=file_type.kind, tool="input", move=True,
            metadata={"purpose": purpose, "name": safe_display_name(filename), "bytes": size},
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
