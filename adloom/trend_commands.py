"""CLI groups for trend-driven work: ``sources``, ``trends``, ``schedule`` and ``scheduler``.

Registered on the root app by :func:`register_trend_commands`; the conventions (exit 2
with ``error:`` lines for invalid input, exit 1 for a failure after work started,
soft-wrapped consoles) are :mod:`adloom.console`'s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from adloom.console import ConfigOption, err, fail_input, out, progress_bar, quiet_libraries, settings_or_exit
from adloom.tools.scrape.items import SOURCE_KINDS

sources_app = typer.Typer(no_args_is_help=True, help="Trend sources per brand.")
trends_app = typer.Typer(no_args_is_help=True, help="Scrape sources and show a brand's trending topics.")
schedule_app = typer.Typer(no_args_is_help=True, help="Cron schedules for trend-driven campaign runs.")

def _database(config: Path | None):
    from adloom.storage.database import open_database

    settings = settings_or_exit(config)
    return settings, open_database(settings.database_url)


@sources_app.command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="http(s) URL of the feed, listing or page.")],
    brand: Annotated[str, typer.Option("--brand", help="Brand name (see: adloom brands list).")],
    kind: Annotated[str, typer.Option("--kind", help="rss | google-trends | reddit | hackernews | product")],
    allow_private: Annotated[bool, typer.Option(
        "--allow-private", help="Allow this source's host to be a private/loopback address.")] = False,
    config: ConfigOption = None,
) -> None:
    """Add a source the trend crawler reads for a brand."""
    from pydantic import ValidationError
    from sqlalchemy import select

    from adloom.agents.trends import UnknownBrandError, brand_by_name
    from adloom.storage.models import Source, utc_now
    from adloom.tools.scrape.items import CrawlSource
    from adloom.tools.scrape.network_safety import UnsafeAddressError, check_literal_host

    problems = []
    if kind not in SOURCE_KINDS:
        problems.append(f"--kind {kind!r}: choose from {', '.join(SOURCE_KINDS)}")
    else:
        try:
            CrawlSource(id=0, kind=kind, url=url, allow_private=allow_private)
        except ValidationError as exc:
            problems.append(f"URL {url!r}: {exc.errors()[0]['msg']}")
    if not problems and not allow_private:
        try:
            check_literal_host(url)
        except UnsafeAddressError as exc:
            problems.append(str(exc))
    if problems:
        fail_input(problems)
    settings, database = _database(config)
    try:
        with database.session() as session:
            brand_row = brand_by_name(session, brand)
            existing = session.scalars(select(Source).where(
                Source.brand_id == brand_row.id, Source.kind == kind, Source.url == url)).one_or_none()
            if existing is None:
                session.add(Source(brand_id=brand_row.id, kind=kind, url=url, allow_private=allow_private,
                                   created_at=utc_now()))
            else:
                existing.allow_private = allow_private
    except UnknownBrandError as exc:
        fail_input([str(exc)])
    out.print(f"source {kind} {url} {'updated' if existing else 'added'} for brand {brand!r}", highlight=False)


@sources_app.command("list")
def sources_list(
    brand: Annotated[Optional[str], typer.Option("--brand", help="Only this brand.")] = None,
    config: ConfigOption = None,
) -> None:
    """Sources and how their last crawl went."""
    from sqlalchemy import select

    from adloom.storage.models import Brand, Source

    settings, database = _database(config)
    with database.session() as session:
        query = select(Source, Brand.name).join(Brand).order_by(Brand.name, Source.id)
        if brand:
            query = query.where(Brand.name == brand)
        # One line per source, URL whole: a table would cut URLs to the terminal's width.
        for source, brand_name in session.execute(query):
            last = "never crawled"
            if source.last_crawled_at:
                last = f"{source.last_status} at {source.last_crawled_at:%Y-%m-%d %H:%M}"
                if source.last_error:
                    last += f": {source.last_error}"
            private = " (private allowed)" if source.allow_private else ""
            out.print(f"{source.id:>4}  {brand_name}  {source.kind}  {source.url}{private}  [{last}]",
                      markup=False, highlight=False)


@trends_app.command("scrape")
def trends_scrape(
    brand: Annotated[Optional[str], typer.Option("--brand", help="Only this brand (default: every brand with sources).")] = None,
    config: ConfigOption = None,
) -> None:
    """Crawl the sources, store new items and rank topics; prints each source's outcome."""
    from sqlalchemy import select

    from adloom.agents.trends import UnknownBrandError, refresh_brand_trends
    from adloom.storage.models import Brand, Source
    from adloom.tools.context import ResidentModels
    from adloom.tools.scrape.runner import CrawlFailed

    quiet_libraries()
    settings, database = _database(config)
    with database.session() as session:
        if brand:
            names = [brand]
        else:
            names = list(session.scalars(select(Brand.name).join(Source).distinct().order_by(Brand.name)))
    if not names:
        fail_input(["no brand has sources (add one with: adloom sources add --brand B --kind rss URL)"])
    models = ResidentModels()
    failed = False
    for name in names:
        try:
            with progress_bar() as bar:
                task = bar.add_task(name, total=1.0)
                refresh = refresh_brand_trends(
                    database, name, models,
                    progress=lambda label, fraction: bar.update(task, completed=fraction, description=f"{name}: {label}"),
                )
        except UnknownBrandError as exc:
            fail_input([str(exc)])
        except CrawlFailed as exc:
            err.print(f"[red]{name}: {exc}[/]", highlight=False)
            failed = True
            continue
        for report in refresh.crawl.reports:
            mark = "[green]ok[/]" if report.status == "ok" else "[red]failed[/]"
            err.print(f"{mark} {report.url}: {report.items} items {report.error or ''}", highlight=False)
        out.print(
            f"{name}: {refresh.stored.inserted} new and {refresh.stored.updated} updated items, "
            f"{len(refresh.topics)} topics ({len(refresh.crawl.failed())} sources failed)", highlight=False,
        )
    if failed:
        raise typer.Exit(1)


