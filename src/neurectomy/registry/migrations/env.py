"""Alembic environment: runs on the connection handed over by :func:`neurectomy.registry.db.init_db`,
or on a fresh engine for ``sqlalchemy.url`` when Alembic is driven from its own command line."""

from __future__ import annotations

from typing import Any

from alembic import context

from neurectomy.registry.models import Base

config: Any
try:
    config = context.config
except AttributeError:  # imported outside an Alembic run (e.g. pytest's doctest collection): do nothing
    config = None
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL to stdout (``alembic upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over a live connection (ours, or one made from ``sqlalchemy.url``)."""
    conn = config.attributes.get("connection")
    if conn is None:
        from neurectomy.registry.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if config is None:
    pass
elif context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
