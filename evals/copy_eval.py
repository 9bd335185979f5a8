"""The copy evaluation behind ``adloom eval copy``.

It scores a copy generator on the curated slogan test set of Jin et al. (2022)
(``copy/slogan_test-curated.csv`` in the shared data: a company description in ``desc``
and the human-written slogan in ``output``). For each row the generator gets the
description and returns one line of copy; corpus BLEU-4 and mean ROUGE-L F against the
human slogan are reported for the generator and for a first-sentence baseline (the
description's first sentence, a floor any useful generator should beat). Metric rules
are in :mod:`adloom.evals.text_metrics`.

Typical use::

    rows = load_slogan_rows(slogan_csv_path(shared_data_dir), limit=100)
    report = evaluate_copy(rows, generate=my_copywriter, progress=print_progress)
    print(format_report_table(report))
    write_report(report, out_dir)
"""

from __future__ import annotations

import csv
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from adloom.evals.text_metrics import bleu4, corpus_rouge_l, rouge_l, sentence_bleu4
from adloom.storage.files import write_json_atomic

SLOGAN_CSV_IN_SHARED_DATA = Path("copy") / "slogan_test-curated.csv"
DESCRIPTION_COLUMN = "desc"
SLOGAN_COLUMN = "output"
BASELINE_NAME = "first sentence"

# A sentence ends at . ! or ? followed by whitespace or the end of the text. That keeps
# "3.5" and "example.com" whole; an abbreviation such as "Inc." also ends a sentence,
# which is acceptable for a baseline on one-paragraph company blurbs.
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


@dataclass(frozen=True)
class SloganRow:
    """One test pair: a company description and its human-written slogan."""

    description: str
    slogan: str


def slogan_csv_path(shared_data_dir: Path) -> Path:
    """Where the curated slogan CSV lives inside the shared data folder."""
    return Path(shared_data_dir) / SLOGAN_CSV_IN_SHARED_DATA


