"""Backup and restore: every registry table as JSON (gzip), signed, portable between SQLite and PostgreSQL.

**Consistent.** The tables are read in one transaction: on PostgreSQL ``REPEATABLE READ READ ONLY`` (one snapshot
for every table, so no outcome is dumped without its case while writers carry on); on SQLite one read transaction
in WAL mode (also a snapshot). Every foreign key is followed in the dumped rows *before* the file is written, so a
backup that could not be restored is never written. Login sessions and login throttling state are left out: a
restored registry starts with nobody signed in.

**Signed.** A backup is HMAC-SHA256 signed with a key kept *outside* the database (a file, by default
``backup.key`` in the user configuration directory, created 0600 on the first backup; ``--key-file`` or
``$NEURECTOMY_BACKUP_KEY_FILE`` name another). Restore refuses a file whose signature does not match. We sign the
backup rather than hash-chain the audit log because a chain without a secret can be recomputed by whoever edits
the file, and an emptied log is a valid (empty) chain; a MAC under a key the database never holds catches any
change to any table, the audit log included, and a forged or emptied log is refused.

**Atomic and careful with its target.** The file is written to a temporary file (0600: it holds patient data),
flushed to disk and renamed into place, so a crash leaves the old file or the new one; a target that exists and
is not a regular file (a symlink, a device, a directory) is refused rather than replaced.

**Restore** goes into an *empty* database (the audit log cannot be deleted, by design), in one transaction, and is
itself audited. Every malformed file (not gzip, cut short, not JSON, another format or version, a bad signature,
rows of the wrong shape) is a :class:`BackupError` with a one-line message, and nothing is written.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import os
import secrets
import stat
import tempfile
import zlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Date, Engine, func, insert, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from neurectomy.registry.auth import SYSTEM, Principal
from neurectomy.registry.db import current_revision, init_db, is_initialised, write
from neurectomy.registry.models import TABLES, UTCDateTime, WebSession
from neurectomy.registry.service import audit

FORMAT: Final = "neurectomy-registry-backup"
VERSION: Final = 2
MAC: Final = "HMAC-SHA256"
KEY_ENV: Final = "NEURECTOMY_BACKUP_KEY_FILE"
#: Tables a backup carries (parents first): everything but login sessions.
BACKED_UP: Final = tuple(m for m in TABLES if m is not WebSession)
#: The largest backup body read back (uncompressed), against a decompression bomb.
MAX_BODY: Final = 8 * 1024**3


class BackupError(ValueError):
    """The backup cannot be written or restored (and nothing was written); the message is one line."""


# --------------------------------------------------------------------------- the key
def default_key_file() -> Path:
    """``$NEURECTOMY_BACKUP_KEY_FILE``, else ``backup.key`` in the user configuration directory."""
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return Path(env)
    from platformdirs import user_config_dir

    return Path(user_config_dir("neurectomy", appauthor=False)) / "backup.key"


def read_key(path: str | Path | None = None, *, create: bool = False) -> bytes:
    """The signing key from ``path`` (default :func:`default_key_file`); with ``create``, a new random key is
    written there (mode 0600) when the file does not exist yet."""
    path = Path(path) if path is not None else default_key_file()
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
    try:
        raw = path.read_bytes()[:4096].strip()
    except OSError as exc:
        raise BackupError(
            f"no backup key at {path} ({exc.strerror}): a backup is verified with the key it was signed with "
            f"(--key-file or ${KEY_ENV})"
        ) from None
    if len(raw) < 32:
        raise BackupError(f"the backup key in {path} is too short (at least 32 characters)")
    return raw


def key_id(key: bytes) -> str:
    """A short public fingerprint of a key (it reveals nothing of the key), to tell keys apart in messages."""
    return hashlib.sha256(b"neurectomy-backup-key-id:" + key).hexdigest()[:12]


def _mac(key: bytes, body: bytes) -> str:
    return hmac.new(key, body, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- dump
def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return v


def dump(engine: Engine) -> dict[str, Any]:
    """Every row of every backed-up table, in primary-key order, from one snapshot (PostgreSQL: one
    ``REPEATABLE READ READ ONLY`` transaction; SQLite: one read transaction, WAL)."""
    from alembic.runtime.migration import MigrationContext

    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with conn.begin():
            schema = MigrationContext.configure(conn).get_current_revision()
            for model in BACKED_UP:
                t = model.__table__
                rows = conn.execute(select(t).order_by(t.c.id)).mappings()
                tables[model.__tablename__] = [{k: _jsonable(v) for k, v in r.items()} for r in rows]
    return {"format": FORMAT, "version": VERSION, "schema": schema, "tables": tables}


def _foreign_keys() -> list[tuple[str, str, str]]:
    """(child table, column, parent table) for every foreign key between backed-up tables."""
    out = []
    for model in BACKED_UP:
        for fk in model.__table__.foreign_keys:
            out.append((model.__tablename__, fk.parent.name, fk.column.table.name))
    return out


def dangling(tables: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Rows whose foreign key points at no row of the dump (each as one line; empty when consistent)."""
    ids = {name: {r.get("id") for r in rows if isinstance(r, dict)} for name, rows in tables.items()}
    out = []
    for child, column, parent in _foreign_keys():
        for r in tables.get(child, []):
            v = r.get(column) if isinstance(r, dict) else None
            if v is not None and v not in ids.get(parent, set()):
                out.append(f"{child} #{r.get('id')}: {column} {v} is not in {parent}")
    return out


