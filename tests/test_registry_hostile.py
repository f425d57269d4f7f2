"""Hostile input against the registry: every write the API accepts can be read, exported as FHIR and backed up.

Regressions from an attack-and-fault run (issue 19): a lone UTF-16 surrogate or a code with a stray space was
committed and then broke the case read, the FHIR export and the backup of the whole institution; a retrying
client got 500 after the commit; FHIR import answered 500 (extreme dates, huge numbers) or accepted what it should
not (days as text, duplicate JSON keys, transaction bundles); a full disk was a bare 500; concurrent "same new
pseudonym" requests failed on PostgreSQL. Each test runs on SQLite, and on PostgreSQL when
``NEURECTOMY_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import copy
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import test_registry_support as sup

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from neurectomy.web.app import create_app  # noqa: E402
from neurectomy.web.settings import Settings  # noqa: E402


@pytest.fixture(params=sup.BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    yield from sup.engine_for(request.param, tmp_path)


@pytest.fixture
def who(engine: Any) -> dict[str, Any]:
    return sup.users(engine)


@pytest.fixture
def app(engine: Any) -> Any:
    a = create_app(Settings())
    a.state.registry_engine = engine
    return a


@pytest.fixture
def client(app: Any, who: dict[str, Any]) -> TestClient:
    c = TestClient(app, raise_server_exceptions=False)
    r = c.post("/api/registry/session", json={"username": "clinician_a", "password": sup.PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["Authorization"] = f"Bearer {r.json()['token']}"
    return c


def post(client: TestClient, url: str, body: Any, **kw: Any) -> Any:
    """POST ``body`` as JSON with every non-ASCII character escaped, as a hostile client may (``"\ud800"`` is valid
    JSON; httpx's own encoder refuses lone surrogates)."""
    headers = {"content-type": "application/json", **kw.pop("headers", {})}
    return client.post(url, content=json.dumps(body), headers=headers, **kw)


def _new_case(client: TestClient, pseudonym: str = "H-1") -> int:
    r = post(client, "/api/registry/cases", {**sup.CASE, "pseudonym": pseudonym})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _exportable_and_backed_up(client: TestClient, engine: Any, tmp_path: Path) -> dict[str, Any]:
    """The institution exports (no case left out) and the registry backs up and loads back."""
    from neurectomy.registry.backup import backup, load

    r = client.get("/api/registry/fhir")
    assert r.status_code == 200, r.text
    assert "X-Neurectomy-Skipped" not in r.headers, r.headers["X-Neurectomy-Skipped"]
    f = tmp_path / "b.gz"
    backup(engine, f, key=sup.KEY)
    load(f, key=sup.KEY)
    return dict(r.json())


# --------------------------------------------------------------------------- one bad value poisons nothing
BAD_WRITES = [  # (what, endpoint suffix, body change, the field the 422 names)
    ("lone surrogate in a numb region", "outcomes", {"numb_regions": ["\ud800"]}, "numb_regions"),
    ("lone surrogate in notes", "outcomes", {"notes": "ok \udfff"}, "notes"),
    ("numb region with a trailing space", "outcomes", {"numb_regions": ["skin_lateral_thigh "]}, "numb_regions"),
    ("numb region as a phrase", "outcomes", {"numb_regions": ["lateral thigh "]}, "numb_regions"),
    ("a nerve region that is not skin", "outcomes", {"numb_regions": ["lateral_cutaneous_nerve_of_thigh"]}, "numb"),
    ("control character in notes", "outcomes", {"notes": "bell \x07"}, "notes"),
    ("notes only whitespace", "outcomes", {"notes": " \u00a0 "}, "notes"),
    ("date in year 1", "outcomes", {"recorded_on": "0001-01-01"}, "recorded_on"),
    ("lone surrogate in a nerve name", "procedures", {"nerves": [{"id": "sural_nerve", "name": "\ud83d"}]}, "nerves"),
    ("unknown nerve id", "procedures", {"nerves": [{"id": "nerve of nowhere", "name": "x"}]}, "nerves"),
    ("nerve id with a space", "procedures", {"nerves": [{"id": "sural_nerve ", "name": "sural"}]}, "nerves"),
    ("unknown method", "procedures", {"method": "magic"}, "method"),
    ("control character in a procedure name", "procedures", {"procedure_name": "LFCN\x1bneurectomy"}, "procedure"),
]


def test_a_bad_value_is_refused_before_commit_and_poisons_nothing(
    client: TestClient, engine: Any, tmp_path: Path
) -> None:
    """A lone surrogate (``"numb_regions": ["\\ud800"]``), a code with stray whitespace (``"lateral thigh "``), an
    unknown nerve or method, or a control character was committed (the answer was 500 or 201), and afterwards the
    case read, the institution's FHIR export and the backup all failed. Now each (``BAD_WRITES``) is a 422 naming
    the field, nothing is written, and everything still reads, exports and backs up."""
    cid = _new_case(client)
    before = sup.snapshot(engine)
    for what, kind, change, field in BAD_WRITES:
        body = {**(sup.outcome(30) if kind == "outcomes" else sup.PROCEDURE), **change}
        r = post(client, f"/api/registry/cases/{cid}/{kind}", body)
        assert r.status_code == 422, (what, r.status_code, r.text)
        assert field in json.dumps(r.json()["detail"]), (what, r.text)
    sup.figures("hostile corpus", engine, bad_writes=len(BAD_WRITES), refused_422=len(BAD_WRITES), answers_5xx=0)
    after = sup.snapshot(engine)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}
    assert client.get(f"/api/registry/cases/{cid}").status_code == 200
    _exportable_and_backed_up(client, engine, tmp_path)


