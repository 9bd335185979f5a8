"""Scheduled trend-driven campaign runs: schedules, ticks, and the long-running scheduler.

A tick of a schedule scrapes the brand's sources, ranks the topics, picks the one that
best fits one of the brand's products, writes a brief for that product carrying the
topic as its ``trend`` and starts a campaign run.

Exactly one run per schedule and fire time: a tick first inserts a ``schedule_runs`` row
keyed by ``(schedule_id, fire_time)``; the database's unique constraint makes a second
tick for the same fire time (a misfire re-run after a restart, a second scheduler
process, a manual ``adloom schedule tick``) find the row and start nothing. The fire time
is the cron expression's latest fire time at or before the moment the tick runs, so
every path computes the same key. The rows are the run history.

APScheduler keeps its jobs in the same database (SQLAlchemy job store), so a restart
picks up where it stopped: a tick missed while the process was down runs once on start
(coalesced) if it is less than ``MISFIRE_GRACE_S`` late.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adloom.config import Settings, load_settings
from adloom.runs import EventReporter, RunFailed, RunOutcome, start_run
from adloom.agents.brief import Brief, BriefError, parse_brief
from adloom.agents.trends import (
    MIN_PRODUCT_MATCH,
    UnknownBrandError,
    best_matching_trend,
    brand_by_name,
    latest_trends,
    refresh_brand_trends,
)
from adloom.storage.database import Database, open_database
from adloom.storage.models import Brand, Schedule, ScheduleRun, utc_now
from adloom.tools.context import ResidentModels
from adloom.tools.scrape.items import CrawlOptions

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"
JOB_ID_PREFIX = "adloom-schedule-"
MISFIRE_GRACE_S = 3600
SYNC_INTERVAL_S = 60

Launcher = Callable[[Settings, Brief, Path, EventReporter], RunOutcome]


class ScheduleError(ValueError):
    """A schedule argument is invalid; the message names it."""


CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field with numbers as day names.

    In crontab 0 (and 7) is Sunday and 1 Monday; APScheduler 3 reads numbers as 0 = Monday,
    so ``0 9 * * 1`` would fire on Tuesdays. Numeric parts (``1``, ``1-5``, ``*/2``) are
    expanded to the names they mean in crontab; names pass through.
    """
    if not any(ch.isdigit() for ch in field):
        return field
    days: list[str] = []
    for part in field.split(","):
        body, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if body == "*":
            start, end = 0, 6
        elif "-" in body and body.replace("-", "").isdigit():
            start, end = (int(value) for value in body.split("-", 1))
        elif body.isdigit():
            start = end = int(body)
            if step_text:
                end = 6
        else:
            days.append(part)  # a name or name range: already unambiguous
            continue
        if not (0 <= start <= 7 and 0 <= end <= 7 and start <= end):
            raise ValueError(f"day of week {part!r} is out of range 0-7")
        days.extend(CRON_WEEKDAYS[day % 7] for day in range(start, end + 1, step))
    return ",".join(dict.fromkeys(days))


def cron_trigger(expression: str) -> CronTrigger:
    """A UTC cron trigger from a five-field crontab expression (standard crontab weekdays).

    Raises:
        ScheduleError: the expression is not valid crontab syntax.
    """
    try:
        fields = expression.split()
        if len(fields) == 5:
            fields[4] = _crontab_weekdays(fields[4])
        return CronTrigger.from_crontab(" ".join(fields), timezone=timezone.utc)
    except ValueError as exc:
        raise ScheduleError(
            f"--cron {expression!r}: {exc} (five fields: minute hour day month weekday, e.g. '0 9 * * *')"
        ) from None


def latest_fire_time(expression: str, now: datetime) -> datetime:
    """The cron expression's most recent fire time at or before ``now`` (UTC, whole seconds)."""
    trigger = cron_trigger(expression)
    now = now.astimezone(timezone.utc)
    for lookback in (timedelta(hours=2), timedelta(days=2), timedelta(days=32), timedelta(days=400)):
        fire = trigger.get_next_fire_time(None, now - lookback)
        if fire is None or fire > now:
            continue
        while True:
            following = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
            if following is None or following > now:
                return fire.astimezone(timezone.utc)
            fire = following
    raise ScheduleError(f"cron {expression!r} has not fired in the last 400 days")


# --- schedules --------------------------------------------------------------------------------


def add_schedule(database: Database, brand_name: str, cron: str) -> Schedule:
    """Store an enabled schedule for a brand.

    Raises:
        ScheduleError: invalid cron expression.
        UnknownBrandError: no such brand.
    """
    cron_trigger(cron)
    with database.session() as session:
        brand = brand_by_name(session, brand_name)
        schedule = Schedule(brand_id=brand.id, cron=cron, enabled=True, created_at=utc_now())
        session.add(schedule)
        session.flush()
        return schedule


def remove_schedule(database: Database, schedule_id: int) -> bool:
    """Delete a schedule and its history; False when there was none."""
    with database.session() as session:
        schedule = session.get(Schedule, schedule_id)
        if schedule is None:
            return False
        session.delete(schedule)
        return True


def list_schedules(database: Database) -> list[tuple[Schedule, str]]:
    """Every schedule with its brand's name."""
    with database.session() as session:
        rows = session.execute(select(Schedule, Brand.name).join(Brand).order_by(Schedule.id)).all()
        return [(schedule, name) for schedule, name in rows]


def schedule_history(database: Database, schedule_id: int | None = None, limit: int = 50) -> list[ScheduleRun]:
    """Ticks, newest first."""
    with database.session() as session:
        query = select(ScheduleRun).order_by(ScheduleRun.fire_time.desc(), ScheduleRun.id.desc()).limit(limit)
        if schedule_id is not None:
            query = query.where(ScheduleRun.schedule_id == schedule_id)
        return list(session.scalars(query))


# --- one tick ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TickResult:
    schedule_id: int
    fire_time: datetime
    status: str  # duplicate | skipped | succeeded | failed
    run_id: str | None = None
    topic: str | None = None
    product: str | None = None
    error: str | None = None


def start_campaign_run(settings: Settings, brief: Brief, out_dir: Path, reporter: EventReporter) -> RunOutcome:
    """The default launcher: a real campaign run (:func:`adloom.runs.start_run`)."""
    return start_run(settings, brief, out_dir, reporter=reporter)


def _claim(database: Database, schedule_id: int, fire_time: datetime) -> ScheduleRun | None:
    """Insert the tick's row; None when another tick already holds this fire time."""
    try:
        with database.session() as session:
            row = ScheduleRun(schedule_id=schedule_id, fire_time=fire_time, status="claimed", created_at=utc_now())
            session.add(row)
            session.flush()
            return row
    except IntegrityError:
        return None


def _finish(database: Database, row_id: int, status: str, **values) -> None:
    with database.session() as session:
        row = session.get(ScheduleRun, row_id)
        row.status = status
        for key, value in values.items():
            setattr(row, key, value)
        if status in ("succeeded", "failed", "skipped"):
            row.finished_at = utc_now()


def _brief_for(brand: Brand, product_name: str, trend_text: str) -> dict:
    product = next(p for p in brand.products if p.name == product_name)
    brand_data = {"name": brand.name, "colors": list(brand.colors or [])}
    for key in ("voice", "logo", "font"):
        if getattr(brand, key):
            brand_data[key] = getattr(brand, key)
    product_data = {"name": product.name, "description": product.description, "facts": list(product.facts or [])}
    for key in ("price", "url"):
        if getattr(product, key):
            product_data[key] = getattr(product, key)
    if product.images:
        product_data["images"] = list(product.images)
    return {"brand": brand_data, "product": product_data, "trend": trend_text}


