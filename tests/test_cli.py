"""The ``adloom`` command line, run as a real subprocess in an isolated data folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"
# Keeps a real run on the embedded model short: one candidate per platform, no re-asks.
FAST_CONFIG = "[copywriter]\ncandidates = 1\n[llm]\nmax_retries = 0\n"
RUN_ID = re.compile(r"^run id:\s+([0-9a-f]{32})$", re.M)


def adloom_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for a CLI subprocess: no ADLOOM_* from outside, offline, wide output."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("ADLOOM_")}
    env.update(
        ADLOOM_DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
        PYTHONUNBUFFERED="1", COLUMNS="250",
    )
    env.update(extra)
    return env


def adloom_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "adloom.cli", *map(str, args)]


def run_adloom(workdir: Path, *args: str | Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run ``adloom ARGS`` in ``workdir`` with data in ``workdir/data``."""
    return subprocess.run(
        adloom_command(*args), cwd=workdir, env=adloom_env(workdir / "data", **env),
        capture_output=True, text=True, timeout=timeout,
    )


def explain(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working directory (so no adloom.toml is picked up)."""
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


def test_invalid_brief_exits_2_with_one_line_per_problem_and_writes_nothing(workdir):
    brief = workdir / "bad.yaml"
    brief.write_text(
        "brand: {name: Acme, slogan: Boom}\n"
        "product: {name: Anvil}\n"
        "platforms: [tiktok, myspace]\n"
        "duration_s: 500\n",
        encoding="utf-8",
    )
    # A narrow terminal must not fold a long problem over two lines.
    result = run_adloom(workdir, "run", brief, "--out", workdir / "out", COLUMNS="40")
    assert result.returncode == 2, explain(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 4, explain(result)
    assert all(line.startswith(f"error: {brief}: ") for line in lines), explain(result)
    for key in ("brand.slogan", "product.description", "platforms.1", "duration_s"):
        assert sum(key in line for line in lines) == 1, (key, explain(result))
    assert "youtube_shorts" in next(line for line in lines if "platforms.1" in line)
    assert result.stdout == ""
    assert not (workdir / "data").exists(), "an invalid brief created the data folder"
    assert not (workdir / "out").exists(), "an invalid brief created the output folder"


def test_missing_brief_file_exits_2(workdir):
    result = run_adloom(workdir, "run", workdir / "absent.yaml")
    assert result.returncode == 2, explain(result)
    assert "brief file does not exist" in result.stderr
    assert not (workdir / "data").exists()


def test_bad_config_value_exits_2_naming_the_key(workdir):
    config = workdir / "bad.toml"
    config.write_text('[llm]\nbackend = "gpt"\n', encoding="utf-8")
    result = run_adloom(workdir, "run", EXAMPLE, "--config", config)
    assert result.returncode == 2, explain(result)
    assert "llm.backend" in result.stderr and "ADLOOM_LLM__BACKEND" in result.stderr
    assert all(line.startswith("error: ") for line in result.stderr.splitlines() if line.strip())
    assert not (workdir / "data").exists()


def test_bad_environment_value_exits_2_naming_the_variable(workdir):
    result = run_adloom(workdir, "runs", "list", ADLOOM_TTS__BACKEND="espeak")
    assert result.returncode == 2, explain(result)
    assert "tts.backend" in result.stderr and "ADLOOM_TTS__BACKEND" in result.stderr


def test_missing_config_file_exits_2(workdir):
    result = run_adloom(workdir, "runs", "list", "--config", workdir / "nope.toml")
    assert result.returncode == 2, explain(result)
    assert "config file not found" in result.stderr


def test_brands_import_is_idempotent_and_listed(workdir):
    for _ in range(2):
        imported = run_adloom(workdir, "brands", "import", EXAMPLE)
        assert imported.returncode == 0, explain(imported)
        assert "stored brand 'Northwind Coffee' with product 'Northwind Cold Brew'" in imported.stdout
    listed = run_adloom(workdir, "brands", "list")
    assert listed.returncode == 0, explain(listed)
    rows = [line for line in listed.stdout.splitlines() if "Northwind Coffee" in line]
    assert len(rows) == 1, explain(listed)
    assert "Northwind Cold Brew" in rows[0] and "warm, upbeat" in rows[0]


def test_brands_import_of_an_invalid_brief_exits_2(workdir):
    brief = workdir / "bad.yaml"
    brief.write_text("brand: {name: Acme}\n", encoding="utf-8")
    result = run_adloom(workdir, "brands", "import", brief)
    assert result.returncode == 2, explain(result)
    assert "product: is required" in result.stderr


@pytest.mark.parametrize("command", [("runs", "show"), ("resume",)])
def test_unknown_run_id_exits_2(workdir, command):
    result = run_adloom(workdir, *command, "0123456789abcdef0123456789abcdef")
    assert result.returncode == 2, explain(result)
    assert "no run with id '0123456789abcdef0123456789abcdef'" in result.stderr


@pytest.mark.slow
def test_real_run_through_the_cli(workdir):
    config = workdir / "fast.toml"
    config.write_text(FAST_CONFIG, encoding="utf-8")
    out_dir = workdir / "out"
    result = run_adloom(workdir, "run", EXAMPLE, "--out", out_dir, "--config", config, timeout=600)
    assert result.returncode == 0, explain(result)

    match = RUN_ID.search(result.stdout)
    assert match, explain(result)
    run_id = match.group(1)
    manifest_path = out_dir / run_id / "manifest.json"
    assert re.search(rf"^outputs:\s+{re.escape(str(out_dir / run_id))}$", result.stdout, re.M), explain(result)
    assert re.search(rf"^manifest:\s+{re.escape(str(manifest_path))}$", result.stdout, re.M), explain(result)
    manifest = json.loads(manifest_path.read_text("utf-8"))
    assert manifest["run_id"] == run_id
    status = manifest["status"]
    assert status in ("succeeded", "needs_review")
    # The status the terminal prints, `runs list` and `runs show` all agree with the manifest.
    assert re.search(rf"^status:\s+{status}$", result.stdout, re.M), explain(result)
    assert Path(manifest["outputs"]["copy"]).is_file()
    # Progress goes to stderr, one line per node start/finish.
    assert "✓ Planning the scenes" in result.stderr and "✓ Saving the campaign files" in result.stderr, explain(result)

    listed = run_adloom(workdir, "runs", "list", "--config", config)
    assert listed.returncode == 0, explain(listed)
    row = next((line for line in listed.stdout.splitlines() if run_id in line), None)
    assert row is not None and status in row, explain(listed)

    shown = run_adloom(workdir, "runs", "show", run_id, "--config", config)
    assert shown.returncode == 0, explain(shown)
    assert f"run id:  {run_id}" in shown.stdout and f"status:  {status}" in shown.stdout
    assert f"manifest: {manifest_path}" in shown.stdout
    events = re.findall(r"│ (\w+)\s+│ (started|finished|failed)\s+│", shown.stdout)
    for node in ("planner", "copywriter", "critic", "manifest"):
        assert (node, "started") in events and (node, "finished") in events, (node, shown.stdout)
    assert events.index(("planner", "finished")) < events.index(("copywriter", "started"))


def test_the_run_bar_fills_over_the_whole_run_weighed_by_typical_stage_seconds():
    from io import StringIO

    from rich.console import Console
    from rich.progress import Progress

    from adloom.console import RunProgress
    from adloom.graphs.campaign import campaign_stages
    from adloom.graphs.tracking import STAGES

    printed = StringIO()
    run = RunProgress(Progress(console=Console(file=printed, width=200)))
    run.report("run", "created", {"stages": campaign_stages(1)})
    total = sum(STAGES[s].typical_s for s in campaign_stages(1))
    run.report("planner", "started", {"label": "planner", "words": "Planning the scenes"})
    run.report("planner", "finished", {"label": "planner", "words": "Planning the scenes", "seconds": 8.0})
    run.report("copywriter", "started", {"label": "copywriter:v1", "words": "Writing the copy (v1)"})
    run.progress("for TikTok, 1 of 4", 0.5)
    expected = (STAGES["planner"].typical_s + STAGES["copywriter"].typical_s / 2) / total
    assert run.fraction == pytest.approx(expected)
    assert run.bar.tasks[0].description == "Writing the copy (v1): for TikTok, 1 of 4"
    assert "✓ Planning the scenes (8.0 s)" in printed.getvalue()

    # A send-back runs the copywriter again: the run gets longer, never past 100%.
    for node in campaign_stages(1)[2:-1] + ["copywriter"]:  # the rest, then the copy again
        run.report(node, "started", {"words": node})
        run.report(node, "finished", {"words": node, "seconds": 1.0})
    assert run.total_s == pytest.approx(total + STAGES["copywriter"].typical_s)
    assert run.fraction < 1.0