def test_good_text_is_still_accepted(client: TestClient, engine: Any, tmp_path: Path) -> None:
    """The checks refuse only what breaks: line breaks and tabs in notes, any script, emoji, right-to-left marks
    and markup in free text are stored verbatim and exported."""
    text = "Zeile 1\n\tZeile 2\r\n名前 ☠ \u202etxt <b>x</b> 😀 ' OR 1=1 --"
    cid = _new_case(client, pseudonym="名前-😀")
    r = post(client, f"/api/registry/cases/{cid}/outcomes", sup.outcome(30, notes=text))
    assert r.status_code == 201, r.text
    assert r.json()["outcomes"][0]["notes"] == text
    bundle = _exportable_and_backed_up(client, engine, tmp_path)
    notes = [n["text"] for e in bundle["entry"] for n in e["resource"].get("note", [])]
    assert text in notes


def test_login_with_text_that_is_not_unicode_is_refused(app: Any, who: dict[str, Any]) -> None:
    """A lone surrogate in the username or password reached the database driver and argon2 (UnicodeEncodeError,
    500); it is refused like any other malformed login."""
    c = TestClient(app, raise_server_exceptions=False)
    for body in ({"username": "clinician_a", "password": "\ud800" * 9}, {"username": "\udc00", "password": "x" * 9}):
        assert post(c, "/api/registry/session", body).status_code in (401, 422)


# --------------------------------------------------------------------------- the property
_ALPHABET = st.characters(codec=None, categories=None)  # every code point, surrogates and controls included
_PRINTABLE = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])  # what people type, in any script
_TEXT = st.one_of(
    st.text(_PRINTABLE, min_size=1, max_size=12),
    st.text(_ALPHABET, max_size=12),
    st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\ud800", "\udfff", "a\x00b", "x\x7f", "\u2028", "  x  "]),
)
_REGION = st.one_of(
    st.sampled_from(["skin_lateral_thigh", "skin_of_forehead", "skin_lateral_thigh ", " skin_of_forehead"]),
    _TEXT,
)