def run_tick(
    settings: Settings,
    schedule_id: int,
    fire_time: datetime,
    *,
    launcher: Launcher = start_campaign_run,
    models: ResidentModels | None = None,
    crawl_options: CrawlOptions | None = None,
    min_match: float = MIN_PRODUCT_MATCH,
) -> TickResult:
    """Run one tick of a schedule for ``fire_time``, at most once per (schedule, fire time).

    Args:
        launcher: starts the campaign run from the brief (tests pass a recorder).
        models: warm models to share (MiniLM for deduplication and ranking).
        crawl_options: crawl limits (defaults when None).
        min_match: the lowest product match a topic needs to be campaigned on.
    """
    fire_time = fire_time.astimezone(timezone.utc).replace(microsecond=0)
    database = open_database(settings.database_url)
    claimed = _claim(database, schedule_id, fire_time)
    if claimed is None:
        log.info("schedule %s tick %s already ran; nothing started", schedule_id, fire_time)
        return TickResult(schedule_id, fire_time, "duplicate")
    with database.session() as session:
        schedule = session.get(Schedule, schedule_id)
        if schedule is not None:
            schedule.last_tick_at = utc_now()
        brand = session.get(Brand, schedule.brand_id) if schedule is not None and schedule.enabled else None
        brand_name = brand.name if brand is not None else None
    if brand_name is None:
        _finish(database, claimed.id, "skipped", error="schedule missing or disabled")
        return TickResult(schedule_id, fire_time, "skipped", error="schedule missing or disabled")
    try:
        refresh_brand_trends(database, brand_name, models or ResidentModels(), options=crawl_options)
        with database.session() as session:
            brand = brand_by_name(session, brand_name)
            trend = best_matching_trend(latest_trends(session, brand.id, limit=None), min_match)
            if trend is None:
                reason = f"no topic matches a product of {brand_name!r} by at least {min_match}"
                _finish(database, claimed.id, "skipped", error=reason)
                return TickResult(schedule_id, fire_time, "skipped", error=reason)
            product_name = trend.data["match"]["product"]
            topic, trend_id, text = trend.topic, trend.id, trend.data["trend_text"]
            brief = parse_brief(_brief_for(brand, product_name, text), source=f"schedule {schedule_id} brief")
    except (BriefError, UnknownBrandError, RuntimeError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        _finish(database, claimed.id, "failed", error=error)
        return TickResult(schedule_id, fire_time, "failed", error=error)
    _finish(database, claimed.id, "started", trend_id=trend_id, topic=topic, product=product_name)

    def record_run_id(node: str, event: str, detail: dict) -> None:
        # The run id is stored as soon as the run exists, so a crash mid-run still links it.
        if node == "run" and event == "created":
            _finish(database, claimed.id, "started", run_id=detail["run_id"])

    try:
        outcome = launcher(settings, brief, settings.runs_dir, record_run_id)
    except (RunFailed, BriefError) as exc:
        run_id = getattr(exc, "run_id", None)
        _finish(database, claimed.id, "failed", error=str(exc))
        return TickResult(schedule_id, fire_time, "failed", run_id, topic, product_name, str(exc))
    _finish(database, claimed.id, "succeeded", run_id=outcome.run_id)
    return TickResult(schedule_id, fire_time, "succeeded", outcome.run_id, topic, product_name)


def scheduled_tick(schedule_id: int, cron: str, config_file: str | None) -> None:
    """What the scheduler runs at each fire time (importable by name for the job store)."""
    settings = load_settings(config_file)
    result = run_tick(settings, schedule_id, latest_fire_time(cron, utc_now()))
    log.info("schedule %s tick %s: %s %s", schedule_id, result.fire_time, result.status, result.run_id or result.error or "")


# --- the scheduler process ----------------------------------------------------------------------


def build_scheduler(settings: Settings, *, blocking: bool = True) -> BaseScheduler:
    """An APScheduler whose jobs persist in the adloom database (table ``apscheduler_jobs``)."""
    open_database(settings.database_url)  # migrate first: the job store shares the file
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    return scheduler_class(
        jobstores={
            "default": SQLAlchemyJobStore(url=settings.database_url, tablename=JOBSTORE_TABLE),
            "local": MemoryJobStore(),
        },
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
        timezone=timezone.utc,
    )


def sync_jobs(scheduler: BaseScheduler, database: Database, config_file: str | None = None) -> list[str]:
    """Make the job store hold exactly one job per enabled schedule; returns the job ids.

    A job whose schedule and cron are unchanged is left alone, so its stored next run time
    (and with it misfire handling across restarts) survives.
    """
    wanted = {}
    for schedule, _brand in list_schedules(database):
        if schedule.enabled:
            wanted[f"{JOB_ID_PREFIX}{schedule.id}"] = schedule
    for job in scheduler.get_jobs(jobstore="default"):
        if job.id.startswith(JOB_ID_PREFIX) and job.id not in wanted:
            scheduler.remove_job(job.id, jobstore="default")
    for job_id, schedule in wanted.items():
        name = f"schedule {schedule.id}: {schedule.cron}"
        existing = scheduler.get_job(job_id, jobstore="default")
        if existing is not None and existing.name == name:
            continue
        scheduler.add_job(
            "adloom.scheduler:scheduled_tick", trigger=cron_trigger(schedule.cron),
            args=[schedule.id, schedule.cron, config_file], id=job_id, name=name,
            jobstore="default", replace_existing=True,
        )
    return sorted(wanted)


def run_scheduler(settings: Settings, config_file: str | None = None) -> None:
    """Run until interrupted: ticks at each schedule's fire times, re-reading schedules every minute."""
    database = open_database(settings.database_url)
    scheduler = build_scheduler(settings, blocking=True)
    # Jobs can only be listed once the scheduler has started; sync right after start and then every minute.
    scheduler.add_job(
        sync_jobs, "interval", seconds=SYNC_INTERVAL_S, args=[scheduler, database, config_file],
        id="adloom-sync", jobstore="local", next_run_time=utc_now(),
    )
    scheduler.start()