@trends_app.command("list")
def trends_list(
    brand: Annotated[str, typer.Option("--brand", help="Brand name.")],
    limit: Annotated[int, typer.Option(help="How many topics.")] = 20,
    config: ConfigOption = None,
) -> None:
    """A brand's topics from its latest scrape, best first, with the best matching product."""
    from adloom.agents.trends import UnknownBrandError, brand_by_name, latest_trends

    settings, database = _database(config)
    try:
        with database.session() as session:
            trends = latest_trends(session, brand_by_name(session, brand).id, limit=limit)
    except UnknownBrandError as exc:
        fail_input([str(exc)])
    if not trends:
        out.print(f"no topics for {brand!r} yet (run: adloom trends scrape --brand {brand!r})", highlight=False)
    # One line per topic, best first: score, best product and its match, topic, evidence.
    for trend in trends:
        match = trend.data.get("match") or {}
        product = f"{match['product']} {match['match']:.2f}" if match else "no product"
        out.print(
            f"{trend.score:.3f}  [{product}]  {trend.topic}  ({len(trend.data.get('items', []))} items from "
            f"{trend.source}; keywords: {', '.join(trend.data.get('keywords', [])[:5])})",
            markup=False, highlight=False,
        )


@schedule_app.command("add")
def schedule_add(
    cron: Annotated[str, typer.Option("--cron", help="Crontab expression in UTC, e.g. '0 9 * * *'.")],
    brand: Annotated[str, typer.Option("--brand", help="Brand name.")],
    config: ConfigOption = None,
) -> None:
    """Add a schedule; `adloom scheduler` runs it."""
    from adloom.scheduler import ScheduleError, add_schedule, cron_trigger
    from adloom.agents.trends import UnknownBrandError

    try:
        cron_trigger(cron)
    except ScheduleError as exc:
        fail_input([str(exc)])
    settings, database = _database(config)
    try:
        schedule = add_schedule(database, brand, cron)
    except UnknownBrandError as exc:
        fail_input([str(exc)])
    out.print(f"schedule {schedule.id}: {cron!r} for brand {brand!r}", highlight=False)


