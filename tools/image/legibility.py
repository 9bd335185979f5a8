"""Reading a rendered ad back with OCR, to confirm its words are legible and right.

The engine is RapidOCR (PP-OCRv4 det/cls/rec ONNX models shipped inside the
``rapidocr-onnxruntime`` package, so nothing downloads). Load it once per process
through ``ctx.models.get(OCR_MODEL_KEY, load_text_reader)``.

Match score (:func:`match_score`): both texts are normalised (Unicode NFKC, case-folded,
every character that is not a letter or digit dropped, so "$3.49" and "3.49" agree) and
split into words at spaces and dashes. The score is the share of intended words found
in the OCR output, counted with multiplicity and regardless of order: a word counts as
found if OCR produced it as a word, or, because PP-OCR sometimes runs neighbouring words
together ("coldbrew"), if it occurs inside the OCR text with spaces removed. Words OCR
reads that were not intended (a logo's lettering, a photo's watermark) do not lower it.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np
from PIL import Image

OCR_MODEL_KEY: tuple[str, ...] = ("image.ocr", "rapidocr-onnxruntime", "PP-OCRv4")
LEGIBLE_THRESHOLD = 0.8
"""A render with a match score below this is re-rendered once, then reported illegible."""

OCR_MAX_SIDE = 1280
"""Images are scaled down to this longest side before OCR: about twice as fast as 1920 px,
and the smallest text the layouts draw (~30 px at 1080 px) stays above 20 px."""

_WORD_SPLIT = re.compile(r"[\s\-\u2010-\u2015/]+")


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    box: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class OcrReading:
    """What OCR saw: the lines in reading order and their joined text."""

    lines: tuple[OcrLine, ...]
    seconds: float

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


class TextReader:
    """A warm RapidOCR engine."""

    def __init__(self, engine) -> None:
        self._engine = engine

    def read(self, image: Image.Image) -> OcrReading:
        """OCR an image; coordinates in the result are in the image's own pixels."""
        started = time.perf_counter()
        rgb = image.convert("RGB")
        scale = min(1.0, OCR_MAX_SIDE / max(rgb.size))
        if scale < 1.0:
            rgb = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS)
        bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])  # RapidOCR takes OpenCV's BGR order
        result, _ = self._engine(bgr)
        lines = tuple(
            OcrLine(
                text=str(text),
                score=float(score),
                box=tuple((round(x / scale), round(y / scale)) for x, y in points),
            )
            for points, text, score in (result or [])
        )
        return OcrReading(lines, time.perf_counter() - started)


def load_text_reader(threads: int = 2) -> TextReader:
    """Load RapidOCR's packaged models (about 1.5 s).

    Raises:
        ImportError: naming the package to install when rapidocr-onnxruntime is missing.
    """
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise ImportError(
            "OCR legibility checks need the package rapidocr-onnxruntime: "
            "pip install rapidocr-onnxruntime==1.4.4"
        ) from exc
    return TextReader(RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1))


_LOOKALIKES = str.maketrans("015", "ols")
"""Digits OCR reads for letters of the same shape ("0z" for "oz")."""


def normalised_words(text: str) -> list[str]:
    """Case-folded words with everything but letters and digits removed; in a word that has
    letters, the digits 0, 1 and 5 are read as the letters o, l and s they look like."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    words = []
    for raw in _WORD_SPLIT.split(folded):
        word = "".join(ch for ch in raw if ch.isalnum())
        if any(ch.isalpha() for ch in word):
            word = word.translate(_LOOKALIKES)
        if word:
            words.append(word)
    return words


def match_score(intended: str, recognised: str) -> float:
    """Share (0..1) of the intended words that OCR read; see the module docstring.

    Each OCR word (or stretch of run-together text) is used up by the word it matches,
    so an intended word that appears twice must be read twice.
    """
    wanted = normalised_words(intended)
    if not wanted:
        return 1.0
    read = normalised_words(recognised)
    unread = Counter(read)
    missing: list[str] = []
    for word in wanted:
        if unread[word] > 0:
            unread[word] -= 1
        else:
            missing.append(word)
    # What OCR read but no intended word claimed, in reading order, spaces removed.
    leftover = []
    for word in read:
        if unread[word] > 0:
            unread[word] -= 1
            leftover.append(word)
    joined = "".join(leftover)
    found = len(wanted) - len(missing)
    for word in missing:
        if len(word) > 1 and word in joined:
            joined = joined.replace(word, "|", 1)
            found += 1
    return found / len(wanted)
