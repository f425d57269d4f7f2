"""Backup and restore: every table as JSON (gzip), portable between SQLite and PostgreSQL.

A backup is written to a temporary file, flushed to disk and renamed into place, so a crash leaves either the old
file or the new one. It is read in one transaction (a consistent snapshot). A restore goes into an *empty*
database (the audit log cannot be deleted, by design), in one transaction, and is itself audited.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Date, Engine, func, insert, select, text
from sqlalchemy.orm import Session

from neurectomy.registry.auth import SYSTEM, Principal
from neurectomy.registry.db import current_revision, init_db, is_initialised, read_session, write
from neurectomy.registry.models import TABLES, UTCDateTime
from neurectomy.registry.service import audit

FORMAT: Final = "neurectomy-registry-backup"
VERSION: Final = 1


class BackupError(ValueError):
    """The backup file cannot be restored here (and nothing was written)."""


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def dump(engine: Engine) -> dict[str, Any]:
    """Every row of every registry table, in primary-key order, from one consistent read."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with read_session(engine) as s:
        for model in TABLES:
            t = model.__table__
            rows = s.execute(select(t).order_by(t.c.id)).mappings()
            tables[t.name] = [{k: _jsonable(v) for k, v in r.items()} for r in rows]  # type: ignore[attr-defined]
    return {"format": FORMAT, "version": VERSION, "schema": current_revision(engine), "tables": tables}


def backup(engine: Engine, path: str | Path) -> dict[str, int]:
    """Write a backup to ``path`` atomically; returns the row count per table."""
    data = dump(engine)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(json.dumps(data, ensure_ascii=False, sort_keys=True).encode())
            gz.flush()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {name: len(rows) for name, rows in data["tables"].items()}


def load(path: str | Path) -> dict[str, Any]:
    """Read and check a backup file."""
    try:
        with gzip.open(path, "rb") as f:
            data = json.loads(f.read())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path}: not a registry backup ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise BackupError(f"{path}: not a version-{VERSION} registry backup")
    return data


def _row(model: Any, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for col in model.__table__.columns:
        v = row.get(col.name)
        if v is not None and isinstance(col.type, UTCDateTime):
            v = datetime.fromisoformat(v)
        elif v is not None and isinstance(col.type, Date):
            v = date.fromisoformat(v)
        out[col.name] = v
    return out


def restore(engine: Engine, path: str | Path, who: Principal = SYSTEM) -> dict[str, int]:
    """Restore a backup into an empty registry (created if needed) in one transaction; returns rows per table."""
    data = load(path)
    if not is_initialised(engine):
        init_db(engine)
    if data.get("schema") != current_revision(engine):
        raise BackupError(
            f"backup schema {data.get('schema')!r} differs from this database's {current_revision(engine)!r}"
        )

    def _do(s: Session) -> dict[str, int]:
        for model in TABLES:
            if s.scalar(select(func.count()).select_from(model)):
                raise BackupError(f"the database is not empty ({model.__tablename__} has rows); restore into a new one")
        counts = {}
        for model in TABLES:
            rows = [_row(model, r) for r in data["tables"].get(model.__tablename__, [])]
            if rows:
                s.execute(insert(model.__table__), rows)  # type: ignore[arg-type]
            counts[model.__tablename__] = len(rows)
        if s.get_bind().dialect.name == "postgresql":
            for model in TABLES:
                name = model.__tablename__
                s.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
                    )
                )
        audit(s, who, "restore", "registry", None, {"rows": counts})
        return counts

    return write(engine, _do)