_HOSTILE = "cautery\ud800"
_MUSCLE = st.fixed_dictionaries(
    {
        "id": st.one_of(st.sampled_from(["deltoid", "tibialis_anterior", "deltoid ", "skin_lateral_thigh"]), _TEXT),
        "effect": st.sampled_from(["weak", "paralysed", "numb"]),
        "mrc": st.sampled_from([None, 0, 2, 4, 5]),
    }
)


@st.composite
def _writes(draw: Any) -> list[tuple[str, dict[str, Any]]]:
    case = {
        "pseudonym": draw(st.one_of(st.just("P"), _TEXT)),
        "indication": draw(st.one_of(st.just("meralgia"), _TEXT)),
        "side": "right",
        "notes": draw(_TEXT),
    }
    out = {
        **sup.outcome(30),
        "numb_regions": draw(st.lists(_REGION, max_size=3)),
        # issue 18: the time point, the measures and the muscles travel through FHIR too
        "timepoint": draw(st.sampled_from([None, "before", "3_weeks", "3_months", "12_months"])),
        "measures": draw(st.dictionaries(st.sampled_from(["hdss", "mas", "x"]), st.sampled_from([0, 1, 1.5, 4, 9]))),
        "muscles": draw(st.lists(_MUSCLE, max_size=3)),
        "notes": draw(_TEXT),
    }
    proc = {
        **sup.PROCEDURE,
        "procedure_name": draw(st.one_of(st.just("LFCN neurectomy"), _TEXT)),
        "nerves": [{"id": draw(st.sampled_from(["sural_nerve", "sural_nerve ", "\ud800"])), "name": draw(_TEXT)}],
        "end_treatments": draw(st.lists(st.sampled_from(["cautery", "tmr", "traction", "glue", _HOSTILE]), max_size=2)),
        "notes": draw(_TEXT),
    }
    return [("case", case), ("outcomes", out), ("procedures", proc)]


def test_every_write_the_api_accepts_can_be_read_exported_and_backed_up(engine: Any, who: Any, tmp_path: Path) -> None:
    """Property (hypothesis, with surrogates, control characters and stray whitespace in every text field): every
    write answered 2xx can be read back, exported as FHIR (no case left out) and backed up; every refusal is a
    422, never a 5xx."""
    app = create_app(Settings())
    app.state.registry_engine = engine
    client = TestClient(app, raise_server_exceptions=False)
    r = client.post("/api/registry/session", json={"username": "clinician_a", "password": sup.PASSWORD})
    client.headers["Authorization"] = f"Bearer {r.json()['token']}"
    seen = {"accepted": 0, "refused": 0, "5xx": 0, "exports": 0}
    counter = iter(range(10**6))

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(_writes())
    def prop(writes: list[tuple[str, dict[str, Any]]]) -> None:
        cid = None
        for kind, body in writes:
            if kind == "case":
                body = {**body, "pseudonym": f"{body['pseudonym']}#{next(counter)}"}
                r = post(client, "/api/registry/cases", body)
            elif cid is None:
                return
            else:
                r = post(client, f"/api/registry/cases/{cid}/{kind}", body)
            seen["5xx"] += r.status_code >= 500
            assert r.status_code in (201, 422), (kind, body, r.status_code, r.text)
            if r.status_code == 422:
                seen["refused"] += 1
                continue
            seen["accepted"] += 1
            if kind == "case":
                cid = r.json()["id"]
            read = client.get(f"/api/registry/cases/{cid}")
            assert read.status_code == 200, read.text
        if cid is not None:
            _exportable_and_backed_up(client, engine, tmp_path)
            seen["exports"] += 1

    prop()
    sup.figures(
        "hostile writes (property)",
        engine,
        writes_accepted=seen["accepted"],
        writes_refused_422=seen["refused"],
        answers_5xx=seen["5xx"],
        exports_and_backups_ok=seen["exports"],
    )
    assert seen["accepted"] and seen["refused"], seen


# --------------------------------------------------------------------------- no 500 after a commit
def test_an_answer_that_cannot_be_sent_rolls_the_write_back(
    client: TestClient, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer was built after the commit (a separate read), so a failure there was a 500 for a write that had
    been stored, and a retrying client stored it twice. The answer is now rendered inside the transaction: if it
    fails, nothing is stored."""
    from neurectomy.registry import service

    cid = _new_case(client)
    before = sup.counts(engine)
    real = service.fresh_case_view

    def broken(*a: Any, **k: Any) -> Any:
        view = real(*a, **k)
        view["outcomes"][-1]["notes"] = "\ud800"  # a value no UTF-8 encoder takes, made after validation
        view["extra"] = float("nan")  # and one no JSON encoder takes
        return view

    monkeypatch.setattr(service, "fresh_case_view", broken)
    r = post(client, f"/api/registry/cases/{cid}/outcomes", sup.outcome(30))
    assert r.status_code == 500
    assert sup.counts(engine)["outcomes"] == before["outcomes"]


# --------------------------------------------------------------------------- legacy rows
def _legacy_bad_outcome(engine: Any, case_id: int) -> int:
    """An outcome stored by the old code, before inputs were checked (written past the service)."""
    from datetime import date

    from neurectomy.registry.auth import SYSTEM
    from neurectomy.registry.db import write
    from neurectomy.registry.models import Outcome
    from neurectomy.registry.service import audit

    def go(s: Any) -> int:
        o = Outcome(
            case_id=case_id,
            recorded_on=date(2024, 3, 1),
            days_after=50,
            numb_regions=["\ud800", "lateral thigh "],
            complications=[],
            recurrence=False,
            notes="",
        )
        s.add(o)
        s.flush()
        audit(s, SYSTEM, "create", "outcome", o.uid)
        return int(o.id)

    return write(engine, go)


def test_export_names_a_bad_legacy_record_instead_of_failing(
    client: TestClient, engine: Any, who: Any, tmp_path: Path
) -> None:
    """One legacy outcome with a lone surrogate made the institution's export (API, page, CLI) and the backup
    fail as a whole. Now the export leaves that case out and names it (header, page header, CLI stderr with exit
    1), the other cases export, the case itself still reads, and the backup keeps every row."""
    good = _new_case(client, "good")
    bad = _new_case(client, "bad")
    _legacy_bad_outcome(engine, bad)
    r = client.get("/api/registry/fhir")
    assert r.status_code == 200
    assert f"{bad} (" in r.headers["X-Neurectomy-Skipped"]
    ids = {e["resource"]["id"] for e in r.json()["entry"]}
    with sup_read(engine) as s:
        from neurectomy.registry.models import Case

        good_uid, bad_uid = s.get(Case, good).uid, s.get(Case, bad).uid
    assert good_uid in ids and bad_uid not in ids
    assert client.get(f"/api/registry/cases/{bad}").status_code == 200  # the legacy value is sent escaped
    browser = TestClient(client.app, raise_server_exceptions=False)
    browser.cookies.set("neurectomy_registry", client.headers["Authorization"].removeprefix("Bearer "))
    for page in (f"/registry/cases/{bad}", "/registry", "/registry/fhir/export"):
        assert browser.get(page).status_code == 200, page  # shown with U+FFFD where the value is not text
    # the backup keeps the bad row exactly, and restores
    from neurectomy.registry.backup import backup, load

    backup(engine, tmp_path / "b.gz", key=sup.KEY)
    rows = load(tmp_path / "b.gz", key=sup.KEY)["tables"]["outcomes"]
    assert ["\ud800", "lateral thigh "] in [row["numb_regions"] for row in rows]
    # the command line: the good cases written, the bad one named, exit 1
    from typer.testing import CliRunner

    from neurectomy.registry.cli import registry_app

    url = engine.url.render_as_string(hide_password=False)
    res = CliRunner().invoke(
        registry_app, ["export", "--institution", "Hospital A", "-o", str(tmp_path / "x.json"), "--db", url]
    )
    assert res.exit_code == 1 and f"case {bad} ({bad_uid})" in res.output, res.output
    assert good_uid in (tmp_path / "x.json").read_text()


def test_registry_check_reports_bad_rows(client: TestClient, engine: Any) -> None:
    """There was no way to find the rows that broke exports; ``neurectomy registry check`` names each one (table,
    row, case, field) and exits 1, and exits 0 on a clean registry."""
    from typer.testing import CliRunner

    from neurectomy.registry.cli import registry_app

    url = engine.url.render_as_string(hide_password=False)
    cid = _new_case(client)
    ok = CliRunner().invoke(registry_app, ["check", "--db", url])
    assert ok.exit_code == 0 and "no problems" in ok.output, ok.output
    oid = _legacy_bad_outcome(engine, cid)
    res = CliRunner().invoke(registry_app, ["check", "--db", url])
    assert res.exit_code == 1, res.output
    assert f"outcomes #{oid} (case {cid}): numb_regions.0: contains a lone UTF-16 surrogate" in res.output
    assert f"outcomes #{oid} (case {cid}): numb_regions.1: has leading or trailing whitespace" in res.output


def sup_read(engine: Any) -> Any:
    from neurectomy.registry.db import read_session

    return read_session(engine)


# --------------------------------------------------------------------------- FHIR import edge cases
def _bundle(engine: Any, who: Any) -> dict[str, Any]:
    from neurectomy.registry.fhir import export_bundle

    sup.populate(engine, who["clinician_b"], 1)
    with sup_read(engine) as s:
        return export_bundle(s, who["clinician_b"])


def _entry(b: dict[str, Any], kind: str, status: str | None = None) -> dict[str, Any]:
    return next(
        e["resource"]
        for e in b["entry"]
        if e["resource"]["resourceType"] == kind and (status is None or e["resource"].get("status") == status)
    )


def _days(b: dict[str, Any], value: Any) -> None:
    obs = _entry(b, "Observation")
    for comp in obs["component"]:
        if comp["code"]["coding"][0].get("code") == "days-after":
            comp["valueQuantity"]["value"] = value


def _plan(b: dict[str, Any], change: Any) -> None:
    proc = _entry(b, "Procedure", "preparation")
    for ext in proc["extension"]:
        if ext["url"].endswith("plan-json"):
            plan = json.loads(ext["valueString"])
            change(plan)
            ext["valueString"] = json.dumps(plan)


IMPORT_CASES: list[tuple[str, Any]] = [
    ("recordedDate before the first UTC instant",
     lambda b: _entry(b, "Condition").update(recordedDate="0001-01-01T00:00:00+14:00")),
    ("recordedDate in year 9999", lambda b: _entry(b, "Condition").update(recordedDate="9999-12-31T23:59:59-14:00")),
    ("performed in year 1", lambda b: _entry(b, "Procedure", "completed").update(performedDateTime="0001-01-01")),
    ("10**400 days", lambda b: _days(b, 10**400)),
    ("days as the string '5'", lambda b: _days(b, "5")),
    ("days as true", lambda b: _days(b, True)),
    ("days 1e300", lambda b: _days(b, 1e300)),
    ("plan cuts [1, 2]", lambda b: _plan(b, lambda p: p.update(cuts=[1, 2]))),
    ("plan with a lone surrogate", lambda b: _plan(b, lambda p: p.update(summary="\ud800"))),
    ("transaction bundle", lambda b: b.update(type="transaction")),
    ("batch bundle", lambda b: b.update(type="batch")),
    ("a DELETE request in a collection",
     lambda b: b["entry"][0].update(request={"method": "DELETE", "url": "Patient/x"})),
    ("control character in a note", lambda b: _entry(b, "Condition").update(note=[{"text": "a\x1bb"}])),
    ("numb region with a space", lambda b: _entry(b, "Observation")["component"].append(
        {"code": {"coding": [{"system": "urn:neurectomy:fhir:component", "code": "numb-region"}]},
         "valueCodeableConcept": {
             "coding": [{"system": "urn:neurectomy:fhir:skin-region", "code": "lateral thigh"}]}})),
]  # fmt: skip


def test_fhir_import_edge_cases_answer_422_and_write_nothing(client: TestClient, engine: Any, who: Any) -> None:
    """FHIR import answered 500 for extreme dates (``0001-01-01T00:00:00+14:00``), ``10**400`` days and ``cuts:
    [1, 2]``, and accepted days as the string "5" and ``transaction`` bundles whose DELETEs it ignored. Each of
    ``IMPORT_CASES`` is a 422 naming the element, and nothing is written."""
    b = _bundle(engine, who)
    ok = post(client, "/api/registry/fhir", _relabel(b))
    assert ok.status_code == 201, ok.text  # the unchanged bundle imports
    before = sup.snapshot(engine)
    for what, change in IMPORT_CASES:
        b2 = _relabel(copy.deepcopy(b), "2")
        change(b2)
        r = post(client, "/api/registry/fhir", b2)
        assert r.status_code == 422, (what, r.status_code, r.text)
    sup.figures("hostile FHIR imports", engine, bundles=len(IMPORT_CASES), refused_422=len(IMPORT_CASES), answers_5xx=0)
    after = sup.snapshot(engine)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}


def _relabel(b: dict[str, Any], tag: str = "1") -> dict[str, Any]:
    """The bundle with fresh resource ids and pseudonyms (tag), references rewritten to match."""
    import uuid

    text = json.dumps(b)
    for e in b["entry"]:
        rid = e["resource"]["id"]
        text = text.replace(rid, str(uuid.uuid5(uuid.NAMESPACE_URL, rid + tag)))
    text = text.replace('"MP-000"', f'"MP-000-{tag}"')
    return dict(json.loads(text))


def test_fhir_import_refuses_duplicate_keys_and_nan(client: TestClient, engine: Any, who: Any) -> None:
    """JSON with a key twice in one object was accepted (the last one silently won), and ``NaN`` parsed as a
    number; both are 422 and write nothing."""
    b = _relabel(_bundle(engine, who), "3")
    text = json.dumps(b)
    before = sup.counts(engine)
    dup = text.replace('"resourceType": "Bundle"', '"resourceType": "Bundle", "type": "transaction"', 1)
    for body in (dup, text.replace('"value": 30', '"value": NaN', 1), b"\xff\xfe not utf-8"):
        r = client.post("/api/registry/fhir", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text
    assert (
        "duplicate key"
        in client.post("/api/registry/fhir", content=dup, headers={"content-type": "application/json"}).text
    )
    assert sup.counts(engine) == {**before, "audit_log": sup.counts(engine)["audit_log"]}


# --------------------------------------------------------------------------- disk full
def test_disk_full_answers_503_with_a_message_and_loses_nothing(client: TestClient, engine: Any) -> None:
    """A full disk was a bare 500. It is now a 503 that says what happened (and Retry-After), nothing is
    written, and the registry answers reads and takes writes again once there is room."""
    from sqlalchemy import event, text

    if engine.dialect.name != "sqlite":
        pytest.skip("a real full disk is simulated with SQLite's max_page_count")
    cid = _new_case(client)
    before = sup.snapshot(engine)
    with engine.connect() as c:
        pages = int(c.execute(text("PRAGMA page_count")).scalar() or 0)

    def cap(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count={pages + 1}")

    event.listen(engine, "connect", cap)
    engine.dispose()
    try:
        statuses = []
        for i in range(6):
            r = post(client, f"/api/registry/cases/{cid}/outcomes", sup.outcome(30 + i, notes="x" * 9000))
            statuses.append(r.status_code)
            if r.status_code == 503:
                assert "disk is full" in r.json()["detail"] and "nothing was written" in r.json()["detail"]
                assert r.headers["Retry-After"]
                break
        assert 503 in statuses and 500 not in statuses, statuses
        sup.figures("disk full", engine, writes=len(statuses), answered_503=statuses.count(503), answers_500=0)
    finally:
        event.remove(engine, "connect", cap)
        engine.dispose()
    stored = sup.snapshot(engine)
    n_ok = statuses.count(201)
    assert len(stored["outcomes"]) == len(before["outcomes"]) + n_ok
    assert client.get(f"/api/registry/cases/{cid}").status_code == 200
    assert post(client, f"/api/registry/cases/{cid}/outcomes", sup.outcome(99)).status_code == 201


# --------------------------------------------------------------------------- concurrency
def test_concurrent_new_cases_for_the_same_new_pseudonym_all_succeed(app: Any, who: Any, engine: Any) -> None:
    """On PostgreSQL 106 of 160 concurrent "new case, same new pseudonym" requests failed (UniqueViolation,
    answered 409). Each request now takes the patient another one created: every case is stored, for one
    patient."""
    token = TestClient(app).post("/api/registry/session", json={"username": "clinician_a", "password": sup.PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(k: int) -> None:
        c = TestClient(app, raise_server_exceptions=False)
        barrier.wait()
        for j in range(5):
            r = post(c, "/api/registry/cases", {**sup.CASE, "pseudonym": f"RACE-{j}"}, headers=headers)
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    sup.figures(
        "same new pseudonym, 8 threads",
        engine,
        requests=len(statuses),
        created=statuses.count(201),
        answers_5xx=sum(s >= 500 for s in statuses),
        conflicts_409=statuses.count(409),
    )
    assert statuses.count(201) == 40, statuses
    from sqlalchemy import func, select

    from neurectomy.registry.models import Case, Patient

    with sup_read(engine) as s:
        assert s.scalar(select(func.count()).select_from(Patient).where(Patient.pseudonym.like("RACE-%"))) == 5
        assert (
            s.scalar(select(func.count()).select_from(Case).join(Patient).where(Patient.pseudonym.like("RACE-%"))) == 40
        )


# --------------------------------------------------------------------------- file permissions
def test_sqlite_files_are_created_private(tmp_path: Path) -> None:
    """SQLite registry files were created world-readable (0644 under the usual umask) although they hold patient
    data. A new database, its WAL and shared-memory files and a new folder for it are its owner's only."""
    import os
    import stat

    from neurectomy.registry.db import init_db, make_engine

    old = os.umask(0o022)
    try:
        db = tmp_path / "new" / "folder" / "registry.sqlite3"
        engine = make_engine(f"sqlite:///{db}")
        init_db(engine)
        sup.users(engine)
        with engine.connect() as c:  # keep a connection open so the WAL files exist
            c.exec_driver_sql("SELECT 1")
            files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in files if f.exists()}
        engine.dispose()
    finally:
        os.umask(old)
    assert modes and all(m == 0o600 for m in modes.values()), {k: oct(v) for k, v in modes.items()}
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700


# --------------------------------------------------------------------------- the API matches its OpenAPI spec
def test_the_api_takes_what_its_spec_says(client: TestClient, app: Any) -> None:
    """The spec said ``recurrence`` is a boolean and ``days_after`` an integer, yet ``recurrence: 0`` and
    ``days_after: "5"`` were taken; and it gave ``procedure_key`` as any string although only known keys are
    taken. Now the API refuses what the spec does not allow, and the spec lists the procedure keys."""
    cid = _new_case(client)
    for change in ({"recurrence": 0}, {"recurrence": "yes"}, {"days_after": "5"}, {"pain_nrs": "2"}):
        r = post(client, f"/api/registry/cases/{cid}/outcomes", {**sup.outcome(30), **change})
        assert r.status_code == 422, (change, r.text)
    assert post(client, "/api/registry/cases", {**sup.CASE, "birth_year": "1971"}).status_code == 422
    spec = app.openapi()["components"]["schemas"]
    key = spec["CaseIn"]["properties"]["procedure_key"]["anyOf"][0]
    assert "lfcn_neurectomy" in key["enum"]
    assert spec["OutcomeIn"]["properties"]["recurrence"]["type"] == "boolean"