@schedule_app.command("list")
def schedule_list(config: ConfigOption = None) -> None:
    """Schedules, their next fire time and last tick."""
    from adloom.scheduler import cron_trigger, list_schedules
    from adloom.storage.models import utc_now

    settings, database = _database(config)
    table = Table("id", "brand", "cron", "enabled", "next fire (UTC)", "last tick")
    now = utc_now()
    for schedule, brand in list_schedules(database):
        next_fire = cron_trigger(schedule.cron).get_next_fire_time(None, now)
        table.add_row(
            str(schedule.id), brand, schedule.cron, "yes" if schedule.enabled else "no",
            f"{next_fire:%Y-%m-%d %H:%M}" if next_fire else "",
            f"{schedule.last_tick_at:%Y-%m-%d %H:%M}" if schedule.last_tick_at else "",
        )
    out.print(table)


@schedule_app.command("remove")
def schedule_remove(schedule_id: int, config: ConfigOption = None) -> None:
    """Delete a schedule (and its tick history)."""
    from adloom.scheduler import remove_schedule

    settings, database = _database(config)
    if not remove_schedule(database, schedule_id):
        fail_input([f"no schedule with id {schedule_id} (see: adloom schedule list)"])
    out.print(f"removed schedule {schedule_id}", highlight=False)


@schedule_app.command("history")
def schedule_history_command(
    schedule_id: Annotated[Optional[int], typer.Argument(help="Only this schedule.")] = None,
    config: ConfigOption = None,
) -> None:
    """Past ticks: fire time, outcome, topic and run id."""
    from adloom.scheduler import schedule_history

    settings, database = _database(config)
    rows = schedule_history(database, schedule_id)
    if not rows:
        out.print("no ticks yet", highlight=False)
    # One line per tick with the full run id (what `adloom runs show` needs), never cut to the terminal.
    for row in rows:
        line = f"schedule {row.schedule_id}  {row.fire_time:%Y-%m-%d %H:%M} UTC  {row.status}"
        if row.run_id:
            line += f"  run {row.run_id}"
        if row.product:
            line += f"  [{row.product}] {row.topic}"
        if row.error:
            line += f"  ({row.error})"
        out.print(line, markup=False, highlight=False)


@schedule_app.command("tick")
def schedule_tick(schedule_id: int, config: ConfigOption = None) -> None:
    """Run a schedule's latest tick now (once per fire time, like the scheduler)."""
    from adloom.scheduler import latest_fire_time, run_tick
    from adloom.storage.models import Schedule, utc_now

    quiet_libraries()
    settings, database = _database(config)
    with database.session() as session:
        schedule = session.get(Schedule, schedule_id)
        if schedule is None:
            fail_input([f"no schedule with id {schedule_id} (see: adloom schedule list)"])
        cron = schedule.cron
    fire_time = latest_fire_time(cron, utc_now())
    err.print(f"tick of schedule {schedule_id} for {fire_time:%Y-%m-%d %H:%M} UTC …", highlight=False)
    result = run_tick(settings, schedule_id, fire_time)
    out.print(f"status:  {result.status}", highlight=False)
    if result.topic:
        out.print(f"topic:   {result.topic}\nproduct: {result.product}", highlight=False)
    if result.run_id:
        out.print(f"run id:  {result.run_id}", highlight=False)
    if result.error:
        out.print(f"reason:  {result.error}", highlight=False)
    if result.status == "failed":
        raise typer.Exit(1)


def scheduler_command(config: ConfigOption = None) -> None:
    """Run the scheduler until interrupted (Ctrl-C); schedules are re-read every minute."""
    import logging

    from adloom.scheduler import run_scheduler
    from adloom.storage.database import redacted

    quiet_libraries()
    logging.getLogger("adloom.scheduler").setLevel(logging.INFO)  # one line per tick
    settings = settings_or_exit(config)
    err.print(f"scheduler running on {redacted(settings.database_url)} (Ctrl-C to stop)", highlight=False)
    try:
        run_scheduler(settings, str(config) if config else None)
    except KeyboardInterrupt:
        err.print("scheduler stopped", highlight=False)


def register_trend_commands(app: typer.Typer) -> None:
    """Add the sources, trends and schedule groups and the scheduler command to ``app``."""
    app.add_typer(sources_app, name="sources")
    app.add_typer(trends_app, name="trends")
    app.add_typer(schedule_app, name="schedule")
    app.command("scheduler")(scheduler_command)
