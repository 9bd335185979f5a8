"""Scheduled trend-driven runs: fire times, exactly one run per schedule and tick, restarts.

The exactly-once logic is tested with a launcher that records a real run row (the
database constraint is what is under test); one slow test goes through the CLI and
starts a real campaign run from the loopback fixtures.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from typer.testing import CliRunner

from adloom.agents.manifest import Manifest
from adloom.config import Settings
from adloom.runs import RunOutcome
from adloom.scheduler import (
    JOB_ID_PREFIX,
    ScheduleError,
    add_schedule,
    build_scheduler,
    latest_fire_time,
    remove_schedule,
    run_tick,
    schedule_history,
    sync_jobs,
)
from adloom.agents.brief import Brief
from loopback_http import LoopbackSite
from scripted_llm import warm_models
from adloom.storage import records
from adloom.storage.database import open_database
from adloom.storage.models import Run, ScheduleRun, Source, Trend
from adloom.tools.scrape.items import CrawlOptions
from waiting import wait_until

UTC = timezone.utc
REALTIME = "trends/google_trends/pytrends_realtimetrends_US.txt"
BRAND = {"name": "Ringside", "voice": "bold and energetic", "colors": ["#111111", "#FFFFFF", "#D7263D"]}
PRODUCT = {"name": "Ringside Pro Gloves", "description": "Boxing gloves for sparring, bag work and fights.",
           "facts": ["16 oz leather", "hand-stitched"], "price": "$89"}


@pytest.mark.parametrize("cron, now, fire", [
    ("0 9 * * *", datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 22, 9, 0, tzinfo=UTC)),
    ("0 9 * * *", datetime(2026, 11, 22, 8, 59, tzinfo=UTC), datetime(2026, 11, 21, 9, 0, tzinfo=UTC)),
    ("0 9 * * *", datetime(2026, 11, 22, 9, 0, tzinfo=UTC), datetime(2026, 11, 22, 9, 0, tzinfo=UTC)),
    ("*/15 * * * *", datetime(2026, 11, 22, 10, 7, 30, tzinfo=UTC), datetime(2026, 11, 22, 10, 0, tzinfo=UTC)),
    ("0 0 1 * *", datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 1, 0, 0, tzinfo=UTC)),
    # Crontab weekdays: 1 is Monday (16 Nov 2026), 0 and 7 are Sunday (22 Nov), 1-5 Monday to Friday.
    ("0 12 * * 1", datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 16, 12, 0, tzinfo=UTC)),
    ("0 8 * * 0", datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 22, 8, 0, tzinfo=UTC)),
    ("0 8 * * 7", datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 22, 8, 0, tzinfo=UTC)),
    ("0 8 * * 1-5", datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 20, 8, 0, tzinfo=UTC)),
    ("0 8 * * sat", datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 21, 8, 0, tzinfo=UTC)),
])
def test_latest_fire_time(cron: str, now: datetime, fire: datetime):
    assert latest_fire_time(cron, now) == fire


@pytest.mark.parametrize("cron", ["0 9 * *", "61 * * * *", "every day", "", "0 9 * * 8"])
def test_invalid_cron_is_refused_with_the_option_named(cron: str):
    with pytest.raises(ScheduleError, match="--cron"):
        latest_fire_time(cron, datetime.now(UTC))


@pytest.fixture
def brand_with_sources(tmp_path: Path, shared_data: Path):
    """Settings in a temporary folder, a stored brand with one product, and a realtime-trends source."""
    settings = Settings(data_dir=tmp_path / "data")
    database = open_database(settings.database_url)
    with LoopbackSite(shared_data) as site:
        with database.session() as session:
            brand, _ = records.upsert_brand_and_product(session, BRAND, PRODUCT)
            session.add(Source(brand_id=brand.id, kind="google-trends", url=site.url(REALTIME), allow_private=True))
        yield settings, database


class RecordingLauncher:
    """Records each launch and creates the run row a real launch would (no graph executed)."""

    def __init__(self):
        self.briefs: list[Brief] = []
        self.lock = threading.Lock()

    def __call__(self, settings, brief, out_dir, reporter) -> RunOutcome:
        run_id = f"run{len(self.briefs)}{time.monotonic_ns()}"
        with open_database(settings.database_url).session() as session:
            records.create_run(session, run_id, brief=brief.model_dump(mode="json"), brief_path=None,
                               out_dir=str(out_dir), config={})
        reporter("run", "created", {"run_id": run_id})
        with open_database(settings.database_url).session() as session:
            records.set_run_status(session, run_id, "succeeded")
        with self.lock:
            self.briefs.append(brief)
        made = Manifest(run_id=run_id, mode="campaign", status="succeeded", created_at="", brief={}, plan={},
                        outputs={}, assets=[], timings={})
        return RunOutcome(run_id, Path(out_dir) / run_id, made)


def test_two_ticks_for_the_same_fire_time_start_one_run(brand_with_sources):
    settings, database = brand_with_sources
    schedule = add_schedule(database, "Ringside", "0 9 * * *")
    fire = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    launcher = RecordingLauncher()
    options = CrawlOptions(retries=0)
    first = run_tick(settings, schedule.id, fire, launcher=launcher, models=warm_models(), crawl_options=options)
    # A restarted scheduler: fresh settings object and database handle, same fire time.
    again = run_tick(Settings(data_dir=settings.data_dir), schedule.id, fire, launcher=launcher,
                     models=warm_models(), crawl_options=options)
    assert first.status == "succeeded" and again.status == "duplicate"
    assert len(launcher.briefs) == 1
    with database.session() as session:
        ticks = session.scalars(select(ScheduleRun)).all()
        assert [(t.schedule_id, t.fire_time, t.status, t.run_id) for t in ticks] == [
            (schedule.id, fire, "succeeded", first.run_id)]
        assert session.scalar(select(Run.id)) == first.run_id
        trend = session.get(Trend, ticks[0].trend_id)
    brief = launcher.briefs[0]
    assert brief.trend == trend.data["trend_text"] and "Boxing" in brief.trend
    assert brief.product.name == first.product == "Ringside Pro Gloves"
    assert not (settings.data_dir / "schedules").exists()  # the brief went to the run as it is, no file between
    assert first.topic == trend.topic


def test_concurrent_ticks_and_a_later_fire_time(brand_with_sources):
    settings, database = brand_with_sources
    schedule = add_schedule(database, "Ringside", "0 9 * * *")
    fire = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    launcher = RecordingLauncher()
    results = []

    def tick():
        results.append(run_tick(settings, schedule.id, fire, launcher=launcher, models=warm_models(),
                                crawl_options=CrawlOptions(retries=0)))

    threads = [threading.Thread(target=tick) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status for r in results) == ["duplicate", "duplicate", "succeeded"]
    next_day = run_tick(settings, schedule.id, fire + timedelta(days=1), launcher=launcher, models=warm_models(),
                        crawl_options=CrawlOptions(retries=0))
    assert next_day.status == "succeeded" and len(launcher.briefs) == 2
    history = schedule_history(database, schedule.id)
    assert [h.fire_time for h in history] == [fire + timedelta(days=1), fire]  # newest first, both kept


def test_a_tick_without_a_matching_topic_is_skipped_and_recorded(brand_with_sources):
    settings, database = brand_with_sources
    schedule = add_schedule(database, "Ringside", "0 9 * * *")
    launcher = RecordingLauncher()
    result = run_tick(settings, schedule.id, datetime(2026, 11, 22, 9, 0, tzinfo=UTC), launcher=launcher,
                      models=warm_models(), crawl_options=CrawlOptions(retries=0), min_match=0.99)
    assert result.status == "skipped" and "no topic matches" in result.error
    assert launcher.briefs == []
    assert [h.status for h in schedule_history(database, schedule.id)] == ["skipped"]


def _config_file(tmp_path: Path, settings: Settings) -> Path:
    path = tmp_path / "adloom.toml"
    path.write_text(f'data_dir = "{settings.data_dir}"\n', encoding="utf-8")
    return path


def test_jobs_persist_across_a_scheduler_restart_and_a_missed_tick_runs_once(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    database = open_database(settings.database_url)
    with database.session() as session:
        records.upsert_brand_and_product(session, BRAND, PRODUCT)  # no sources: a tick is quick
    schedule = add_schedule(database, "Ringside", "0 9 * * *")
    config = str(_config_file(tmp_path, settings))

    crashed = build_scheduler(settings, blocking=False)
    crashed.start(paused=True)
    assert sync_jobs(crashed, database, config) == [f"{JOB_ID_PREFIX}{schedule.id}"]
    # The process "dies" (stays paused, never shut down) with its tick 5 minutes overdue.
    missed = datetime.now(UTC) - timedelta(minutes=5)
    crashed.modify_job(f"{JOB_ID_PREFIX}{schedule.id}", next_run_time=missed)

    restarted = build_scheduler(settings, blocking=False)
    restarted.start()  # the stored job is 5 minutes late, within the misfire grace: it runs once now
    try:
        wait_until(lambda: schedule_history(database, schedule.id), timeout_s=60, what="the missed tick running")

        def rescheduled() -> bool:
            job = restarted.get_job(f"{JOB_ID_PREFIX}{schedule.id}")
            return job is not None and job.next_run_time > datetime.now(UTC)

        wait_until(rescheduled, timeout_s=30, what="the job's next tick in the future")
    finally:
        restarted.shutdown(wait=True)
        crashed.shutdown(wait=False)
    history = schedule_history(database, schedule.id)
    assert len(history) == 1
    assert history[0].fire_time == latest_fire_time("0 9 * * *", datetime.now(UTC))
    assert history[0].status == "skipped"  # no sources, so no topic: recorded, nothing started

    assert remove_schedule(database, schedule.id)
    again = build_scheduler(settings, blocking=False)
    again.start(paused=True)
    try:
        assert sync_jobs(again, database, config) == []
        assert again.get_jobs(jobstore="default") == []
    finally:
        again.shutdown(wait=False)


@pytest.mark.slow
def test_cli_schedule_and_tick_start_one_real_campaign_run_with_the_top_trend(tmp_path: Path, shared_data: Path):
    from adloom.cli import app

    settings = Settings(data_dir=tmp_path / "data")
    config = _config_file(tmp_path, settings)
    brief_path = tmp_path / "ringside.yaml"
    brief_path.write_text(yaml.safe_dump({"brand": BRAND, "product": PRODUCT}), encoding="utf-8")
    runner = CliRunner()

    def cli(*args: str):
        result = runner.invoke(app, [*args, "--config", str(config)])
        assert result.exit_code == 0, result.output
        return result

    with LoopbackSite(shared_data) as site:
        cli("brands", "import", str(brief_path))
        cli("sources", "add", "--brand", "Ringside", "--kind", "google-trends", "--allow-private", site.url(REALTIME))
        cli("sources", "add", "--brand", "Ringside", "--kind", "hackernews", "--allow-private",
            site.url("trends/hackernews/hn_frontpage_2023-10_jblanava.html"))
        assert "0 9 * * *" in cli("schedule", "add", "--cron", "0 9 * * *", "--brand", "Ringside").output
        tick = cli("schedule", "tick", "1")
        assert "status:  succeeded" in tick.output
        repeat = cli("schedule", "tick", "1")
        assert "status:  duplicate" in repeat.output
        listed = cli("trends", "list", "--brand", "Ringside")
        assert "Ringside Pro Gloves" in listed.output
        history = cli("schedule", "history")

    database = open_database(settings.database_url)
    with database.session() as session:
        runs = session.scalars(select(Run)).all()
        assert len(runs) == 1 and runs[0].status == "succeeded"
        tick_row = session.scalars(select(ScheduleRun)).one()
        trend = session.get(Trend, tick_row.trend_id)
        assert tick_row.run_id == runs[0].id
        assert runs[0].campaign.brief["trend"] == trend.data["trend_text"]
        assert trend.data["match"]["product"] == "Ringside Pro Gloves"
    assert runs[0].id in history.output and "succeeded" in history.output
    manifest = Path(runs[0].out_dir) / runs[0].id / "manifest.json"
    assert manifest.is_file()
    assert "Boxing" in manifest.read_text("utf-8")
