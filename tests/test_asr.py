"""Speech recognition with the packaged Whisper base weights, on real recordings."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from adloom.tools.asr import ASRBackendError, load_recognizer, packaged_whisper_base, transcribe
from adloom.tools.asr.whisper_files import MANIFEST_NAME
from adloom.tools.config import ASRSettings
from adloom.tools.context import ResidentModels

JFK_REFERENCE = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference length (case and punctuation ignored)."""

    def words(text: str) -> list[str]:
        return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()

    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        previous, row[0] = row[0], i
        for j, hyp_word in enumerate(hyp, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ref_word != hyp_word))
    return row[-1] / max(1, len(ref))


def test_word_error_rate_counts_edits():
    assert word_error_rate("ask not what", "Ask not, what") == 0.0
    assert word_error_rate("ask not what your country", "ask what your county") == pytest.approx(2 / 5)


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def recognizer(models_dir: Path):
    return load_recognizer(ASRSettings(), models_dir, ResidentModels())


def test_jfk_is_transcribed_with_low_word_error_rate(recognizer, shared_data: Path):
    transcript = transcribe(shared_data / "speech" / "jfk.flac", recognizer=recognizer)
    assert transcript.language == "en"
    assert transcript.duration_s == pytest.approx(11.0, abs=0.1)
    assert word_error_rate(JFK_REFERENCE, transcript.text) <= 0.10
    americans = [word for word in transcript.words if word.text.strip(",.").lower() == "americans"]
    assert americans and americans[0].start <= 1.8 <= americans[0].end
    starts = [word.start for word in transcript.words]
    assert starts == sorted(starts) and all(word.end >= word.start for word in transcript.words)


def test_packaged_model_is_assembled_once_and_checked(recognizer, models_dir: Path):
    folder = packaged_whisper_base(models_dir)
    manifest = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
    assert manifest["sizes"]["model.bin"] == (folder / "model.bin").stat().st_size > 100_000_000
    stamp = (folder / "model.bin").stat().st_mtime_ns
    assert packaged_whisper_base(models_dir) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == stamp  # not rebuilt
    assert not [p for p in models_dir.iterdir() if p.name.startswith(".")]  # no staging left behind


def test_damaged_model_folder_is_rebuilt(tmp_path: Path):
    folder = packaged_whisper_base(tmp_path)
    with (folder / "vocabulary.txt").open("ab") as handle:
        handle.write(b"junk")
    rebuilt = packaged_whisper_base(tmp_path)
    manifest = json.loads((rebuilt / MANIFEST_NAME).read_text("utf-8"))
    assert (rebuilt / "vocabulary.txt").stat().st_size == manifest["sizes"]["vocabulary.txt"]


def test_threads_assembling_at_once_all_get_the_same_whole_folder(tmp_path: Path):
    """Two variants subtitle at the same time: neither may replace the folder the other loads."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=3) as pool:
        folders = list(pool.map(lambda _: packaged_whisper_base(tmp_path), range(3)))
    assert len(set(folders)) == 1
    manifest = json.loads((folders[0] / MANIFEST_NAME).read_text())
    assert (folders[0] / "model.bin").stat().st_size == manifest["sizes"]["model.bin"]
    assert [p.name for p in tmp_path.iterdir()] == [folders[0].name]  # no staging folder left behind


def test_model_setting_must_name_a_ctranslate2_folder(tmp_path: Path):
    with pytest.raises(ASRBackendError, match=r"\[asr\] model"):
        load_recognizer(ASRSettings(model=str(tmp_path)), tmp_path, ResidentModels())


def test_transcribe_tool_uses_the_asset_cache(tool_context, shared_data: Path):
    from adloom.tools.registry import load_tools

    tool = load_tools(plugins=False)["asr.transcribe"]
    clip = shared_data / "speech" / "faster_whisper_stereo_diarization.wav"
    first = tool.run({"path": str(clip), "language": "en"}, tool_context)
    assert first.transcript.words and first.asset.kind == "json"
    second = tool.run({"path": str(clip), "language": "en"}, tool_context)
    assert second.asset == first.asset and second.transcript == first.transcript


def test_transcribe_tool_needs_exactly_one_source(tool_context):
    from adloom.tools.registry import ToolInputError, load_tools

    tool = load_tools(plugins=False)["asr.transcribe"]
    with pytest.raises(ToolInputError, match="exactly one"):
        tool.run({}, tool_context)
