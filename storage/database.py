"""Opening the database: one engine, the schema migrated to head, and sessions.

``open_database`` is safe to call on every start, from several processes at once: the
migration runs under a lock that the database itself provides (an immediate write
transaction on SQLite, an advisory lock on Postgres), so the second process waits and
then finds the schema already at head.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = Path(__file__).resolve().with_name("migrations")
SQLITE_BUSY_TIMEOUT_S = 30.0
POSTGRES_CONNECT_TIMEOUT_S = 10
# Any fixed 64-bit number works; every adloom process agrees on this one ("adloom" in ASCII).
_POSTGRES_MIGRATION_LOCK = 0x61646C6F6F6D


class DatabaseUnavailableError(RuntimeError):
    """The database could not be opened or migrated; the message never holds a password."""


def redacted(url: str | URL) -> str:
    """The URL as text with its password masked, fit for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for adloom's migrations, built in code (no ``alembic.ini``).

    Args:
        url: only needed to run Alembic commands outside :func:`open_database`, such as
            ``alembic.command.revision(alembic_config(url), autogenerate=True, message=...)``.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        # ConfigParser treats "%" as interpolation; URL-encoded passwords contain it.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class Database:
    """An engine plus a session factory for it."""

    def __init__(self, engine: Engine):
        self.engine = engine
        # Objects stay readable after the block ends, so callers can print what they loaded.
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return redacted(self.engine.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_database(url: str) -> Database:
    """Open ``url`` (``sqlite:///PATH`` or ``postgresql+psycopg://...``) with the schema at head.

    Creates the SQLite file's folder when missing and runs ``alembic upgrade head``.

    Raises:
        ValueError: the URL cannot be parsed, names an unsupported backend, or is an
            in-memory SQLite database (each connection would see a different one).
        DatabaseUnavailableError: the database cannot be reached, created or migrated.
    """
    parsed = _parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)  # type: ignore[arg-type]
        _migrate_to_head(parsed)
    except (DBAPIError, OSError) as exc:
        reason = _reason(exc, parsed)
        raise DatabaseUnavailableError(f"cannot open database {redacted(parsed)}: {reason}") from exc
    return Database(_create_engine(parsed))


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The text is not echoed back: it may hold a password.
        raise ValueError(
            "cannot parse the database URL; expected sqlite:///PATH or "
            "postgresql+psycopg://USER@HOST:PORT/DATABASE"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or "mode=memory" in str(parsed.query):
            raise ValueError(
                f"in-memory SQLite is not supported ({redacted(parsed)}); use a file path, "
                "e.g. sqlite:///tmp/adloom.db"
            )
        return parsed
    if backend == "postgresql":
        # psycopg 3 is the installed driver; a bare postgresql:// would ask for psycopg2.
        return parsed.set(drivername="postgresql+psycopg") if parsed.drivername == "postgresql" else parsed
    raise ValueError(f"unsupported database {redacted(parsed)}: use sqlite:/// or postgresql+psycopg://")


def _use_wal(cursor) -> None:
    """Switch the file to WAL (readers run while one process writes; the mode is stored in the file).

    Changing the journal mode needs the file to itself, and SQLite answers "database is
    locked" at once rather than through the busy timeout when another process holds it (as
    when several processes open a new database together). So: only when not yet WAL, and
    retried until the busy timeout.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _set_sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    _use_wal(cursor)
    # SQLite ignores foreign keys unless asked, per connection.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        event.listen(engine, "connect", _set_sqlite_pragmas)
        return engine
    return create_engine(
        url, pool_pre_ping=True, connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    )


def _migration_engine(url: URL) -> Engine:
    """A single-use engine whose transaction holds the migration lock from its first statement."""
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url, poolclass=NullPool, connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
        )
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _take_over_transactions(dbapi_connection, record) -> None:
        # pysqlite would otherwise open transactions itself, lazily and only before DML.
        dbapi_connection.isolation_level = None
        _set_sqlite_pragmas(dbapi_connection, record)

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:
        # IMMEDIATE takes the write lock now, before Alembic reads the current version,
        # so a second process waits (busy timeout) instead of migrating the same schema.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _migrate_to_head(url: URL) -> None:
    engine = _migration_engine(url)
    try:
        with engine.begin() as connection:
            if url.get_backend_name() == "postgresql":
                # Held until this transaction commits; Postgres runs the DDL inside it.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _POSTGRES_MIGRATION_LOCK}
                )
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def _reason(exc: BaseException, url: URL) -> str:
    reason = str(getattr(exc, "orig", None) or exc).strip()
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return reason
