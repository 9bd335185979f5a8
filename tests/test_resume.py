"""Crash and resume: a real ``adloom run`` is killed mid-run, then ``adloom resume`` finishes it.

Nodes that finished before the kill must not run again: the run's event log (written by
both processes into the same database) counts each node's ``finished`` events.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from adloom.storage import records
from adloom.storage.database import Database, open_database
from test_cli import FAST_CONFIG, adloom_command, adloom_env, explain, run_adloom
from waiting import wait_until

EXAMPLE = REPO_ROOT / "examples" / "brief.yaml"
POLL_TIMEOUT_S = 120
POLL_INTERVAL_S = 0.2
LEASE_S = 2.0


def wait_for_copywriter_start(process: subprocess.Popen, database_file: Path, log: Path) -> tuple[Database, str]:
    """Poll the run database until the copywriter node has started; returns the run id."""
    deadline = time.monotonic() + POLL_TIMEOUT_S
    database: Database | None = None
    seen = "nothing yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`adloom run` exited ({process.returncode}) before the copywriter started; "
                        f"last seen: {seen}\n--- output\n{log.read_text(errors='replace')}")
        if database is None and database_file.exists():
            database = open_database(f"sqlite:///{database_file}")
        if database is not None:
            with database.session() as session:
                runs = records.list_runs(session)
                if runs:
                    run = runs[0]
                    events = [(event.node, event.event) for event in run.events]
                    seen = f"run {run.id}: {events}"
                    if ("copywriter", "started") in events:
                        return database, run.id
        time.sleep(POLL_INTERVAL_S)
    process.kill()
    pytest.fail(f"the copywriter did not start within {POLL_TIMEOUT_S} s; last seen: {seen}\n"
                f"--- output\n{log.read_text(errors='replace')}")


@pytest.mark.slow
def test_killed_run_resumes_without_re_running_finished_nodes(tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    config = workdir / "fast.toml"
    config.write_text(FAST_CONFIG, encoding="utf-8")
    data_dir, out_dir = workdir / "data", workdir / "out"
    log = workdir / "run.log"

    with log.open("w") as log_file:
        process = subprocess.Popen(
            adloom_command("run", EXAMPLE, "--out", out_dir, "--config", config),
            cwd=workdir, env=adloom_env(data_dir, ADLOOM_RUNS__LEASE_S=str(LEASE_S)), stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            database, run_id = wait_for_copywriter_start(process, data_dir / "adloom.db", log)
            # A second process may not resume the run while its owner lives.
            twice = run_adloom(workdir, "resume", run_id, "--config", config)
            assert twice.returncode == 2, explain(twice)
            assert f"error: run {run_id} is running in pid {process.pid} on " in twice.stderr, explain(twice)
            assert process.poll() is None, "the refused resume disturbed the live run"
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, log.read_text(errors="replace")

    try:
        manifest = out_dir / run_id / "manifest.json"
        def lease_lapsed() -> bool:
            with database.session() as session:
                return records.get_run(session, run_id).shown_status() == "interrupted"

        wait_until(lease_lapsed, timeout_s=LEASE_S * 10, what="the killed run's lease lapsing")
        with database.session() as session:
            before = records.node_event_counts(session, run_id)
        assert before.get("planner") == 1, before
        assert before.get("copywriter", 0) == 0, f"the copywriter finished before the kill: {before}"
        assert not manifest.exists()

        resumed = run_adloom(workdir, "resume", run_id, "--config", config, timeout=600)
        assert resumed.returncode == 0, explain(resumed)
        assert f"run id:   {run_id}" in resumed.stdout, explain(resumed)
        assert manifest.is_file(), explain(resumed)

        with database.session() as session:
            run = records.get_run(session, run_id)
            assert run.status == "succeeded", run.error
            after = records.node_event_counts(session, run_id)
            started = [event.node for event in run.events if event.event == "started"]
        assert after["planner"] == 1, f"the planner ran again after the resume: {after}"
        assert started.count("planner") == 1, started
        assert after.get("copywriter", 0) >= 1 and after.get("critic", 0) >= 1, after
        assert after.get("manifest") == 1, after
    finally:
        database.dispose()
