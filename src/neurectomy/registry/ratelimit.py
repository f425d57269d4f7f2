"""Rate-limit counters in the registry database, as a storage of the ``limits`` library, so that every worker
process of ``neurectomy serve --workers N`` counts against the same limits (a per-process memory storage would give
each client N times its limit).

Only the fixed-window strategy is supported (``limits.strategies.FixedWindowRateLimiter``): one row per key and
window, incremented atomically with ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` (SQLite 3.35+, PostgreSQL).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from limits.storage import Storage
from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import SQLAlchemyError

from neurectomy.registry.models import RateLimitCounter


class DatabaseStorage(Storage):
    """``limits`` storage over a SQLAlchemy engine (the table ``rate_limit``)."""

    STORAGE_SCHEME: ClassVar[list[str] | None] = ["neurectomy+database"]  # type: ignore[misc]

    def __init__(self, engine: Engine, **options: Any) -> None:
        super().__init__(uri=None, wrap_exceptions=False, **options)
        self.engine = engine
        self._purged = 0.0

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    def _upsert(self, key: str, expiry: float, amount: int) -> Any:
        from sqlalchemy.dialects import postgresql, sqlite

        table: Any = RateLimitCounter.__table__
        insert: Any = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        now = time.time()
        stmt = insert(table).values(key=key, count=amount, expires_at=now + expiry)
        # a window that has run out starts over; otherwise the count grows
        return stmt.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "count": _case(table, stmt, now),
                "expires_at": _expiry(table, stmt, now),
            },
        ).returning(table.c.count)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        from neurectomy.registry.db import write

        stmt = self._upsert(key, float(expiry), amount)
        count = write(self.engine, lambda s: int(s.execute(stmt).scalar_one()))
        self._purge()
        return count

    def _row(self, key: str) -> RateLimitCounter | None:
        from sqlalchemy.orm import Session

        with Session(self.engine) as s:
            row = s.scalar(select(RateLimitCounter).where(RateLimitCounter.key == key))
            if row is not None and row.expires_at <= time.time():
                return None
            return row

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else int(row.count)

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return time.time() if row is None else float(row.expires_at)

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        from neurectomy.registry.db import write

        return write(self.engine, lambda s: int(getattr(s.execute(delete(RateLimitCounter)), "rowcount", 0) or 0))

    def clear(self, key: str) -> None:
        from neurectomy.registry.db import write

        write(self.engine, lambda s: s.execute(delete(RateLimitCounter).where(RateLimitCounter.key == key)))

    def _purge(self) -> None:
        """Drop windows that ran out (at most once a minute per process)."""
        now = time.time()
        if now - self._purged < 60.0:
            return
        self._purged = now
        from neurectomy.registry.db import write

        write(self.engine, lambda s: s.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= now)))


def _case(table: Any, stmt: Any, now: float) -> Any:
    from sqlalchemy import case

    return case((table.c.expires_at <= now, stmt.excluded.count), else_=table.c.count + stmt.excluded.count)


def _expiry(table: Any, stmt: Any, now: float) -> Any:
    from sqlalchemy import case

    return case((table.c.expires_at <= now, stmt.excluded.expires_at), else_=table.c.expires_at)
