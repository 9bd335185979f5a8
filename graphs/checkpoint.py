"""The checkpointer: SQLite beside the data by default, Postgres when the database is."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver


@contextmanager
def open_checkpointer(database_url: str, sqlite_path: Path) -> Iterator[BaseCheckpointSaver]:
    """A checkpointer for the configured database.

    Args:
        database_url: the application database URL; a Postgres URL puts checkpoints there.
        sqlite_path: where SQLite checkpoints live otherwise.
    """
    if database_url.startswith("postgresql"):
        from langgraph.checkpoint.postgres import PostgresSaver

        conn_string = database_url.replace("postgresql+psycopg://", "postgresql://", 1)
        with PostgresSaver.from_conn_string(conn_string) as saver:
            saver.setup()
            yield saver
        return
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(str(sqlite_path), check_same_thread=False, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        saver = SqliteSaver(connection)
        saver.setup()
        yield saver
    finally:
        connection.close()