def load_slogan_rows(csv_path: Path | str, limit: int | None = 100) -> list[SloganRow]:
    """Read the first ``limit`` (description, slogan) pairs of the slogan CSV.

    Args:
        csv_path: a CSV with a header row holding at least ``desc`` and ``output``;
            quoted fields with commas, quotes and newlines are handled by :mod:`csv`.
        limit: how many rows to read from the top, in file order; ``None`` reads all.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: ``limit`` < 1, a required column is missing, or a row has an empty
            description or slogan (the message names the file and line).
    """
    path = Path(csv_path)
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 (or None for all rows), not {limit}")
    if not path.is_file():
        raise FileNotFoundError(f"slogan CSV not found: {path}")
    rows: list[SloganRow] = []
    with path.open("r", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {DESCRIPTION_COLUMN, SLOGAN_COLUMN} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(
                f"{path}: missing column(s) {sorted(missing)}; header has {reader.fieldnames}"
            )
        for record in reader:
            if limit is not None and len(rows) >= limit:
                break
            description = (record[DESCRIPTION_COLUMN] or "").strip()
            slogan = (record[SLOGAN_COLUMN] or "").strip()
            if not description or not slogan:
                empty = DESCRIPTION_COLUMN if not description else SLOGAN_COLUMN
                raise ValueError(f"{path}, line {reader.line_num}: empty '{empty}' field")
            rows.append(SloganRow(description=description, slogan=slogan))
    return rows


def first_sentence_baseline(description: str) -> str:
    """The description's first sentence (the whole text when it has no sentence end)."""
    text = " ".join(description.split())
    match = _SENTENCE_END.search(text)
    return text[: match.end()] if match else text


@dataclass(frozen=True)
class RowResult:
    """What happened on one test row."""

    index: int
    description: str
    reference: str
    output: str
    baseline: str
    seconds: float
    rouge_l: float
    baseline_rouge_l: float
    sentence_bleu4: float
    baseline_sentence_bleu4: float


@dataclass(frozen=True)
class SystemScores:
    """Corpus scores of one system."""

    name: str
    bleu4: float
    rouge_l: float
    seconds: float


@dataclass(frozen=True)
class CopyEvalReport:
    """Scores for the generator and the baseline, plus every row's outputs."""

    created_at: str
    source: str
    system: SystemScores
    baseline: SystemScores
    rows: list[RowResult]

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def seconds_per_row(self) -> float:
        return self.system.seconds / len(self.rows) if self.rows else 0.0


def evaluate_copy(
    rows: Sequence[SloganRow],
    generate: Callable[[str], str],
    *,
    progress: Callable[[int, int], None] | None = None,
    system_name: str = "system",
    source: str = "",
) -> CopyEvalReport:
    """Run ``generate`` on every row's description and score it and the baseline.

    Args:
        rows: test pairs, e.g. from :func:`load_slogan_rows`.
        generate: description -> one line of copy (the system under test).
        progress: called as ``progress(done, total)`` after each row.
        system_name: label for the generator in the table and the JSON.
        source: where the rows came from (recorded in the report).

    Raises:
        ValueError: no rows.
        TypeError: ``generate`` returned something other than a string.
    """
    if not rows:
        raise ValueError("evaluate_copy needs at least one row")
    outputs: list[str] = []
    baselines: list[str] = []
    seconds: list[float] = []
    baseline_seconds = 0.0
    for index, row in enumerate(rows):
        started = time.perf_counter()
        try:
            output = generate(row.description)
        except Exception as exc:
            exc.add_note(f"while generating copy for slogan row {index}: {row.description[:80]!r}")
            raise
        seconds.append(time.perf_counter() - started)
        if not isinstance(output, str):
            raise TypeError(
                f"generate returned {type(output).__name__} for row {index}; it must return str"
            )
        started = time.perf_counter()
        baselines.append(first_sentence_baseline(row.description))
        baseline_seconds += time.perf_counter() - started
        outputs.append(output)
        if progress is not None:
            progress(index + 1, len(rows))

    references = [row.slogan for row in rows]
    results = [
        RowResult(
            index=index,
            description=row.description,
            reference=row.slogan,
            output=output,
            baseline=baseline,
            seconds=row_seconds,
            rouge_l=rouge_l(output, row.slogan).f1,
            baseline_rouge_l=rouge_l(baseline, row.slogan).f1,
            sentence_bleu4=sentence_bleu4(output, [row.slogan]),
            baseline_sentence_bleu4=sentence_bleu4(baseline, [row.slogan]),
        )
        for index, (row, output, baseline, row_seconds) in enumerate(
            zip(rows, outputs, baselines, seconds)
        )
    ]
    return CopyEvalReport(
        created_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        source=source,
        system=SystemScores(
            name=system_name,
            bleu4=bleu4(outputs, [[ref] for ref in references]),
            rouge_l=corpus_rouge_l(outputs, references),
            seconds=sum(seconds),
        ),
        baseline=SystemScores(
            name=BASELINE_NAME,
            bleu4=bleu4(baselines, [[ref] for ref in references]),
            rouge_l=corpus_rouge_l(baselines, references),
            seconds=baseline_seconds,
        ),
        rows=results,
    )


def format_report_table(report: CopyEvalReport) -> str:
    """A plain-text table: system and baseline, BLEU-4, ROUGE-L F, rows, seconds per row."""
    header = ("", "BLEU-4", "ROUGE-L", "rows", "s/row")
    lines = [
        (
            scores.name,
            f"{scores.bleu4:.4f}",
            f"{scores.rouge_l:.4f}",
            str(report.row_count),
            f"{scores.seconds / report.row_count:.3f}",
        )
        for scores in (report.system, report.baseline)
    ]
    widths = [max(len(cells[i]) for cells in (header, *lines)) for i in range(len(header))]

    def render(cells: tuple[str, ...]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:]))
        return "  ".join((first, *rest))

    title = "copy eval: scores in [0, 1]; BLEU-4 corpus-level, ROUGE-L mean F (beta=1)"
    return "\n".join([title, render(header), *(render(cells) for cells in lines)])


def write_report(report: CopyEvalReport, out_dir: Path | str) -> Path:
    """Write the report with every row's outputs as JSON in ``out_dir``; return its path.

    The file is named after the report's creation time, so writing the same report twice
    replaces the file (atomically) instead of adding another.
    """
    stamp = report.created_at.replace(":", "").replace("-", "").replace(".", "-")
    path = Path(out_dir) / f"copy-eval-{stamp}.json"
    payload = {
        "kind": "copy-eval",
        "created_at": report.created_at,
        "source": report.source,
        "row_count": report.row_count,
        "seconds_per_row": report.seconds_per_row,
        "metrics": {
            "bleu4": "corpus BLEU-4, no smoothing, closest reference length (evals.text_metrics)",
            "rouge_l": "mean sentence ROUGE-L F with beta=1",
            "row sentence_bleu4": "sentence BLEU-4 with Lin & Och add-one smoothing",
        },
        "system": asdict(report.system),
        "baseline": asdict(report.baseline),
        "rows": [asdict(row) for row in report.rows],
    }
    write_json_atomic(path, payload)
    return path
