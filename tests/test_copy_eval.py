"""The copy eval harness on the real curated slogan CSV."""

from __future__ import annotations

import json

import pytest

from adloom.evals.copy_eval import (
    SloganRow,
    evaluate_copy,
    first_sentence_baseline,
    format_report_table,
    load_slogan_rows,
    slogan_csv_path,
    write_report,
)
from adloom.evals.text_metrics import bleu4, corpus_rouge_l
from adloom.storage.assets import sha256_file


@pytest.fixture(scope="module")
def slogan_csv(shared_data):
    return slogan_csv_path(shared_data)


def test_load_reads_desc_and_output_columns_in_file_order(slogan_csv):
    rows = load_slogan_rows(slogan_csv, limit=3)
    assert len(rows) == 3
    # First data row of the file (fields are quoted and contain commas and '&').
    assert rows[0] == SloganRow(
        description=(
            "Our expert team of Analytical Chemists provide eLiquid analysis & manufacturing "
            "services, ensuring full regulatory compliance for the e-cigarette market."
        ),
        slogan="E-Liquid Testing UK",
    )
    assert rows[1].slogan == "Great Performances Start With Great Service"
    assert rows[1].description.startswith("<company> is West Michigan's full service")


def test_load_limit_and_all_rows(slogan_csv):
    assert len(load_slogan_rows(slogan_csv)) == 100  # default limit
    every = load_slogan_rows(slogan_csv, limit=None)
    assert len(every) == 994  # per the shared data MANIFEST
    assert load_slogan_rows(slogan_csv, limit=7) == every[:7]
    with pytest.raises(ValueError, match="limit"):
        load_slogan_rows(slogan_csv, limit=0)


def test_load_handles_quoted_newlines_and_reports_bad_files(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(
        'desc,output,type\n"Line one, with comma.\nLine ""two"".",Say it,headline\n', "utf-8"
    )
    assert load_slogan_rows(good) == [
        SloganRow(description='Line one, with comma.\nLine "two".', slogan="Say it")
    ]
    missing_column = tmp_path / "bad.csv"
    missing_column.write_text("description,slogan\na,b\n", "utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv.*missing column\(s\) \['desc', 'output'\]"):
        load_slogan_rows(missing_column)
    empty_slogan = tmp_path / "empty.csv"
    empty_slogan.write_text("desc,output\nsome text,ok\nmore text,\n", "utf-8")
    with pytest.raises(ValueError, match=r"empty\.csv, line 3: empty 'output'"):
        load_slogan_rows(empty_slogan)
    with pytest.raises(FileNotFoundError, match="nowhere.csv"):
        load_slogan_rows(tmp_path / "nowhere.csv")


def test_first_sentence_baseline():
    assert first_sentence_baseline("Fast bikes. Made in Ohio! Call now.") == "Fast bikes."
    assert first_sentence_baseline("Version 3.5 is here.  Try it") == "Version 3.5 is here."
    assert first_sentence_baseline("No full stop\n here") == "No full stop here"


def test_baseline_as_system_scores_equal_to_baseline(slogan_csv):
    rows = load_slogan_rows(slogan_csv, limit=25)
    seen: list[tuple[int, int]] = []
    report = evaluate_copy(
        rows,
        first_sentence_baseline,
        progress=lambda done, total: seen.append((done, total)),
        system_name="baseline copy",
        source=str(slogan_csv),
    )
    assert seen == [(i, 25) for i in range(1, 26)]
    assert report.row_count == 25
    assert report.system.bleu4 == report.baseline.bleu4
    assert report.system.rouge_l == report.baseline.rouge_l
    # The numbers are the metrics of the real rows, not placeholders.
    baselines = [first_sentence_baseline(r.description) for r in rows]
    assert report.baseline.bleu4 == bleu4(baselines, [[r.slogan] for r in rows])
    assert report.baseline.rouge_l == corpus_rouge_l(baselines, [r.slogan for r in rows])
    assert 0.0 < report.baseline.rouge_l < 0.5  # descriptions are not slogans
    assert [r.output for r in report.rows] == baselines
    assert all(r.seconds >= 0 for r in report.rows)

    table = format_report_table(report)
    lines = table.splitlines()
    assert lines[1].split() == ["BLEU-4", "ROUGE-L", "rows", "s/row"]
    assert lines[2].startswith("baseline copy")
    assert lines[3].startswith("first sentence")
    assert f"{report.system.rouge_l:.4f}" in lines[2]
    assert " 25 " in lines[2]


def test_reference_as_system_scores_perfect_and_report_json(slogan_csv, tmp_path):
    rows = load_slogan_rows(slogan_csv, limit=40)
    by_description = {row.description: row.slogan for row in rows}
    report = evaluate_copy(rows, lambda description: by_description[description])
    assert report.system.bleu4 == pytest.approx(1.0)
    assert report.system.rouge_l == pytest.approx(1.0)
    assert report.baseline.rouge_l < report.system.rouge_l

    path = write_report(report, tmp_path / "reports")
    data = json.loads(path.read_text("utf-8"))
    assert data["row_count"] == 40
    assert data["system"]["bleu4"] == pytest.approx(1.0)
    assert data["baseline"]["rouge_l"] == pytest.approx(report.baseline.rouge_l)
    assert len(data["rows"]) == 40
    assert data["rows"][0]["reference"] == "E-Liquid Testing UK"
    assert data["rows"][0]["output"] == "E-Liquid Testing UK"
    assert data["rows"][0]["rouge_l"] == pytest.approx(1.0)
    # Same report, same file: rewriting replaces it, no temporary files are left.
    before = sha256_file(path)
    assert write_report(report, tmp_path / "reports") == path
    assert sha256_file(path) == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_generate_errors_are_clear():
    rows = [SloganRow("A shop that sells bikes.", "Ride more")]
    with pytest.raises(TypeError, match="returned NoneType for row 0"):
        evaluate_copy(rows, lambda description: None)  # type: ignore[arg-type,return-value]

    def broken(description: str) -> str:
        raise RuntimeError("model fell over")

    with pytest.raises(RuntimeError, match="model fell over") as caught:
        evaluate_copy(rows, broken)
    assert any("slogan row 0" in note for note in caught.value.__notes__)
    with pytest.raises(ValueError, match="at least one row"):
        evaluate_copy([], broken)
