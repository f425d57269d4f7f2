"""Shared helpers for the registry tests (no tests here): a fresh database per test on SQLite and, when
``NEURECTOMY_TEST_POSTGRES_URL`` is set (CI sets it), on PostgreSQL in a schema of its own."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "NEURECTOMY_TEST_POSTGRES_URL"
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not os.environ.get(PG_ENV),
            reason=f"PostgreSQL variant: set {PG_ENV} (CI's .ci/run starts a server and sets it)",
        ),
    ),
]
PASSWORD = "correct horse battery"
#: The backup signing key of the tests (a real registry keeps its key in a file outside the database).
KEY = b"0123456789abcdef" * 4


def figures(test: str, engine: Any, **numbers: Any) -> None:
    """One ``REGISTRY-FIGURES {json}`` line (shown with ``pytest -s``; ``make reliability`` collects them)."""
    import json

    print(f"\nREGISTRY-FIGURES {json.dumps({'test': test, 'backend': engine.dialect.name, **numbers})}")


def _cheap_hashing() -> None:
    """Tests hash with cheap argon2id parameters (verification reads the parameters from each hash)."""
    from argon2 import PasswordHasher

    from neurectomy.registry import auth

    auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


_cheap_hashing()


def database_url(backend: str, tmp_path: Path) -> tuple[str, Any]:
    """A URL for a fresh, empty database and a function that removes it."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'registry.sqlite3'}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from neurectomy.registry.db import _normalise

    base = _normalise(os.environ[PG_ENV])
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(base)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop


def engine_for(backend: str, tmp_path: Path) -> Iterator[Any]:
    """An initialised engine on a fresh database; disposed and dropped afterwards."""
    from neurectomy.registry.db import init_db, make_engine

    url, drop = database_url(backend, tmp_path)
    engine = make_engine(url)
    init_db(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        drop()


def users(engine: Any) -> dict[str, Any]:
    """Principals for every role at institution A, and a clinician and admin at institution B."""
    from neurectomy.registry.auth import SYSTEM
    from neurectomy.registry.db import write
    from neurectomy.registry.service import add_user, principal_of

    def _do(s: Any) -> dict[str, Any]:
        out = {}
        for role in ("admin", "clinician", "researcher", "viewer"):
            out[role] = principal_of(add_user(s, SYSTEM, f"{role}_a", PASSWORD, role, "Hospital A"))
        out["clinician_b"] = principal_of(add_user(s, SYSTEM, "clinician_b", PASSWORD, "clinician", "Hospital B"))
        out["admin_b"] = principal_of(add_user(s, SYSTEM, "admin_b", PASSWORD, "admin", "Hospital B"))
        return out

    return write(engine, _do)


CASE = {
    "pseudonym": "MP-001",
    "birth_year": 1971,
    "sex": "female",
    "indication": "meralgia paresthetica, failed decompression",
    "side": "right",
    "procedure_key": "lfcn_neurectomy",
    "notes": "BMI 31",
}
PROCEDURE = {
    "performed_on": "2024-01-10",
    "procedure_key": "lfcn_neurectomy",
    "procedure_name": "LFCN neurectomy",
    "method": "resection",
    "side": "right",
    "nerves": [{"id": "lateral_cutaneous_nerve_of_thigh", "name": "lateral cutaneous nerve of thigh"}],
    "notes": "cautery of the stump",
}


def outcome(days: int = 90, **kw: Any) -> dict[str, Any]:
    """A follow-up record ``days`` after the operation."""
    from datetime import date, timedelta

    base = {
        "recorded_on": (date(2024, 1, 10) + timedelta(days=days)).isoformat(),
        "days_after": days,
        "pain_nrs": 2,
        "pain_relief": "complete",
        "numb_regions": ["skin_lateral_thigh"],
        "complications": [],
        "recurrence": False,
        "notes": "",
    }
    return {**base, **kw}


def populate(engine: Any, who: Any, n_cases: int = 3, *, plan: bool = True) -> list[int]:
    """``n_cases`` cases with a plan, a procedure and two outcomes each; returns their ids."""
    from neurectomy.registry.db import write
    from neurectomy.registry.service import attach_plan, create_case, record_outcome, record_procedure

    plan_dict = plan_json() if plan else None

    def _do(s: Any) -> list[int]:
        ids = []
        for i in range(n_cases):
            c = create_case(s, who, {**CASE, "pseudonym": f"MP-{i:03d}"})
            if plan_dict is not None:
                attach_plan(s, who, c.id, plan_dict)
            record_procedure(s, who, c.id, PROCEDURE)
            record_outcome(s, who, c.id, outcome(30, pain_relief="partial", pain_nrs=4.0))
            record_outcome(
                s,
                who,
                c.id,
                outcome(
                    180, pain_relief="complete" if i % 2 == 0 else "none", complications=["neuroma"] if i == 1 else []
                ),
            )
            ids.append(c.id)
        return ids

    return write(engine, _do)


_PLAN: dict[str, Any] = {}


def plan_json() -> dict[str, Any]:
    """``neurectomy.plan('lfcn_neurectomy', side='right').to_dict()`` (computed once)."""
    if not _PLAN:
        import neurectomy

        _PLAN.update(neurectomy.plan("lfcn_neurectomy", side="right").to_dict())
    return dict(_PLAN)


def counts(engine: Any) -> dict[str, int]:
    """Rows per registry table."""
    from sqlalchemy import func, select

    from neurectomy.registry.db import read_session
    from neurectomy.registry.models import TABLES

    with read_session(engine) as s:
        return {m.__tablename__: int(s.scalar(select(func.count()).select_from(m)) or 0) for m in TABLES}


def snapshot(engine: Any) -> dict[str, Any]:
    """Every row of every table (the backup dump), for exact before/after comparisons."""
    from neurectomy.registry.backup import dump

    return dump(engine)["tables"]


#: Keys of REGISTRY-FIGURES lines that ``make reliability`` adds up.
TOTALS = {
    "writes acknowledged": (
        "writes_acknowledged",
        "commits_acknowledged",
        "writes_stored",
        "writes_accepted",
        "created",
    ),
    "writes lost": ("records_lost", "writes_lost"),
    "5xx answers": ("answers_5xx", "answers_500"),
    "backups taken": ("backups",),
    "inconsistent backups": ("inconsistent",),
    "backups restored": ("restored",),
}


def summarise(log: str) -> str:
    """The REGISTRY-FIGURES lines of a ``pytest -s`` log, one per test, and their totals."""
    import json

    rows = []
    for line in log.splitlines():
        if line.startswith("REGISTRY-FIGURES "):
            try:
                rows.append(json.loads(line.removeprefix("REGISTRY-FIGURES ")))
            except ValueError:
                continue
    out = [json.dumps(r) for r in rows]
    total = {name: sum(int(r.get(k, 0) or 0) for r in rows for k in keys) for name, keys in TOTALS.items()}
    out.append("RELIABILITY " + ", ".join(f"{name}: {n}" for name, n in total.items()))
    return "\n".join(out)


if __name__ == "__main__":  # python -m tests.test_registry_support LOG (what `make reliability` prints)
    import sys

    print(summarise(Path(sys.argv[1]).read_text(errors="replace")))


def signed_in(app: Any, username: str) -> Any:
    """A browser (a ``TestClient``) signed in to the registry through the login form."""
    from fastapi.testclient import TestClient

    c = TestClient(app, follow_redirects=False)
    page = c.get("/registry/login")
    r = c.post("/registry/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303, r.text
    return c


def csrf_of(page: str) -> str:
    """The CSRF token of a registry form page."""
    m = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert m, page
    return m[1]
