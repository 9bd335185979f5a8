"""Reference-based text metrics for generated copy: BLEU-4 and ROUGE-L.

Written from the papers, not from an existing package, so the exact rules are stated
here:

* **Tokens** (:func:`tokenize_for_metrics`): the text is lower-cased; a token is a run
  of word characters that may contain internal apostrophes or hyphens (``don't``,
  ``e-cigarette``) and, between digits, a period or comma (``3.5``, ``10,000``); every
  other non-space character (punctuation, symbols) is a token of its own.
* **Corpus BLEU-4** (:func:`bleu4`, Papineni et al. 2002): per n (1..4) the candidate
  n-gram counts are clipped by the largest count of that n-gram in any one reference,
  clipped matches and candidate n-grams are summed over the whole corpus, and the four
  modified precisions are combined by an unweighted geometric mean. The brevity penalty
  compares total candidate length ``c`` with the effective reference length ``r``, the
  sum over sentences of the reference length closest to the candidate's (the shorter on
  a tie): ``BP = 1`` if ``c > r`` else ``exp(1 - r / c)``. Without smoothing, any
  zero precision makes the score 0.
* **Sentence BLEU-4** (:func:`sentence_bleu4`): the same for one sentence, by default
  with the add-one smoothing of Lin & Och (2004, "ORANGE"): one is added to the matches
  and to the total for n = 2..4 (not for unigrams), so a sentence with some unigram
  overlap but no 4-gram match still scores above 0.
* **ROUGE-L** (:func:`rouge_l`, Lin 2004): with ``L`` the length of the longest common
  subsequence of the token lists, ``R = L / len(reference)``, ``P = L / len(candidate)``
  and ``F = (1 + b^2) P R / (R + b^2 P)``. The default ``b = 1`` is the balanced F that
  ROUGE-1.5.5 reports with its default ``-p 0.5`` (and that Google's ``rouge-score``
  reports); ``b = 1.2`` is the convention of the COCO caption evaluation and is
  available through ``beta=1.2``. :func:`corpus_rouge_l` is the mean F over sentences.

Empty input rule: an empty *list* of sentences, mismatched list lengths, or a candidate
with no references is a caller error and raises :class:`ValueError`; an empty *string*
is a legitimate (bad) output and scores 0.0 wherever it is the candidate or reference.
All scores are in [0, 1].
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MAX_ORDER = 4

_TOKEN = re.compile(r"\w+(?:(?:['’-]|(?<=\d)[.,](?=\d))\w+)*|[^\w\s]")

Smoothing = Literal["add-one", "none"]


def tokenize_for_metrics(text: str) -> list[str]:
    """Lower-case ``text`` and split it into word and punctuation tokens.

    >>> tokenize_for_metrics("Don't wait: 3.5x faster!")
    ["don't", 'wait', ':', '3.5x', 'faster', '!']
    """
    return _TOKEN.findall(text.lower())


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class _SentenceStats:
    """What one candidate contributes to BLEU: clipped matches and totals per order."""

    matches: tuple[int, ...]
    totals: tuple[int, ...]
    candidate_length: int
    reference_length: int


def _closest_reference_length(candidate_length: int, reference_lengths: list[int]) -> int:
    # Closest in absolute difference; on a tie the shorter reference wins (the usual
    # "closest" convention of the NIST and sacreBLEU scripts).
    return min(reference_lengths, key=lambda length: (abs(length - candidate_length), length))


def _sentence_stats(candidate: str, references: Sequence[str]) -> _SentenceStats:
    if isinstance(references, str) or len(references) == 0:
        raise ValueError("each candidate needs a non-empty list of reference strings")
    cand_tokens = tokenize_for_metrics(candidate)
    ref_tokens = [tokenize_for_metrics(reference) for reference in references]
    matches: list[int] = []
    totals: list[int] = []
    for n in range(1, MAX_ORDER + 1):
        cand_counts = _ngrams(cand_tokens, n)
        max_ref_counts: Counter[tuple[str, ...]] = Counter()
        for tokens in ref_tokens:
            for gram, count in _ngrams(tokens, n).items():
                max_ref_counts[gram] = max(max_ref_counts[gram], count)
        matches.append(sum(min(count, max_ref_counts[gram]) for gram, count in cand_counts.items()))
        totals.append(sum(cand_counts.values()))
    return _SentenceStats(
        matches=tuple(matches),
        totals=tuple(totals),
        candidate_length=len(cand_tokens),
        reference_length=_closest_reference_length(len(cand_tokens), [len(t) for t in ref_tokens]),
    )


def brevity_penalty(candidate_length: int, reference_length: int) -> float:
    """BLEU's brevity penalty: 1 when the candidate is longer, else ``exp(1 - r/c)``; 0 when c = 0."""
    if candidate_length == 0:
        return 0.0
    if candidate_length > reference_length:
        return 1.0
    return math.exp(1.0 - reference_length / candidate_length)


