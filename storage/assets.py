"""Content-addressed asset store and the references the graph state carries.

Every file a tool produces lands in ``<data_dir>/assets/<sha[:2]>/<sha>.<ext>``. The graph
state only ever holds :class:`AssetRef` objects (path, hash, kind, producer), never bytes.
A cache index maps a *cache key* (hash of tool, backend, model, parameters and input
hashes) to the asset it produced, so a resumed or repeated run never recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import time
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from adloom.storage.files import write_bytes_atomic

AssetKind = Literal[
    "image", "video", "audio", "subtitles", "text", "json", "font", "model", "other"
]


class AssetRef(BaseModel):
    """A pointer to one stored file and how it was made."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="Absolute path of the stored file.")
    sha256: str
    kind: AssetKind
    tool: str = Field(description="Registered tool that produced it, or 'input' for user files.")
    backend: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)


_SCRATCH_TAG = re.compile(r"^(?P<host>[A-Za-z0-9-]+)-p(?P<pid>\d+)-")


def _scratch_host() -> str:
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:60] or "host"


def _scratch_owner_tag(pid: int) -> str:
    return f"{_scratch_host()}-p{pid}-"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def sha256_file(path: Path, chunk_size: int = 1 << 20) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(tool: str, backend: str, model: str, params: dict[str, Any], inputs: list[str]) -> str:
    """Stable hash of everything that determines a tool's output.

    Args:
        tool: registered tool name.
        backend: backend name chosen by config.
        model: model id or folder (empty for model-free backends).
        params: JSON-serialisable parameters.
        inputs: sha256 of every input asset, in order.
    """
    blob = json.dumps(
        {"tool": tool, "backend": backend, "model": model, "params": params, "inputs": inputs},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class AssetStore:
    """Files stored by content hash under ``root``, with a cache-key index beside them."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.blobs = self.root / "assets"
        self.index = self.root / "cache-index"
        self.blobs.mkdir(parents=True, exist_ok=True)
        self.index.mkdir(parents=True, exist_ok=True)

    def _blob_path(self, sha: str, suffix: str) -> Path:
        return self.blobs / sha[:2] / f"{sha}{suffix}"

    def put_file(
        self,
        source: Path,
        *,
        kind: AssetKind,
        tool: str,
        backend: str = "",
        metadata: dict[str, Any] | None = None,
        move: bool = False,
    ) -> AssetRef:
        """Store a file by its hash (copying, or moving when ``move``) and return its reference."""
        source = Path(source)
        sha = sha256_file(source)
        target = self._blob_path(sha, source.suffix.lower())
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".incoming.", dir=target.parent)
            os.close(fd)
            try:
                if move:
                    shutil.move(str(source), tmp)
                else:
                    shutil.copyfile(source, tmp)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        elif move:
            source.unlink()
        return AssetRef(
            path=str(target), sha256=sha, kind=kind, tool=tool, backend=backend,
            metadata=metadata or {},
        )

    def put_bytes(
        self,
        data: bytes,
        suffix: str,
        *,
        kind: AssetKind,
        tool: str,
        backend: str = "",
        metadata: dict[str, Any] | None = None,
    ) -> AssetRef:
        """Store in-memory bytes (``suffix`` like ``".json"``) and return the reference."""
        sha = hashlib.sha256(data).hexdigest()
        target = self._blob_path(sha, suffix.lower())
        if not target.exists():
            write_bytes_atomic(target, data)
        return AssetRef(
            path=str(target), sha256=sha, kind=kind, tool=tool, backend=backend,
            metadata=metadata or {},
        )

    def scratch_dir(self) -> Path:
        """A fresh private folder for a tool's intermediate files (same filesystem as the store).

        Its name starts with this process's owner tag (host and pid), so that
        :meth:`sweep_scratch` can tell the folders of dead processes from live ones.
        """
        scratch = self.root / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=_scratch_owner_tag(os.getpid()), dir=scratch))

    def sweep_scratch(self, *, unowned_after_s: float = 3600.0) -> list[Path]:
        """Remove the scratch folders that processes which have died left behind (a kill mid-encode),
        and half-copied blobs in the store.

        A folder tagged with this host and a pid that no longer runs is removed; one from
        another host is left to that host. Untagged folders (older adloom versions) go once
        they are ``unowned_after_s`` old.

        Returns:
            The folders removed.
        """
        # Half-copied blobs (a kill during put_file) have no owner tag: they go once they are old.
        removed = [partial for partial in self.blobs.glob("*/.incoming.*")
                   if time.time() - partial.lstat().st_mtime > unowned_after_s]
        for partial in removed:
            partial.unlink()
        scratch = self.root / "scratch"
        if not scratch.is_dir():
            return removed
        host = _scratch_host()
        for folder in scratch.iterdir():
            owner = _SCRATCH_TAG.match(folder.name)
            if owner is not None:
                stale = owner["host"] == host and not _process_alive(int(owner["pid"]))
            else:
                stale = time.time() - folder.lstat().st_mtime > unowned_after_s
            if stale:
                if folder.is_dir() and not folder.is_symlink():
                    shutil.rmtree(folder)
                else:
                    folder.unlink()
                removed.append(folder)
        return removed

    def lookup(self, key: str) -> AssetRef | None:
        """The asset recorded for a cache key, if its file is still intact."""
        entry = self.index / key[:2] / f"{key}.json"
        if not entry.exists():
            return None
        ref = AssetRef.model_validate_json(entry.read_text("utf-8"))
        path = Path(ref.path)
        if not path.exists() or sha256_file(path) != ref.sha256:
            return None
        return ref

    def remember(self, key: str, ref: AssetRef) -> None:
        """Record that ``key`` produced ``ref``."""
        write_bytes_atomic(self.index / key[:2] / f"{key}.json", ref.model_dump_json().encode("utf-8"))
