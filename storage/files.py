"""Atomic file writes: a reader never sees a half-written file (a copy, a JSON file, a zip)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

PUBLISHED_MODE = 0o644
"""Files are readable by others, as a plain ``open(..., "w")`` would leave them (mkstemp gives 0600)."""


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, PUBLISHED_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write ``payload`` as indented UTF-8 JSON, atomically."""
    text = json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))


def copy_file_atomic(source: Path, path: Path) -> None:
    """Copy ``source`` to ``path`` through a temporary file in the target folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, PUBLISHED_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


STORED_SUFFIXES = frozenset({".mp4", ".png", ".jpg", ".jpeg", ".wav", ".webm"})
"""Already compressed: zipped as they are."""


def campaign_zip(folder: Path, names: list[str], path: Path) -> Path:
    """Zip the files ``names`` (relative to ``folder``) into ``path``, atomically; returns ``path``.

    Reused while it is newer than every file it holds, so a second download costs nothing.
    """
    files = [folder / name for name in names if (folder / name).is_file()]
    if path.is_file() and all(path.stat().st_mtime >= file.stat().st_mtime for file in files):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            for file in files:
                method = zipfile.ZIP_STORED if file.suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
                archive.write(file, file.relative_to(folder).as_posix(), compress_type=method)
        os.chmod(tmp, PUBLISHED_MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
