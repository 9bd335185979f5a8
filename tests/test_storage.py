"""The storage layer against real databases: SQLite in a temp folder, and Postgres.

Postgres tests need ``ADLOOM_TEST_POSTGRES_URL`` (``eval "$(bash .ci/postgres.sh)"`` starts
a throwaway server); each test gets its own freshly created database on that server.
They are skipped without the variable, except under ``CI=true`` where they fail.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.pool import NullPool

from adloom.storage import records
from adloom.storage.assets import AssetStore
from adloom.storage.database import DatabaseUnavailableError, alembic_config, open_database
from adloom.storage.models import Asset, Base, Brand, Product, Run, RunEvent
from adloom.storage.records import (
    RunNotFoundError,
    create_run,
    get_run,
    list_brands,
    list_runs,
    node_event_counts,
    record_asset,
    record_event,
    set_run_status,
    upsert_brand_and_product,
)

EXPECTED_TABLES = {
    "alembic_version", "brands", "products", "campaigns", "runs", "run_events",
    "assets", "trends", "schedules", "sources", "trend_items", "schedule_runs", "music_tracks",
}

BRIEF = {
    "brand": {"name": "Northwind Coffee", "voice": "warm", "colors": ["#3B2A1A", "#F5E6D3"]},
    "product": {"name": "Cold Brew Kit", "description": "Brew at home overnight.", "facts": ["makes 1 L"]},
    "platforms": ["tiktok"],
    "duration_s": 15,
}


def _postgres_server_url() -> str:
    url = os.environ.get("ADLOOM_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("ADLOOM_TEST_POSTGRES_URL is not set; CI must start Postgres with .ci/postgres.sh")
        pytest.skip("ADLOOM_TEST_POSTGRES_URL not set (eval \"$(bash .ci/postgres.sh)\" to run these)")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_database_url(request, tmp_path: Path):
    """Makes URLs of empty databases: new SQLite files, or new databases on the Postgres server."""
    if request.param == "sqlite":
        paths = (tmp_path / f"db{index}" / "adloom.db" for index in range(1000))
        yield lambda: f"sqlite:///{next(paths)}"
        return
    server_url = make_url(_postgres_server_url())
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    created: list[str] = []

    def create() -> str:
        name = f"adloom_t_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return server_url.set(database=name).render_as_string(hide_password=False)

    try:
        yield create
    finally:
        with admin.connect() as connection:
            for name in created:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def database_url(new_database_url) -> str:
    return new_database_url()


@pytest.fixture
def db(database_url: str):
    database = open_database(database_url)
    yield database
    database.dispose()


def _head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revisions(db) -> list[str]:
    with db.engine.connect() as connection:
        return list(connection.scalars(text("SELECT version_num FROM alembic_version")))


# --- migrations ---------------------------------------------------------------------------


def test_migration_creates_every_table_matching_the_models(db):
    assert set(inspect(db.engine).get_table_names()) == EXPECTED_TABLES
    assert _current_revisions(db) == [_head_revision()]
    # The hand-written migration and the models must describe the same schema.
    with db.engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert drift == []


def test_runs_finished_before_the_manifest_column_get_theirs_from_their_folder(db, database_url: str, tmp_path):
    config = alembic_config(database_url)
    command.downgrade(config, "0007")
    for run_id, status in (("kept", "succeeded"), ("folder-gone", "succeeded"), ("failed", "failed")):
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO runs (id, status, out_dir, config, created_at, updated_at) "
                "VALUES (:id, :status, :out, '{}', :now, :now)"), {
                    "id": run_id, "status": status, "out": str(tmp_path), "now": datetime.now(timezone.utc)})
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "manifest.json").write_text('{"run_id": "kept", "status": "succeeded"}')
    (tmp_path / "failed").mkdir()
    (tmp_path / "failed" / "manifest.json").write_text('{"run_id": "failed"}')  # a failed run made nothing
    command.upgrade(config, "head")
    with db.session() as session:
        made = {run.id: run.manifest for run in session.scalars(select(Run))}
    assert made == {"kept": {"run_id": "kept", "status": "succeeded"}, "folder-gone": None, "failed": None}


def test_reopening_is_idempotent_and_keeps_data(database_url: str):
    first = open_database(database_url)
    with first.session() as session:
        upsert_brand_and_product(session, BRIEF["brand"], BRIEF["product"])
    first.dispose()

    second = open_database(database_url)
    third = open_database(database_url)
    assert _current_revisions(third) == [_head_revision()]
    with third.session() as session:
        assert [brand.name for brand in list_brands(session)] == ["Northwind Coffee"]
    second.dispose()
    third.dispose()


def test_downgrade_to_base_and_upgrade_again(db, database_url: str):
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert set(inspect(db.engine).get_table_names()) == EXPECTED_TABLES


_OPEN_WHEN_TOLD = """
import sys, time
from pathlib import Path
from adloom.storage.database import open_database
ready, go, urls = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
ready.touch()
deadline = time.monotonic() + 60
while not go.exists():
    if time.monotonic() > deadline:
        sys.exit("never told to go")
    time.sleep(0.001)