def _combine(
    matches: Sequence[int], totals: Sequence[int], candidate_length: int, reference_length: int,
    smoothing: Smoothing,
) -> float:
    if candidate_length == 0:
        return 0.0
    log_precision_sum = 0.0
    for order, (hit, total) in enumerate(zip(matches, totals), start=1):
        if smoothing == "add-one" and order > 1:
            hit, total = hit + 1, total + 1
        if hit == 0 or total == 0:
            return 0.0
        log_precision_sum += math.log(hit / total)
    return brevity_penalty(candidate_length, reference_length) * math.exp(log_precision_sum / MAX_ORDER)


def bleu4(candidates: Sequence[str], references: Sequence[Sequence[str]]) -> float:
    """Corpus BLEU-4 of ``candidates`` against their references (no smoothing).

    Args:
        candidates: one system output per segment.
        references: for each candidate, one or more reference strings.

    Returns:
        BLEU in [0, 1] (not scaled by 100).

    Raises:
        ValueError: empty corpus, lengths differ, or a candidate has no reference.
    """
    if len(candidates) == 0:
        raise ValueError("bleu4 needs at least one candidate")
    if len(candidates) != len(references):
        raise ValueError(
            f"bleu4: {len(candidates)} candidates but {len(references)} reference lists"
        )
    stats = [_sentence_stats(cand, refs) for cand, refs in zip(candidates, references)]
    matches = [sum(s.matches[i] for s in stats) for i in range(MAX_ORDER)]
    totals = [sum(s.totals[i] for s in stats) for i in range(MAX_ORDER)]
    return _combine(
        matches,
        totals,
        sum(s.candidate_length for s in stats),
        sum(s.reference_length for s in stats),
        smoothing="none",
    )


def sentence_bleu4(
    candidate: str, references: Sequence[str], smoothing: Smoothing = "add-one"
) -> float:
    """BLEU-4 of one sentence; ``smoothing="add-one"`` is Lin & Och (2004), ``"none"`` is plain BLEU.

    Raises:
        ValueError: no references, or an unknown smoothing name.
    """
    if smoothing not in ("add-one", "none"):
        raise ValueError(f"sentence_bleu4: smoothing must be 'add-one' or 'none', not {smoothing!r}")
    stats = _sentence_stats(candidate, references)
    return _combine(
        stats.matches, stats.totals, stats.candidate_length, stats.reference_length, smoothing
    )


@dataclass(frozen=True)
class RougeScore:
    """ROUGE-L of one candidate; ``f1`` is the F-measure at the ``beta`` used (1 by default)."""

    precision: float
    recall: float
    f1: float


def longest_common_subsequence(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two token lists (O(len(a)·len(b)))."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for token_a in a:
        current = [0]
        for j, token_b in enumerate(b, start=1):
            if token_a == token_b:
                current.append(previous[j - 1] + 1)
            else:
                current.append(max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


def rouge_l(candidate: str, reference: str, *, beta: float = 1.0) -> RougeScore:
    """Sentence-level ROUGE-L of ``candidate`` against one ``reference``.

    Args:
        candidate: system output.
        reference: human reference.
        beta: weight of recall against precision in F; 1 = balanced (ROUGE-1.5.5 default).
    """
    if beta <= 0:
        raise ValueError(f"rouge_l: beta must be positive, not {beta}")
    cand_tokens = tokenize_for_metrics(candidate)
    ref_tokens = tokenize_for_metrics(reference)
    if not cand_tokens or not ref_tokens:
        return RougeScore(0.0, 0.0, 0.0)
    lcs = longest_common_subsequence(cand_tokens, ref_tokens)
    if lcs == 0:
        return RougeScore(0.0, 0.0, 0.0)
    precision = lcs / len(cand_tokens)
    recall = lcs / len(ref_tokens)
    b2 = beta * beta
    f_score = (1 + b2) * precision * recall / (recall + b2 * precision)
    return RougeScore(precision=precision, recall=recall, f1=f_score)


def corpus_rouge_l(
    candidates: Sequence[str], references: Sequence[str], *, beta: float = 1.0
) -> float:
    """Mean ROUGE-L F over aligned candidate/reference pairs.

    Raises:
        ValueError: empty lists or lengths that differ.
    """
    if len(candidates) == 0:
        raise ValueError("corpus_rouge_l needs at least one candidate")
    if len(candidates) != len(references):
        raise ValueError(
            f"corpus_rouge_l: {len(candidates)} candidates but {len(references)} references"
        )
    scores = [rouge_l(c, r, beta=beta).f1 for c, r in zip(candidates, references)]
    return sum(scores) / len(scores)
