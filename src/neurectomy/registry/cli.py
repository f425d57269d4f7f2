"""``neurectomy registry``: init | add-user | user … | export | import | backup | restore | check.

Imports nothing heavy at module level (the main CLI's start-up time); each command imports SQLAlchemy itself.
The command line acts as the local operator (full rights) and every write it makes is audited as such.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

registry_app = typer.Typer(
    help="The case registry: cases, plans, outcomes, users (SQLite by default; $NEURECTOMY_DATABASE_URL).",
    no_args_is_help=True,
)

DbOption = Annotated[
    str | None,
    typer.Option("--database", "--db", help="database URL (default: $NEURECTOMY_DATABASE_URL or the user data dir)"),
]


def _engine(url: str | None) -> Any:
    from neurectomy.registry.db import init_db, make_engine

    engine = make_engine(url)
    init_db(engine)
    return engine


def _die(message: str, code: int = 2) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _institution_id(engine: Any, name: str) -> int:
    from sqlalchemy import select

    from neurectomy.registry.db import read_session
    from neurectomy.registry.models import Institution

    with read_session(engine) as s:
        inst = s.scalar(select(Institution.id).where(Institution.name == name))
    if inst is None:
        _die(f"no institution {name!r} (add a user for it first: neurectomy registry add-user)")
    return int(inst or 0)


@registry_app.command("init")
def init_cmd(database: DbOption = None) -> None:
    """Create the registry database, or upgrade it to the newest schema."""
    from neurectomy.registry.db import current_revision

    engine = _engine(database)
    typer.echo(f"registry ready: {engine.url.render_as_string(hide_password=True)} (schema {current_revision(engine)})")


@registry_app.command("add-user")
def add_user_cmd(
    username: Annotated[str, typer.Argument(help="login name (letters, digits, _ . @ -)")],
    role: Annotated[str, typer.Option("--role", help="admin, clinician, researcher or viewer")],
    institution: Annotated[str, typer.Option("--institution", help="the user's institution (created if new)")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
    database: DbOption = None,
) -> None:
    """Add a user (the password is asked for, or read from stdin)."""
    from neurectomy.registry.auth import SYSTEM
    from neurectomy.registry.db import write
    from neurectomy.registry.service import InvalidInput, add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    engine = _engine(database)
    try:
        uid = write(engine, lambda s: add_user(s, SYSTEM, username, password, role, institution).id)
    except InvalidInput as exc:
        _die(str(exc))
        return
    typer.echo(f"user {username!r} ({role}, {institution}) added as #{uid}")


user_app = typer.Typer(help="Manage users: deactivate, set a password, sign out everywhere.", no_args_is_help=True)
registry_app.add_typer(user_app, name="user")


def _manage(database: str | None, action: Any, done: str) -> None:
    from neurectomy.registry.auth import SYSTEM, NotFound
    from neurectomy.registry.db import write
    from neurectomy.registry.service import InvalidInput

    engine = _engine(database)
    try:
        n = write(engine, lambda s: action(s, SYSTEM))
    except (InvalidInput, NotFound) as exc:
        _die(str(exc))
        return
    typer.echo(f"{done}; {n} session(s) ended")


@user_app.command("deactivate")
def user_deactivate_cmd(
    username: Annotated[str, typer.Argument(help="the login name")], database: DbOption = None
) -> None:
    """The user can no longer sign in; their sessions end (their records and audit entries stay)."""
    from neurectomy.registry.service import deactivate_user

    _manage(database, lambda s, who: deactivate_user(s, who, username), f"user {username!r} deactivated")


@user_app.command("set-password")
def user_set_password_cmd(
    username: Annotated[str, typer.Argument(help="the login name")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="read the password from stdin")] = False,
    database: DbOption = None,
) -> None:
    """Set a new password (asked for, or read from stdin); the user's sessions end and failed sign-ins are
    forgotten."""
    from neurectomy.registry.service import set_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    _manage(database, lambda s, who: set_password(s, who, username, password), f"password of {username!r} set")


@user_app.command("revoke-sessions")
def user_revoke_cmd(username: Annotated[str, typer.Argument(help="the login name")], database: DbOption = None) -> None:
    """Sign the user out everywhere (every session token stops working)."""
    from neurectomy.registry.service import revoke_sessions

    _manage(database, lambda s, who: revoke_sessions(s, who, username), f"sessions of {username!r} revoked")


@registry_app.command("export")
def export_cmd(
    institution: Annotated[str, typer.Option("--institution", help="whose cases")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="file (default: stdout)")] = None,
    case: Annotated[list[int] | None, typer.Option("--case", help="only this case id (repeatable)")] = None,
    database: DbOption = None,
) -> None:
    """Export cases as a FHIR R4 Bundle (JSON)."""
    from neurectomy.registry.auth import SYSTEM
    from neurectomy.registry.db import read_session, write
    from neurectomy.registry.fhir import dumps, export

    engine = _engine(database)
    inst = _institution_id(engine, institution)
    if case:
        from neurectomy.registry.models import Case

        with read_session(engine) as s:
            for cid in case:
                c = s.get(Case, cid) if 0 < cid < 2**63 else None
                if c is None or c.institution_id != inst:
                    _die(f"no case {cid} at {institution!r}")
    got = write(engine, lambda s: export(s, SYSTEM, case_ids=case or None, institution_id=inst))
    text = dumps(got.bundle)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {output}: {got.cases} case(s)", err=True)
    for skipped in got.skipped:
        typer.echo(f"error: left out {skipped}", err=True)
    if got.skipped:
        typer.echo(
            f"error: {len(got.skipped)} case(s) could not be exported; `neurectomy registry check` lists every bad row",
            err=True,
        )
        raise typer.Exit(1)


@registry_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="a FHIR R4 Bundle (JSON) as written by export", exists=True)],
    institution: Annotated[str, typer.Option("--institution", help="the institution the cases belong to")],
    database: DbOption = None,
) -> None:
    """Import a FHIR bundle: all of it in one transaction, or nothing (the bad element is named)."""
    from neurectomy.registry.auth import SYSTEM
    from neurectomy.registry.db import write
    from neurectomy.registry.fhir import FhirImportError, import_bundle, loads

    engine = _engine(database)
    inst = _institution_id(engine, institution)
    try:
        data = loads(file.read_bytes())
        ids = write(engine, lambda s: import_bundle(s, SYSTEM, data, institution_id=inst))
    except FhirImportError as exc:
        _die(f"{file}: {exc} (nothing was imported)")
        return
    typer.echo(f"imported {len(ids)} case(s)")


KeyOption = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="the signing key (default: $NEURECTOMY_BACKUP_KEY_FILE or backup.key in the user config dir; "
        "created by the first backup). Keep it away from the database and its backups.",
    ),
]


@registry_app.command("backup")
def backup_cmd(
    file: Annotated[Path, typer.Argument(help="backup file to write (gzip JSON)")],
    key_file: KeyOption = None,
    database: DbOption = None,
) -> None:
    """Write a consistent, signed backup of the whole registry (portable between SQLite and PostgreSQL)."""
    from sqlalchemy.exc import SQLAlchemyError

    from neurectomy.registry.backup import BackupError, backup, read_key

    try:
        counts = backup(_engine(database), file, key=read_key(key_file, create=True))
    except (BackupError, OSError, SQLAlchemyError) as exc:
        _die(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return
    typer.echo(f"wrote {file}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@registry_app.command("restore")
def restore_cmd(
    file: Annotated[Path, typer.Argument(help="a backup written by `neurectomy registry backup`")],
    key_file: KeyOption = None,
    database: DbOption = None,
) -> None:
    """Restore a backup into an empty database (one transaction); refused unless its signature matches."""
    from sqlalchemy.exc import SQLAlchemyError

    from neurectomy.registry.backup import BackupError, read_key, restore
    from neurectomy.registry.db import make_engine

    try:
        counts = restore(make_engine(database), file, key=read_key(key_file))
    except (BackupError, OSError, SQLAlchemyError) as exc:
        _die(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        return
    typer.echo(f"restored {file}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@registry_app.command("check")
def check_cmd(database: DbOption = None) -> None:
    """Find stored rows that today's input checks would refuse, or that cannot be exported as FHIR (exit 1 if
    any): each is named with its table, row and field."""
    from neurectomy.registry.check import check

    findings, seen = check(_engine(database))
    for f in findings:
        typer.echo(str(f))
    summary = ", ".join(f"{n} {k}" for k, n in seen.items())
    if findings:
        typer.echo(f"registry check: {len(findings)} problem(s) in {summary}", err=True)
        raise typer.Exit(1)
    typer.echo(f"registry check: no problems in {summary}")
