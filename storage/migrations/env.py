"""Alembic environment for adloom's schema.

There is no ``alembic.ini``: :func:`adloom.storage.database.alembic_config` builds the
configuration in code. :func:`adloom.storage.database.open_database` hands over a connection
that already holds the migration lock (``config.attributes["connection"]``); without
one, for example when a developer runs ``alembic.command.revision(..., autogenerate=True)``,
a connection is opened from ``sqlalchemy.url``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from adloom.storage.models import Base

config = context.config


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """Emit the migration SQL as text (``alembic upgrade --sql``) without a database."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("alembic: no connection given and no sqlalchemy.url set")
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as fresh:
            _configure_and_run(fresh)
            fresh.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
