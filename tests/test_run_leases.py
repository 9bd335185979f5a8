"""Run leases, interrupted runs, child processes that die with adloom, and the scratch sweep.

The lease tests use real processes on a real database (SQLite, and Postgres when
``ADLOOM_TEST_POSTGRES_URL`` is set): one holds a run, another tries to resume it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

import pytest

from adloom.runs import RunLease
from adloom.storage import records
from adloom.storage.assets import AssetStore
from adloom.storage.database import open_database
from adloom.storage.models import utc_now
from test_cli import adloom_command, adloom_env
from test_storage import BRIEF, new_database_url  # noqa: F401  (a fixture)
from waiting import wait_until

LEASE_S = 1.5

_HOLD_A_RUN = textwrap.dedent("""
    import sys, time
    from adloom.runs import RunLease
    from adloom.storage import records
    from adloom.storage.database import open_database
    url, run_id, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    database = open_database(url)
    RunLease(database, run_id, seconds).acquire()
    print("holding", flush=True)
    time.sleep(600)
""")


def new_run(database, run_id: str) -> None:
    with database.session() as session:
        records.create_run(session, run_id, brief=BRIEF, brief_path=None, out_dir=None, config={"kind": "campaign"})


def lease_expiry(database, run_id: str):
    with database.session() as session:
        return records.get_run(session, run_id).lease_expires_at


def seconds_running(pid: int) -> float:
    """How long a process has existed, from its start time in /proc (clock ticks since boot)."""
    started = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    return float(Path("/proc/uptime").read_text().split()[0]) - started


def shown_status(database, run_id: str) -> str:
    with database.session() as session:
        return records.get_run(session, run_id).shown_status()


@pytest.mark.slow
def test_a_live_run_is_held_by_one_process_and_resumable_once_it_dies(new_database_url, tmp_path):  # noqa: F811
    url = new_database_url()
    database = open_database(url)
    run_id = "a" * 32
    new_run(database, run_id)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen([sys.executable, "-c", _HOLD_A_RUN, url, run_id, str(LEASE_S)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding", holder.stderr.read()
        first_expiry = lease_expiry(database, run_id)
        # Past the lease's first end: only the heartbeat keeps it.
        wait_until(lambda: lease_expiry(database, run_id) > first_expiry + timedelta(seconds=LEASE_S),
                   timeout_s=LEASE_S * 10, what="the holder's heartbeat renewing its lease twice")
        assert shown_status(database, run_id) == "running"

        # A second real process: `adloom resume` is refused and names the holder.
        resumed = subprocess.run(adloom_command("resume", run_id), cwd=tmp_path, capture_output=True, text=True,
                                 env=adloom_env(tmp_path / "data", ADLOOM_DATABASE_URL=url), timeout=120)
        assert resumed.returncode == 2, resumed.stderr
        assert f"error: run {run_id} is running in pid {holder.pid} on " in resumed.stderr
        assert "Traceback" not in resumed.stderr
        with pytest.raises(records.RunLeasedError, match=f"pid {holder.pid}"):
            RunLease(database, run_id, LEASE_S).acquire()
    finally:
        holder.kill()
        holder.wait(timeout=30)

    wait_until(lambda: shown_status(database, run_id) == "interrupted", timeout_s=LEASE_S * 10,
               what="the killed holder's lease lapsing")
    listed = subprocess.run(adloom_command("runs", "list"), cwd=tmp_path, capture_output=True, text=True,
                            env=adloom_env(tmp_path / "data", ADLOOM_DATABASE_URL=url), timeout=120)
    assert listed.returncode == 0 and "interrupted" in listed.stdout, listed.stderr
    lease = RunLease(database, run_id, LEASE_S).acquire()  # resumable: the dead holder's lease is taken over
    try:
        assert shown_status(database, run_id) == "running"
    finally:
        lease.release()
    with database.session() as session:
        run = records.get_run(session, run_id)
        assert (run.lease_id, run.lease_holder, run.lease_expires_at) == (None, None, None)
    database.dispose()


def test_two_leases_race_and_only_one_wins(new_database_url):  # noqa: F811
    database = open_database(new_database_url())
    new_run(database, "b" * 32)
    with database.session() as session:
        records.acquire_run_lease(session, "b" * 32, "1" * 32, "pid 1 on a", 60)
    with database.session() as session, pytest.raises(records.RunLeasedError, match="pid 1 on a"):
        records.acquire_run_lease(session, "b" * 32, "2" * 32, "pid 2 on b", 60)
    with database.session() as session:
        assert not records.renew_run_lease(session, "b" * 32, "2" * 32, 60)
        assert records.renew_run_lease(session, "b" * 32, "1" * 32, 60)
        records.release_run_lease(session, "b" * 32, "2" * 32)  # not the holder: nothing changes
        assert records.get_run(session, "b" * 32).lease_holder == "pid 1 on a"
    database.dispose()


def test_an_expired_lease_shows_interrupted_and_a_finished_run_never_does(new_database_url):  # noqa: F811
    database = open_database(new_database_url())
    new_run(database, "c" * 32)
    new_run(database, "d" * 32)
    with database.session() as session:
        records.acquire_run_lease(session, "c" * 32, "1" * 32, "pid 1 on a", 0.05)
        records.acquire_run_lease(session, "d" * 32, "1" * 32, "pid 1 on a", 0.05)
        records.set_run_status(session, "d" * 32, "succeeded")
    wait_until(lambda: shown_status(database, "c" * 32) == "interrupted", timeout_s=10,
               what="a 0.05 s lease lapsing")
    with database.session() as session:
        assert records.get_run(session, "d" * 32).shown_status() == "succeeded"
        later = utc_now() - timedelta(hours=1)
        assert records.get_run(session, "c" * 32).shown_status(now=later) == "running"
        records.acquire_run_lease(session, "c" * 32, "2" * 32, "pid 2 on b", 60)
        assert records.get_run(session, "c" * 32).lease_holder == "pid 2 on b"
    database.dispose()


# --- child processes ----------------------------------------------------------------------

_ENCODE_FOREVER = textwrap.dedent("""
    from adloom.tools.ffmpeg import run_ffmpeg
    print("encoding", flush=True)
    run_ffmpeg(["-re", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=600", "-f", "null", "-"])
""")


def encoding_descendants(pid: int) -> list[int]:
    """The test encode's ffmpeg processes below ``pid`` (not the ``ffmpeg -version`` probe before it)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            name, rest = stat.split(" (", 1)[1].rsplit(")", 1)
            parents[int(entry.name)], names[int(entry.name)] = int(rest.split()[1]), name
    below, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - below
        below |= frontier
    return [child for child in below if names[child].startswith("ffmpeg") and "testsrc" in _cmdline(child)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_ffmpeg_dies_when_adloom_is_killed():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parent = subprocess.Popen([sys.executable, "-c", _ENCODE_FOREVER], env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "encoding"
        deadline = time.monotonic() + 30
        while not (found := encoding_descendants(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(found) == 1, "ffmpeg did not start"
        ffmpeg = found[0]
        # Well into the encode, as in a real run, not while ffmpeg is still starting.
        wait_until(lambda: seconds_running(ffmpeg) >= 1.0, timeout_s=30, what="ffmpeg running for a second")
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 10
        while is_running(ffmpeg) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not is_running(ffmpeg), "ffmpeg outlived the killed adloom process"
    finally:
        if parent.poll() is None:
            parent.kill()


# --- scratch ------------------------------------------------------------------------------


def test_scratch_of_dead_processes_is_swept_and_live_scratch_kept(tmp_path):
    store = AssetStore(tmp_path)
    mine = store.scratch_dir()
    (mine / ".clip.partial.mp4").write_bytes(b"live")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = store.root / "scratch" / mine.name.replace(f"-p{os.getpid()}-", f"-p{dead.pid}-")
    stale.mkdir()
    (stale / ".clip.partial.mp4").write_bytes(b"left by a kill")
    other_host = store.root / "scratch" / f"elsewhere-p{dead.pid}-abc"
    other_host.mkdir()
    old_untagged, new_untagged = store.root / "scratch" / "tmpold", store.root / "scratch" / "tmpnew"
    old_untagged.mkdir()
    new_untagged.mkdir()
    os.utime(old_untagged, (time.time() - 7200, time.time() - 7200))
    half_copied, copying = store.blobs / "ab" / ".incoming.old", store.blobs / "ab" / ".incoming.new"
    half_copied.parent.mkdir()
    half_copied.write_bytes(b"cut off")
    copying.write_bytes(b"in progress")
    os.utime(half_copied, (time.time() - 7200, time.time() - 7200))

    removed = store.sweep_scratch()

    assert sorted(removed) == sorted([stale, old_untagged, half_copied])
    assert copying.is_file()
    assert not stale.exists() and not old_untagged.exists()
    assert (mine / ".clip.partial.mp4").read_bytes() == b"live"
    assert other_host.is_dir() and new_untagged.is_dir()


def test_migration_0005_adds_the_lease_columns_and_down_removes_them_keeping_runs(new_database_url):  # noqa: F811
    from alembic import command
    from sqlalchemy import inspect, text

    from adloom.storage.database import alembic_config

    url = new_database_url()
    database = open_database(url)
    new_run(database, "9" * 32)
    lease_columns = {"lease_id", "lease_holder", "lease_expires_at"}

    def columns() -> set[str]:
        return {column["name"] for column in inspect(database.engine).get_columns("runs")}

    assert lease_columns <= columns()
    command.downgrade(alembic_config(url), "0004")
    assert not lease_columns & columns()
    with database.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM runs")) == 1
    command.upgrade(alembic_config(url), "head")
    assert lease_columns <= columns()
    assert shown_status(database, "9" * 32) == "running"  # a run that never held a lease is not "interrupted"
    database.dispose()