for url in urls:
    open_database(url).dispose()
"""


def test_processes_starting_at_once_migrate_once(new_database_url, tmp_path: Path):
    """Processes open the same fresh databases at the same instants; every open succeeds.

    Several databases in a row give several races per process start; without the
    migration lock, most runs of this test fail with "database is locked" or
    "relation already exists".
    """
    urls = [new_database_url() for _ in range(4)]
    go = tmp_path / "go"
    readies = [tmp_path / f"ready-{index}" for index in range(2)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _OPEN_WHEN_TOLD, str(ready), str(go), *urls],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for ready in readies
    ]
    try:
        # Released only once every process has imported everything, so they really race.
        deadline = time.monotonic() + 60
        while not all(ready.exists() for ready in readies) and time.monotonic() < deadline:
            if any(process.poll() is not None for process in processes):
                break
            time.sleep(0.01)
        go.touch()
        results = [process.communicate(timeout=120) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, (_, stderr) in zip(processes, results):
        assert process.returncode == 0, stderr
    for url in urls:
        db = open_database(url)
        assert _current_revisions(db) == [_head_revision()]
        db.dispose()


# --- opening ------------------------------------------------------------------------------


def test_sqlite_folder_created_and_wal_with_foreign_keys(tmp_path: Path):
    path = tmp_path / "a" / "b" / "adloom.db"
    db = open_database(f"sqlite:///{path}")
    assert path.is_file()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.dispose()


def test_unreachable_postgres_names_url_without_password():
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql+psycopg://adloom:hunter2secret@127.0.0.1:{port}/adloom"
    with pytest.raises(DatabaseUnavailableError) as caught:
        open_database(url)
    message = str(caught.value)
    redacted_url = f"postgresql+psycopg://adloom:***@127.0.0.1:{port}/adloom"
    assert message.startswith(f"cannot open database {redacted_url}: ")
    assert "refused" in message.lower()
    assert "hunter2secret" not in message


def test_sqlite_in_a_folder_that_cannot_exist(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DatabaseUnavailableError, match=r"^cannot open database sqlite:///.*file/db/x\.db: "):
        open_database(f"sqlite:///{blocker / 'db' / 'x.db'}")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("sqlite://", "in-memory"),
        ("sqlite:///:memory:", "in-memory"),
        ("mysql://root:pw@127.0.0.1/x", "unsupported database mysql://root:\\*\\*\\*@"),
        ("not a url at all", "cannot parse"),
    ],
)
def test_bad_urls_are_refused_before_connecting(url: str, problem: str):
    with pytest.raises(ValueError, match=problem):
        open_database(url)


def test_session_rolls_back_when_the_block_raises(db):
    with pytest.raises(RuntimeError, match="boom"):
        with db.session() as session:
            upsert_brand_and_product(session, BRIEF["brand"], BRIEF["product"])
            raise RuntimeError("boom")
    with db.session() as session:
        assert list_brands(session) == []


# --- brands and products ------------------------------------------------------------------


def test_upsert_brand_and_product_round_trip(db):
    with db.session() as session:
        brand, product = upsert_brand_and_product(session, BRIEF["brand"], BRIEF["product"])
        first_ids = (brand.id, product.id)
    with db.session() as session:
        brand, product = upsert_brand_and_product(
            session,
            {"name": "Northwind Coffee", "voice": "bold", "logo": "/tmp/logo.png"},
            {"name": "Cold Brew Kit", "description": "Now with a glass carafe.", "price": "$39"},
        )
        assert (brand.id, product.id) == first_ids
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Brand)) == 1
        assert session.scalar(select(func.count()).select_from(Product)) == 1
        brand = session.scalars(select(Brand)).one()
        product = session.scalars(select(Product)).one()
        assert (brand.voice, brand.logo) == ("bold", "/tmp/logo.png")
        # Keys not given in the second upsert keep their stored values.
        assert brand.colors == ["#3B2A1A", "#F5E6D3"]
        assert product.facts == ["makes 1 L"]
        assert (product.description, product.price) == ("Now with a glass carafe.", "$39")
        assert brand.created_at.tzinfo is not None and brand.created_at.utcoffset().total_seconds() == 0


def test_same_product_name_under_two_brands(db):
    with db.session() as session:
        _, first = upsert_brand_and_product(session, {"name": "A"}, {"name": "Kit"})
        _, second = upsert_brand_and_product(session, {"name": "B"}, {"name": "Kit"})
        assert first.id != second.id
        assert [brand.name for brand in list_brands(session)] == ["A", "B"]


def test_upsert_refuses_unknown_and_missing_keys(db):
    with db.session() as session:
        with pytest.raises(ValueError, match=r"brand: unknown keys \['slogan'\]"):
            upsert_brand_and_product(session, {"name": "A", "slogan": "x"}, {"name": "Kit"})
        with pytest.raises(ValueError, match="product: missing name"):
            upsert_brand_and_product(session, {"name": "A"}, {"description": "x"})


def test_unique_and_check_constraints_are_enforced(db):
    with db.session() as session:
        upsert_brand_and_product(session, {"name": "A"}, {"name": "Kit"})
    with pytest.raises(IntegrityError):
        with db.session() as session:
            session.add(Brand(name="A"))
    with pytest.raises(IntegrityError):
        with db.session() as session:
            brand_id = session.scalars(select(Brand.id)).one()
            session.add(Product(brand_id=brand_id, name="Kit"))
    with pytest.raises(IntegrityError):
        with db.session() as session:
            session.add(Run(id="r1", status="exploded", config={}))
    with pytest.raises(IntegrityError):  # foreign keys hold on SQLite too
        with db.session() as session:
            session.add(RunEvent(run_id="no-such-run", node="planner", event="started"))


def test_naive_timestamps_are_refused(db):
    with pytest.raises(StatementError, match="naive datetime"):
        with db.session() as session:
            session.add(Brand(name="A", created_at=datetime(2024, 1, 1)))
            session.flush()


# --- runs and events ----------------------------------------------------------------------


def test_run_lifecycle_with_events_and_counts(db):
    run_id = uuid.uuid4().hex
    with db.session() as session:
        run = create_run(
            session, run_id, brief=BRIEF, brief_path=Path("/briefs/cold-brew.yaml"),
            out_dir=Path("/out"), config={"llm": {"backend": "embedded"}},
        )
        assert run.status == "running" and run.finished_at is None
    with db.session() as session:
        for node in ("planner", "copywriter"):
            record_event(session, run_id, node, "started")
            record_event(session, run_id, node, "finished", {"seconds": 1.5})
        record_event(session, run_id, "art_director", "started")
        record_event(session, run_id, "art_director", "failed", {"error": "CUDA out of memory"})
        set_run_status(session, run_id, "failed", error="art_director: CUDA out of memory")

    with db.session() as session:
        run = get_run(session, run_id)
        assert (run.status, run.error) == ("failed", "art_director: CUDA out of memory")
        assert run.finished_at is not None and run.finished_at.tzinfo is not None
        assert run.brief_path == "/briefs/cold-brew.yaml"
        assert run.config == {"llm": {"backend": "embedded"}}
        assert run.campaign.brief == BRIEF
        assert run.campaign.product.name == "Cold Brew Kit"
        assert [(event.node, event.event) for event in run.events][-1] == ("art_director", "failed")
        assert run.events[1].detail == {"seconds": 1.5}
        assert node_event_counts(session, run_id) == {"planner": 1, "copywriter": 1}

    # A resume: the run goes back to running and only the failed node finishes now.
    with db.session() as session:
        set_run_status(session, run_id, "running")
        record_event(session, run_id, "art_director", "started")
        record_event(session, run_id, "art_director", "finished")
        set_run_status(session, run_id, "succeeded")
    with db.session() as session:
        run = get_run(session, run_id)
        assert (run.status, run.error) == ("succeeded", None)
        assert run.finished_at >= run.created_at
        assert node_event_counts(session, run_id) == {"planner": 1, "copywriter": 1, "art_director": 1}


def test_runs_share_the_campaign_brand_and_list_newest_first(db):
    with db.session() as session:
        first = create_run(session, "run-a", brief=BRIEF, brief_path=None, out_dir="/o", config={})
        create_run(session, "run-b", brief=BRIEF, brief_path=None, out_dir="/o", config={},
                   campaign_id=first.campaign_id)
        create_run(session, "run-c", brief=BRIEF, brief_path=None, out_dir="/o", config={})
    with db.session() as session:
        assert [run.id for run in list_runs(session)] == ["run-c", "run-b", "run-a"]
        assert [run.id for run in list_runs(session, limit=2)] == ["run-c", "run-b"]
        assert get_run(session, "run-b").campaign_id == get_run(session, "run-a").campaign_id
        assert get_run(session, "run-c").campaign_id != get_run(session, "run-a").campaign_id
        assert len(list_brands(session)) == 1
        assert get_run(session, "missing") is None


def test_run_commands_refuse_bad_input(db):
    with db.session() as session:
        create_run(session, "r", brief=BRIEF, brief_path=None, out_dir=None, config={})
        with pytest.raises(RunNotFoundError, match="no run with id 'nope'"):
            set_run_status(session, "nope", "failed")
        with pytest.raises(ValueError, match="choose from running, succeeded, needs_review, failed, interrupted"):
            set_run_status(session, "r", "done")
        with pytest.raises(ValueError, match="run event 'ended'"):
            record_event(session, "r", "planner", "ended")
        with pytest.raises(RunNotFoundError):
            record_event(session, "nope", "planner", "started")
        with pytest.raises(LookupError, match="no campaign with id 999"):
            create_run(session, "r2", brief=BRIEF, brief_path=None, out_dir=None, config={}, campaign_id=999)
        with pytest.raises(ValueError, match="'product' must be a mapping"):
            create_run(
                session, "r3", brief={"brand": {"name": "A"}}, brief_path=None, out_dir=None, config={}
            )
    with pytest.raises(IntegrityError):
        with db.session() as session:
            create_run(session, "r", brief=BRIEF, brief_path=None, out_dir=None, config={})


# --- assets -------------------------------------------------------------------------------


def test_record_asset_from_a_stored_ref(db, tmp_path: Path):
    store = AssetStore(tmp_path / "store")
    ref = store.put_bytes(b"1\n00:00:00,000 --> 00:00:01,000\nHi\n", ".srt", kind="subtitles",
                          tool="subtitles", backend="faster-whisper", metadata={"words": 1})
    with db.session() as session:
        create_run(session, "r", brief=BRIEF, brief_path=None, out_dir=None, config={})
        record_asset(session, "r", ref)
        logo = {"path": "/in/logo.png", "sha256": "ab" * 32, "kind": "image", "tool": "input"}
        record_asset(session, None, logo)
    with db.session() as session:
        stored = session.scalars(select(Asset).where(Asset.sha256 == ref.sha256)).one()
        assert (stored.path, stored.kind, stored.tool) == (ref.path, "subtitles", "subtitles")
        assert stored.backend == "faster-whisper"
        assert stored.meta == {"words": 1}
        assert stored.created_at.tzinfo == timezone.utc
        assert [asset.sha256 for asset in get_run(session, "r").assets] == [ref.sha256]
        assert session.scalar(select(func.count()).select_from(Asset)) == 2
        as_dict = record_asset(session, "r", ref.model_dump())
        assert (as_dict.sha256, as_dict.meta) == (ref.sha256, {"words": 1})
        with pytest.raises(ValueError, match=r"asset: unknown keys \['size'\]"):
            record_asset(session, "r", {**ref.model_dump(), "size": 3})
        with pytest.raises(RunNotFoundError):
            record_asset(session, "nope", ref.model_dump())


def test_the_music_library_keeps_one_entry_per_file_in_the_order_added(db):
    with db.session() as session:
        records.add_music_track(session, title="Vibe Ace", credit="Kevin MacLeod, CC BY 3.0", path="/a.ogg",
                                duration_s=61.0)
        records.add_music_track(session, title="Brahms", credit="public domain", path="/b.ogg", duration_s=45.8)
        again = records.add_music_track(session, title="Vibe Ace (cut)", credit="Kevin MacLeod, CC BY 3.0 (credit)",
                                        path="/a.ogg", duration_s=61.0)
    with db.session() as session:
        tracks = records.list_music_tracks(session)
        assert [(t.id, t.title, t.credit) for t in tracks] == [
            (again.id, "Vibe Ace (cut)", "Kevin MacLeod, CC BY 3.0 (credit)"), (tracks[1].id, "Brahms", "public domain")]
        assert tracks[0].duration_s == 61.0