def foreign_key_problems(s: Session) -> list[tuple[str, int, str]]:
    """(table, row id, why) for every stored row whose foreign key points at no row."""
    out = []
    for child, column, parent in _foreign_keys():
        q = text(
            f"SELECT c.id, c.{column} FROM {child} c LEFT JOIN {parent} p ON c.{column} = p.id "
            f"WHERE c.{column} IS NOT NULL AND p.id IS NULL ORDER BY c.id"
        )
        for row_id, v in s.execute(q):
            out.append((child, int(row_id), f"{column} {v} is not in {parent}"))
    return out


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def backup(engine: Engine, path: str | Path, *, key: bytes | None = None) -> dict[str, int]:
    """Write a signed backup to ``path`` atomically; returns the row count per table. ``key`` defaults to
    :func:`read_key` (created on first use)."""
    path = Path(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        pass
    else:
        if not stat.S_ISREG(st.st_mode):
            raise BackupError(f"refusing to write the backup to {path}: it is {_kind(st.st_mode)}, not a regular file")
    key = read_key(create=True) if key is None else key
    data = dump(engine)
    problems = dangling(data["tables"])
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BackupError(f"the registry is inconsistent, no backup written: {problems[0]}{more}")
    # ASCII with escapes: a legacy value that is not Unicode (a lone surrogate in a JSON column) is kept exactly
    body = json.dumps(data, ensure_ascii=True, sort_keys=True, separators=(",", ":")).encode("ascii")
    header = {"format": FORMAT, "version": VERSION, "mac": MAC, "key_id": key_id(key), "signature": _mac(key, body)}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
            gz.write(json.dumps(header, sort_keys=True).encode() + b"\n")
            gz.write(body)
            gz.flush()
            gz.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {name: len(rows) for name, rows in data["tables"].items()}


# --------------------------------------------------------------------------- load and restore
def _read(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read(MAX_BODY + 1)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BackupError(f"{path}: is a directory") from None
    except PermissionError:
        raise BackupError(f"{path}: permission denied") from None
    except EOFError:
        raise BackupError(f"{path}: the backup is cut short (the gzip stream ends early)") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise BackupError(f"{path}: not a registry backup (not gzip data: {exc})") from None
    except OSError as exc:
        raise BackupError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_BODY:
        raise BackupError(f"{path}: larger than {MAX_BODY // 1024**3} GiB uncompressed")
    if not raw:
        raise BackupError(f"{path}: the backup is empty")
    return raw


def load(path: str | Path, *, key: bytes | None = None) -> dict[str, Any]:
    """Read a backup, check its format and signature; :class:`BackupError` (one line) otherwise."""
    path = Path(path)
    raw = _read(path)
    first, newline, body = raw.partition(b"\n")
    try:
        header = json.loads(first)
    except (ValueError, UnicodeDecodeError):
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path}: not a registry backup")
    if header.get("version") != VERSION:
        raise BackupError(
            f"{path}: a version-{str(header.get('version'))[:10]} registry backup; this program restores version "
            f"{VERSION} (signed) backups"
        )
    if not newline:
        raise BackupError(f"{path}: the backup is cut short (no data after the header)")
    key = read_key() if key is None else key
    sent = header.get("signature")
    if not isinstance(sent, str) or not hmac.compare_digest(sent.encode(), _mac(key, body).encode()):
        other = header.get("key_id")
        why = (
            f"it was signed with another key ({str(other)[:12]}, this key is {key_id(key)})"
            if isinstance(other, str) and other != key_id(key)
            else "the file was changed after it was written"
        )
        raise BackupError(f"{path}: the signature does not match: {why}; nothing restored")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BackupError(f"{path}: the backup's data is not JSON ({str(exc)[:100]})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        raise BackupError(f"{path}: not a version-{VERSION} registry backup")
    tables = data.get("tables")
    known = {m.__tablename__ for m in BACKED_UP}
    if not isinstance(tables, dict) or not all(
        isinstance(rows, list) and all(isinstance(r, dict) for r in rows) for rows in tables.values()
    ):
        raise BackupError(f"{path}: the backup's tables are not lists of rows")
    unknown = sorted(set(tables) - known)
    if unknown:
        raise BackupError(f"{path}: the backup has tables this registry does not back up: {', '.join(unknown)[:200]}")
    return data


def _row(model: Any, row: dict[str, Any], where: str) -> dict[str, Any]:
    out = {}
    for col in model.__table__.columns:
        v = row.get(col.name)
        try:
            if v is not None and isinstance(col.type, UTCDateTime):
                v = datetime.fromisoformat(v)
                if v.tzinfo is None:
                    raise ValueError("no time zone")
            elif v is not None and isinstance(col.type, Date):
                v = date.fromisoformat(v)
        except (TypeError, ValueError) as exc:
            raise BackupError(f"{where}: {col.name}: {exc}") from None
        out[col.name] = v
    return out


def restore(engine: Engine, path: str | Path, who: Principal = SYSTEM, *, key: bytes | None = None) -> dict[str, int]:
    """Restore a backup into an empty registry (created if needed) in one transaction; returns rows per table."""
    data = load(path, key=key)
    problems = dangling(data["tables"])
    if problems:
        raise BackupError(f"{path}: the backup is inconsistent: {problems[0]}; nothing restored")
    if not is_initialised(engine):
        init_db(engine)
    if data.get("schema") != current_revision(engine):
        raise BackupError(
            f"backup schema {str(data.get('schema'))[:40]!r} differs from this database's {current_revision(engine)!r}"
        )
    rows_of = {
        model.__tablename__: [
            _row(model, r, f"{path}: {model.__tablename__}[{i}]")
            for i, r in enumerate(data["tables"].get(model.__tablename__, []))
        ]
        for model in BACKED_UP
    }

    def _do(s: Session) -> dict[str, int]:
        for model in TABLES:
            if s.scalar(select(func.count()).select_from(model)):
                raise BackupError(f"the database is not empty ({model.__tablename__} has rows); restore into a new one")
        counts = {}
        for model in BACKED_UP:
            rows = rows_of[model.__tablename__]
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

    try:
        return write(engine, _do)
    except StatementError as exc:
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
        raise BackupError(f"{path}: the database refused the backup's rows ({first}); nothing restored") from None
