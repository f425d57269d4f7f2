"""Reliability of the registry on SQLite and PostgreSQL: failed writes leave stored data intact (exception
mid-transaction, constraint violation, disk full, a killed process), concurrent writer processes lose nothing,
and SQL injection strings or oversized values in every text field are harmless.

Run with ``-s`` to see the figures (``REGISTRY-FIGURES {...}``: writes attempted, faults injected, records lost).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests import test_registry_support as sup

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=sup.BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    yield from sup.engine_for(request.param, tmp_path)


@pytest.fixture
def who(engine: Any) -> dict[str, Any]:
    return sup.users(engine)


def figures(test: str, engine: Any, **numbers: Any) -> None:
    print(f"\nREGISTRY-FIGURES {json.dumps({'test': test, 'backend': engine.dialect.name, **numbers})}")


def _sqlite_ok(engine: Any) -> None:
    if engine.dialect.name == "sqlite":
        from sqlalchemy import text

        with engine.connect() as c:
            assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"


# --------------------------------------------------------------------------- failures mid-write
def test_failed_writes_leave_stored_data_intact(
    engine: Any, who: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.orm import Session

    from neurectomy.registry.db import write
    from neurectomy.registry.models import Outcome, Patient
    from neurectomy.registry.service import create_case, record_outcome

    sup.populate(engine, who["clinician"], 2, plan=False)
    before = sup.snapshot(engine)
    clin = who["clinician"]
    faults = 0

    def half_then(fail: Any) -> Any:
        def _do(s: Any) -> None:
            c = create_case(s, clin, {**sup.CASE, "pseudonym": "half-written"})
            record_outcome(s, clin, c.id, sup.outcome(10))
            s.flush()
            fail(s, c)

        return _do

    def boom(s: Any, c: Any) -> None:
        raise RuntimeError("injected failure mid-transaction")

    def duplicate_patient(s: Any, c: Any) -> None:
        s.add(Patient(institution_id=c.institution_id, pseudonym="MP-000", sex="unknown"))
        s.flush()

    def check_constraint(s: Any, c: Any) -> None:
        s.add(
            Outcome(
                case_id=c.id,
                recorded_on=c.created_at.date(),
                days_after=1,
                pain_nrs=11.0,
                numb_regions=[],
                complications=[],
                recurrence=False,
                notes="",
            )
        )
        s.flush()

    def dangling_foreign_key(s: Any, c: Any) -> None:
        s.add(
            Outcome(
                case_id=999_999,
                recorded_on=c.created_at.date(),
                days_after=1,
                numb_regions=[],
                complications=[],
                recurrence=False,
                notes="",
            )
        )
        s.flush()

    for fail, exc in (
        (boom, RuntimeError),
        (duplicate_patient, IntegrityError),
        (check_constraint, IntegrityError),
        (dangling_foreign_key, IntegrityError),
    ):
        with pytest.raises(exc):
            write(engine, half_then(fail))
        faults += 1
        assert sup.snapshot(engine) == before, fail.__name__

    # disk full, simulated: a failing flush, then a failing commit
    disk_full = OperationalError("INSERT", {}, Exception("database or disk is full"))
    real_flush = Session.flush
    calls = {"n": 0}

    def failing_flush(self: Session, objects: Any = None) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise disk_full
        real_flush(self, objects)

    with monkeypatch.context() as m:
        m.setattr(Session, "flush", failing_flush)
        with pytest.raises(OperationalError):
            write(engine, half_then(lambda s, c: record_outcome(s, clin, c.id, sup.outcome(20))))
    faults += 1
    assert sup.snapshot(engine) == before

    from sqlalchemy.engine import Connection

    def failing_commit(self: Connection) -> None:
        raise disk_full

    with monkeypatch.context() as m:
        m.setattr(Connection, "_commit_impl", failing_commit)
        with pytest.raises(OperationalError):
            write(engine, half_then(lambda s, c: None))
    faults += 1
    assert sup.snapshot(engine) == before

    attempted = faults
    if engine.dialect.name == "sqlite":  # a real SQLITE_FULL: the file may not grow
        from sqlalchemy import event, text

        from neurectomy.registry.db import make_engine

        small = make_engine(engine.url.render_as_string(hide_password=False))
        with small.connect() as c:
            pages = c.execute(text("PRAGMA page_count")).scalar()

        @event.listens_for(small, "connect")
        def _cap(dbapi_conn: Any, _rec: Any) -> None:
            dbapi_conn.execute(f"PRAGMA max_page_count={int(pages or 0) + 2}")

        small.dispose()
        with pytest.raises(OperationalError, match="full"):
            write(
                small,
                half_then(
                    lambda s, c: (
                        [record_outcome(s, clin, c.id, sup.outcome(d, notes="x" * 9000)) for d in range(40)]
                        and s.flush()
                    )
                ),
            )
        small.dispose()
        faults += 1
        attempted += 1
    assert sup.snapshot(engine) == before
    _sqlite_ok(engine)
    # and the registry still takes writes afterwards
    write(engine, lambda s: create_case(s, clin, {**sup.CASE, "pseudonym": "after the faults"}))
    figures(
        "failed writes",
        engine,
        writes_attempted=attempted,
        faults_injected=faults,
        records_lost=0,
        partial_writes_stored=0,
    )


def _spawn(
    engine: Any, who: Any, mode: str, tag: str, n: int, per_case: int, session: str | None = None
) -> subprocess.Popen[str]:
    """A writer process (``tests.test_registry_worker``); on PostgreSQL its connections carry ``session`` as their
    ``application_name`` (see :func:`_await_session_end`)."""
    url = engine.url
    if session is not None and engine.dialect.name == "postgresql":
        url = url.update_query_dict({"application_name": session})
    url = url.render_as_string(hide_password=False)
    args = [
        sys.executable,
        "-m",
        "tests.test_registry_worker",
        mode,
        url,
        str(who.user_id),
        str(who.institution_id),
        tag,
        str(n),
        str(per_case),
    ]
    return subprocess.Popen(
        args,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH"))))},
    )


def _cases_tagged(engine: Any, tag: str) -> list[Any]:
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from neurectomy.registry.db import read_session
    from neurectomy.registry.models import Case, Patient

    with read_session(engine) as s:
        q = select(Case).join(Patient).where(Patient.pseudonym.like(f"{tag}-%")).options(selectinload(Case.outcomes))
        return list(s.scalars(q))


def _consistent(engine: Any) -> None:
    """The database is sound: SQLite's own checks pass, and on any backend no outcome, case or patient points to a
    row that does not exist."""
    from sqlalchemy import text

    with engine.connect() as c:
        if engine.dialect.name == "sqlite":
            assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert c.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        for child, key, parent in (
            ("outcomes", "case_id", "cases"),
            ("cases", "patient_id", "patients"),
            ("patients", "institution_id", "institutions"),
        ):
            orphans = c.execute(
                text(f"SELECT count(*) FROM {child} x LEFT JOIN {parent} p ON x.{key} = p.id WHERE p.id IS NULL")
            ).scalar()
            assert orphans == 0, f"{orphans} {child} without their {parent}"


def _await_session_end(engine: Any, session: str) -> None:
    """On PostgreSQL, wait until the server has ended every connection of a killed writer: only then is its last
    transaction settled (committed or rolled back) and the stored rows final. SQLite needs no wait: the writer is
    the database engine, and once its process is gone nothing more changes."""
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for _ in range(600):
        with engine.connect() as c:
            live = c.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"), {"name": session}
            ).scalar()
        if not live:
            return
        time.sleep(0.05)
    raise AssertionError(f"the server still holds a connection of the killed writer {session} after 30 s")


def _read_protocol(text: str) -> tuple[list[int], list[int]]:
    """(intended, acknowledged) record numbers from a writer's stdout, in order (see ``tests.test_registry_worker``).
    A line cut short by the kill (no newline) never counts."""
    intended: list[int] = []
    acked: list[int] = []
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            continue
        word, _, number = line.strip().partition(" ")
        if word == "intend":
            intended.append(int(number))
        elif word == "ack":
            acked.append(int(number))
    return intended, acked


KILL_POINTS = (  # (wait for this event of record `target`, sleep between these many seconds, then SIGKILL)
    ("intend", 0.0, 0.0),  # the transaction is in flight: killed while writing or committing
    ("intend", 0.0, 0.01),
    ("ack", 0.0, 0.005),  # about between two commits
    ("ack", 0.1, 0.2),  # the writer carries on well past what the test has read (what broke the old bound)
)


def _kill_a_writer(engine: Any, clin: Any, tag: str, per_case: int, event: str, delay: float, target: int) -> str:
    """Start a ``cases`` writer, SIGKILL it ``delay`` seconds after it printed ``event target``, and return all it
    wrote to stdout before it died."""
    session = f"neurectomy-test-{uuid.uuid4().hex[:16]}"
    p = _spawn(engine, clin, "cases", tag, 10_000, per_case, session)
    watchdog = threading.Timer(120, p.kill)  # liveness only: a stuck writer fails the test below, never hangs it
    watchdog.start()
    try:
        assert p.stdout is not None and p.stderr is not None
        seen = p.stdout.readline()
        assert seen == "ready\n", p.stderr.read()
        while True:
            line = p.stdout.readline()
            seen += line
            if not line or line == f"{event} {target}\n":
                break
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait(30)
        seen += p.stdout.read()  # what it wrote before it died, up to the kill: everything else is not there
        err = p.stderr.read()
    finally:
        watchdog.cancel()
    _await_session_end(engine, session)
    assert p.returncode == -signal.SIGKILL, f"the writer ended by itself ({p.returncode}): {err}"
    assert f"{event} {target}\n" in seen, f"the writer did not get to record {target}: {err}"
    return seen


def test_killed_writer_process_leaves_data_intact(engine: Any, who: dict[str, Any]) -> None:
    """A writer killed (SIGKILL) at any moment leaves every acknowledged record stored, whole, and nothing else
    but the one record it was writing.

    Bug caught: the old bound, ``reported <= stored <= reported + 2``, counted the commits the *test had read* before
    it chose to kill, while the writer kept committing and printing until the kill landed: on a fast machine
    "13 stored, 10 reported". The bound now follows from the writer's protocol (``intend i`` before each
    transaction, ``ack i`` after its commit; the test reads all of it, up to the kill): acknowledged ⊆ stored ⊆
    intended, at most one record stored but not acknowledged, every stored case with all its outcomes, row counts
    and the audit log matching the stored records exactly, the database consistent. It fails if a commit that was
    acknowledged is lost, if a transaction is stored in part, if a record is stored twice or without being
    attempted, or if earlier rows change.
    """
    sup.populate(engine, who["clinician"], 1, plan=False)
    before = sup.snapshot(engine)
    clin = who["clinician"]
    # 1. killed inside a large open transaction: nothing of it is stored
    session = f"neurectomy-test-{uuid.uuid4().hex[:16]}"
    p = _spawn(engine, clin, "hang", "hang", 1, 30, session)
    assert p.stdout is not None
    assert p.stdout.readline().strip() == "ready"
    assert p.stdout.readline().strip() == "intend 0"
    assert p.stdout.readline().strip() == "inside", p.stderr.read() if p.stderr else ""
    p.send_signal(signal.SIGKILL)
    p.wait(30)
    _await_session_end(engine, session)
    faults = 1
    assert sup.snapshot(engine) == before
    _consistent(engine)
    # 2. killed at chosen points of the protocol while committing case after case
    rng = random.Random(9)
    per_case = 5
    acked_total = stored_total = in_flight_stored = 0
    for round_, (event, lo, hi) in enumerate(KILL_POINTS):
        tag = f"kill{round_}"
        counts_before = sup.counts(engine)
        seen = _kill_a_writer(engine, clin, tag, per_case, event, rng.uniform(lo, hi), rng.randint(3, 12))
        faults += 1
        intended, acked = _read_protocol(seen)
        # the writer's log is well formed: records in order, each acknowledged after its intent, one at a time
        assert intended == list(range(len(intended))) and acked == list(range(len(acked)))
        assert len(intended) - len(acked) in (0, 1), seen[-200:]
        cases = _cases_tagged(engine, tag)
        stored = [int(c.patient.pseudonym.rpartition("-")[2]) for c in cases]
        assert len(stored) == len(set(stored)), f"a record was stored twice: {sorted(stored)}"
        missing = set(acked) - set(stored)
        assert not missing, f"acknowledged but not stored: {sorted(missing)}"
        unasked = set(stored) - set(intended)
        assert not unasked, f"stored but never intended: {sorted(unasked)}"
        assert len(set(stored) - set(acked)) <= 1  # only the record in flight (implied by the two above; stated)
        assert all(len(c.outcomes) == per_case for c in cases), "a case was stored without all of its outcomes"
        delta = {t: n - counts_before[t] for t, n in sup.counts(engine).items()}
        k = len(stored)
        expected = {t: 0 for t in delta} | {
            "patients": k,
            "cases": k,
            "outcomes": k * per_case,
            "audit_log": k * (2 + per_case),  # patient + case + outcomes
        }
        assert delta == expected, "rows stored beyond the whole records (or audit entries missing)"
        _consistent(engine)
        acked_total += len(acked)
        stored_total += k
        in_flight_stored += k - len(acked)
    after = sup.snapshot(engine)
    for table, rows in before.items():
        assert after[table][: len(rows)] == rows, f"earlier rows of {table} changed"
    figures(
        "killed writer",
        engine,
        faults_injected=faults,
        commits_acknowledged=acked_total,
        cases_stored=stored_total,
        stored_while_in_flight=in_flight_stored,
        records_lost=0,
        partial_cases_stored=0,
    )


def test_concurrent_writer_processes_lose_nothing(engine: Any, who: dict[str, Any]) -> None:
    workers, per_worker, per_case = 4, 10, 2
    clin = who["clinician"]
    before = sup.counts(engine)
    t0 = time.perf_counter()
    procs = [_spawn(engine, clin, "cases", f"w{i}", per_worker, per_case) for i in range(workers)]
    outs = [p.communicate(timeout=120) for p in procs]
    elapsed = time.perf_counter() - t0
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert _read_protocol(out) == (list(range(per_worker)), list(range(per_worker)))
    attempted = workers * per_worker
    stored = sum(len(_cases_tagged(engine, f"w{i}")) for i in range(workers))
    after = sup.counts(engine)
    assert stored == attempted
    assert after["cases"] - before["cases"] == attempted
    assert after["outcomes"] - before["outcomes"] == attempted * per_case
    assert after["audit_log"] - before["audit_log"] == attempted * (2 + per_case)  # patient + case + outcomes
    _sqlite_ok(engine)
    figures(
        "concurrent writers",
        engine,
        processes=workers,
        writes_attempted=attempted,
        writes_stored=stored,
        records_lost=attempted - stored,
        rows_written=attempted * (2 + 2 * per_case),
        seconds=round(elapsed, 2),
    )


# --------------------------------------------------------------------------- hostile text
INJECTIONS = [
    "Robert'); DROP TABLE cases;--",
    "' OR '1'='1",
    '"; DELETE FROM audit_log; --',
    "1; UPDATE users SET role='admin' WHERE 1=1; --",
    "%' UNION SELECT password_hash FROM users --",
    "\\'; SELECT pg_sleep(5); --",
    "名前 ☠ \u202etxt.exe <script>alert(1)</script> {{7*7}}",
]


def test_injection_strings_in_every_text_field_are_stored_verbatim(engine: Any, who: dict[str, Any]) -> None:
    """Injection strings in free-text fields are stored and read back verbatim; in the fields drawn from a closed
    vocabulary (method, nerve id, numb skin regions) they are refused with the field named, and nothing is stored.

    Bug caught: a query built by string formatting (the strings would break or alter it) or a field that is not
    round-tripped; and, since the registry checks closed vocabularies, an injection string accepted as a method,
    nerve id or skin region.
    """
    from neurectomy.registry.db import read_session, write
    from neurectomy.registry.service import (
        InvalidInput,
        add_user,
        authenticate,
        case_view,
        create_case,
        get_case,
        list_cases,
        record_outcome,
        record_procedure,
    )

    clin = who["clinician"]
    stored = refused = 0
    nerve = sup.PROCEDURE["nerves"][0]["id"]
    for i, evil in enumerate(INJECTIONS):
        case = {**sup.CASE, "pseudonym": f"{evil}{i}", "indication": evil, "notes": evil}
        proc = {
            **sup.PROCEDURE,
            "procedure_name": evil,
            "notes": evil,
            "nerves": [{"id": nerve, "name": evil}],
        }
        out = sup.outcome(30, notes=evil)
        # closed vocabularies: refused, the field named, nothing written
        before = sup.snapshot(engine)
        for field, bad_proc, bad_out in (
            ("method", {**proc, "method": evil[:64]}, out),
            ("nerves", {**proc, "nerves": [{"id": evil, "name": evil}]}, out),
            ("numb_regions", proc, {**out, "numb_regions": [evil]}),
        ):

            def _bad(s: Any, p: Any = bad_proc, o: Any = bad_out, k: int = i) -> None:
                c = create_case(s, clin, {**sup.CASE, "pseudonym": f"refused-{k}"})
                record_procedure(s, clin, c.id, p)
                record_outcome(s, clin, c.id, o)

            with pytest.raises(InvalidInput) as info:
                write(engine, _bad)
            assert info.value.problems[0][0].startswith(field), (field, info.value.problems)
            refused += 1
        assert sup.snapshot(engine) == before

        def _do(s: Any, case: Any = case, proc: Any = proc, out: Any = out) -> int:
            c = create_case(s, clin, case)
            record_procedure(s, clin, c.id, proc)
            record_outcome(s, clin, c.id, out)
            return int(c.id)

        cid = write(engine, _do)
        with read_session(engine) as s:
            v = case_view(get_case(s, clin, cid), clin, full=True)
            assert list_cases(s, clin, procedure_key=evil) == []
        assert (v["patient"]["pseudonym"], v["indication"], v["notes"]) == (f"{evil}{i}", evil, evil)
        pp = v["procedures"][0]
        assert (pp["procedure_name"], pp["method"], pp["notes"], pp["nerves"]) == (
            evil,
            sup.PROCEDURE["method"],
            evil,
            [{"id": nerve, "name": evil}],
        )
        assert v["outcomes"][0]["notes"] == evil
        # institution names and passwords are free text too
        write(
            engine,
            lambda s, evil=evil, i=i: add_user(
                s, who["admin_b"].__class__(None, "cli", "admin", None), f"user{i}", evil + "pw-long", "viewer", evil
            ),
        )
        with read_session(engine) as s:
            assert authenticate(s, f"user{i}", evil + "pw-long") is not None
            assert authenticate(s, evil, evil) is None
        stored += 1
    c = sup.counts(engine)
    assert c["cases"] == len(INJECTIONS) and c["users"] == 6 + len(INJECTIONS)
    figures(
        "injection",
        engine,
        strings=len(INJECTIONS),
        free_text_fields_per_string=9,
        stored_verbatim=stored,
        refused_in_closed_vocabularies=refused,
    )


LIMITS = {  # field -> (model, max length)
    "pseudonym": ("case", 200),
    "indication": ("case", 500),
    "notes": ("case", 10_000),
    "procedure_name": ("procedure", 200),
    "method": ("procedure", 64),
    "nerves.0.id": ("procedure", 128),
    "nerves.0.name": ("procedure", 200),
    "procedure_notes": ("procedure", 10_000),
    "numb_regions.0": ("outcome", 128),
    "outcome_notes": ("outcome", 10_000),
}


def test_oversized_and_nul_inputs_are_rejected_with_the_field_named(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.db import write
    from neurectomy.registry.service import InvalidInput, add_user, create_case, record_outcome, record_procedure

    clin = who["clinician"]
    [cid] = sup.populate(engine, clin, 1, plan=False)
    before = sup.snapshot(engine)

    def attempt(field: str, value: str) -> InvalidInput:
        kind, _ = LIMITS[field]
        if kind == "case":
            data, fn = {**sup.CASE, field: value}, create_case
            with pytest.raises(InvalidInput) as info:
                write(engine, lambda s: fn(s, clin, data))
            return info.value
        if kind == "procedure":
            p = {**sup.PROCEDURE, "nerves": [dict(sup.PROCEDURE["nerves"][0])]}
            if field.startswith("nerves"):
                p["nerves"][0][field.split(".")[-1]] = value
            else:
                p[field.removeprefix("procedure_")] = value
            with pytest.raises(InvalidInput) as info:
                write(engine, lambda s: record_procedure(s, clin, cid, p))
            return info.value
        o = sup.outcome(40)
        if field.startswith("numb"):
            o["numb_regions"] = [value]
        else:
            o["notes"] = value
        with pytest.raises(InvalidInput) as info:
            write(engine, lambda s: record_outcome(s, clin, cid, o))
        return info.value

    rejected = 0
    for field, (_kind, limit) in LIMITS.items():
        name = field.removeprefix("procedure_").removeprefix("outcome_")
        for value in ("x" * (limit + 1), "y" * 1_000_000, "nul\x00byte"):
            err = attempt(field, value)
            assert err.problems[0][0].startswith(name), (field, err.problems)
            rejected += 1
    for bad in ("u" * 201, "x'; DROP TABLE users;--"):
        with pytest.raises(InvalidInput, match="username"):
            write(engine, lambda s, bad=bad: add_user(s, who["admin"], bad, sup.PASSWORD, "viewer", "Hospital A"))
        rejected += 1
    with pytest.raises(InvalidInput, match="password"):
        write(engine, lambda s: add_user(s, who["admin"], "longpw", "p" * 2000, "viewer", "Hospital A"))
    assert sup.snapshot(engine) == before
    figures("oversized", engine, inputs_rejected=rejected + 1, records_written=0)
