"""Engines, sessions, migrations and retried write transactions.

The database is ``$NEURECTOMY_DATABASE_URL`` when set (e.g. ``postgresql://user:pw@host/db``), otherwise a SQLite
file ``registry.sqlite3`` in the user data directory (created on first use). SQLite runs in WAL mode with foreign
keys on, ``synchronous=FULL`` and a busy timeout; write transactions start with ``BEGIN IMMEDIATE`` so that
concurrent writers queue instead of failing on a lock upgrade, and :func:`write` retries the whole transaction on
a lock or serialisation failure. Nothing is ever half-written: a transaction commits completely or not at all.
"""

from __future__ import annotations

import functools
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Final, TypeVar

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from neurectomy.registry.models import AuditEntry, LoginThrottle, RateLimitCounter, SimulationJob, WebSession

ENV_VAR: Final = "NEURECTOMY_DATABASE_URL"
_WRITE: Final = "neurectomy_write"
T = TypeVar("T")


def default_url() -> str:
    """``$NEURECTOMY_DATABASE_URL``, or the SQLite file in the user data directory."""
    url = os.environ.get(ENV_VAR, "").strip()
    if url:
        return url
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('neurectomy', appauthor=False)) / 'registry.sqlite3'}"


def _normalise(url: str) -> str:
    """``postgresql://`` means psycopg 3 here (the driver the project depends on)."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str | None = None, *, busy_timeout_s: float = 30.0) -> Engine:
    """An engine for ``url`` (default :func:`default_url`), SQLite tuned for safe concurrent writes."""
    url = _normalise(url or default_url())
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        _create_private(Path(u.database))
    engine = create_engine(url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


def _create_private(path: Path) -> None:
    """Create a new SQLite file readable by its owner only (0600; SQLite gives its -wal and -shm files the same
    mode), in a folder created 0700: the registry holds patient data."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


@functools.cache
def cached_engine(url: str) -> Engine:
    """One engine per URL for long-running processes (the web app)."""
    return make_engine(url)


def migrations_dir() -> Path:
    """The Alembic script directory shipped inside the package."""
    return Path(str(resources.files("neurectomy.registry").joinpath("migrations")))


def alembic_config(engine: Engine) -> Any:
    """An Alembic ``Config`` pointing at the packaged migrations (no ``alembic.ini`` needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return cfg


def init_db(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (idempotent)."""
    from alembic import command

    cfg = alembic_config(engine)
    with engine.connect().execution_options(**{_WRITE: True}) as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        conn.commit()


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision, None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_initialised(engine: Engine) -> bool:
    """Whether the registry tables exist."""
    return inspect(engine).has_table("cases")


def retryable(exc: BaseException) -> bool:
    """A lock timeout (SQLite) or a serialisation failure/deadlock (PostgreSQL): try the transaction again."""
    if isinstance(exc, OperationalError) and any(
        w in str(exc.orig).lower() for w in ("database is locked", "database is busy", "database table is locked")
    ):
        return True
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, DBAPIError) and code in ("40001", "40P01")


class UnauditedWrite(RuntimeError):
    """A transaction changed registry rows without an audit entry, or tried to change the audit log."""


class RegistrySession(Session):
    """A session that refuses to change or delete audit entries and to commit registry writes left unaudited
    (login sessions and login throttling state excepted)."""


_EXEMPT = (AuditEntry, WebSession, LoginThrottle, RateLimitCounter, SimulationJob)


@event.listens_for(RegistrySession, "before_flush")
def _before_flush(s: Session, _ctx: Any, _instances: Any) -> None:
    if any(isinstance(o, AuditEntry) for o in s.deleted) or any(
        isinstance(o, AuditEntry) and s.is_modified(o) for o in s.dirty
    ):
        raise UnauditedWrite("the audit log is append-only")
    writes = sum(1 for o in (*s.new, *s.deleted) if not isinstance(o, _EXEMPT))
    writes += sum(1 for o in s.dirty if not isinstance(o, _EXEMPT) and s.is_modified(o))
    s.info["writes"] = s.info.get("writes", 0) + writes
    s.info["audited"] = s.info.get("audited", 0) + sum(1 for o in s.new if isinstance(o, AuditEntry))


@event.listens_for(RegistrySession, "before_commit")
def _before_commit(s: Session) -> None:
    if s.in_nested_transaction():  # a savepoint: the whole transaction is checked when it commits
        return
    s.flush()
    if s.info.get("writes", 0) and not s.info.get("audited", 0):
        raise UnauditedWrite("registry rows were written without an audit entry")


@event.listens_for(RegistrySession, "after_commit")
@event.listens_for(RegistrySession, "after_rollback")
def _reset(s: Session) -> None:
    if s.in_nested_transaction():
        return
    s.info.pop("writes", None)
    s.info.pop("audited", None)


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; rolled back at the end."""
    with RegistrySession(engine, expire_on_commit=False) as s:
        yield s


def write(engine: Engine, fn: Callable[[Session], T], *, attempts: int = 12) -> T:
    """Run ``fn(session)`` in one write transaction and commit; retry the whole of it on lock/serialisation
    failures (jittered back-off). Any other exception rolls everything back and propagates."""
    for attempt in range(attempts):
        with RegistrySession(engine, expire_on_commit=False) as s:
            try:
                s.connection(execution_options={_WRITE: True})
                result = fn(s)
                s.commit()
                return result
            except DBAPIError as exc:
                s.rollback()
                if not retryable(exc) or attempt == attempts - 1:
                    raise
            except BaseException:
                s.rollback()
                raise
        time.sleep(min(2.0, 0.01 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover
