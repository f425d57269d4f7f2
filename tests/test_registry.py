"""The registry core on SQLite and PostgreSQL: schema and migrations, service, audit log, roles, FHIR, outcome
comparison, backup/restore and the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import test_registry_support as sup

pytest.importorskip("sqlalchemy")


@pytest.fixture(params=sup.BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    yield from sup.engine_for(request.param, tmp_path)


@pytest.fixture
def who(engine: Any) -> dict[str, Any]:
    return sup.users(engine)


# --------------------------------------------------------------------------- schema
def test_migrations_match_models_and_are_idempotent(engine: Any) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from neurectomy.registry.db import current_revision, init_db
    from neurectomy.registry.models import Base

    init_db(engine)  # second run: nothing to do
    assert current_revision(engine) == "0006"
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_downgrade_and_upgrade_again(engine: Any) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from neurectomy.registry.db import alembic_config, current_revision, init_db

    cfg = alembic_config(engine)
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        conn.commit()
    assert not inspect(engine).has_table("cases")
    init_db(engine)
    assert current_revision(engine) == "0006"


def test_default_url_is_in_the_user_data_dir_unless_overridden(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_data_dir

    from neurectomy.registry.db import ENV_VAR, default_url

    monkeypatch.delenv(ENV_VAR, raising=False)
    assert default_url() == f"sqlite:///{Path(user_data_dir('neurectomy', appauthor=False)) / 'registry.sqlite3'}"
    monkeypatch.setenv(ENV_VAR, "postgresql://u:p@db.example/registry")
    assert default_url() == "postgresql://u:p@db.example/registry"


def test_migrations_are_package_data() -> None:
    from neurectomy.registry.db import migrations_dir

    assert (migrations_dir() / "env.py").is_file()
    assert (migrations_dir() / "versions" / "0001_initial.py").is_file()
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert "registry/migrations/*.py" in text and "registry/migrations/versions/*.py" in text


def test_registry_cli_imports_light_and_core_never_imports_registry() -> None:
    code = (
        "import sys, neurectomy.registry.cli as c; assert 'sqlalchemy' not in sys.modules, 'heavy import';"
        "import neurectomy; neurectomy.plan('lfcn_neurectomy');"
        "assert not [m for m in sys.modules if m.startswith('neurectomy.registry.') and m != 'neurectomy.registry.cli']"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    src = Path(__file__).resolve().parents[1] / "src" / "neurectomy"
    edges = ("registry", "web", "cli.py", "report", "__main__.py")
    for f in src.rglob("*.py"):
        rel = f.relative_to(src).as_posix()
        if not rel.startswith(edges):
            assert "neurectomy.registry" not in f.read_text(encoding="utf-8"), f"core module {rel} imports the registry"


# --------------------------------------------------------------------------- service and audit
def test_case_lifecycle_is_stored_and_every_write_audited(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.db import read_session
    from neurectomy.registry.service import audit_entries, case_view, get_case

    [cid] = sup.populate(engine, who["clinician"], 1)
    with read_session(engine) as s:
        view = case_view(get_case(s, who["clinician"], cid), who["clinician"], full=True)
        log = audit_entries(s, who["admin"])
    assert view["patient"] == {"pseudonym": "MP-000", "birth_year": 1971, "sex": "female"}
    assert view["status"] == "follow_up" and view["procedure_key"] == "lfcn_neurectomy"
    assert view["plans"][0]["nerves"] == ["lateral_cutaneous_nerve_of_thigh"]
    assert view["procedures"][0]["nerves"][0]["id"] == "lateral_cutaneous_nerve_of_thigh"
    assert [o["days_after"] for o in view["outcomes"]] == [30, 180]
    actions = [(e.action, e.entity, e.username) for e in reversed(log)]
    assert actions[-6:] == [
        ("create", "patient", "clinician_a"),
        ("create", "case", "clinician_a"),
        ("create", "plan", "clinician_a"),
        ("create", "procedure", "clinician_a"),
        ("create", "outcome", "clinician_a"),
        ("create", "outcome", "clinician_a"),
    ]
    assert all(e.at is not None and e.user_id == who["clinician"].user_id for e in log[:6])


def test_plan_case_stores_the_core_plan(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.db import read_session, write
    from neurectomy.registry.service import create_case, get_case, plan_case

    cid = write(engine, lambda s: create_case(s, who["clinician"], sup.CASE).id)
    write(engine, lambda s: plan_case(s, who["clinician"], cid))
    with read_session(engine) as s:
        sp = get_case(s, who["clinician"], cid).plans[0]
    assert set(sp.plan) >= {"procedure", "cuts", "method", "deficit", "timeline", "evidence", "notice"}
    assert sp.procedure_key == "lfcn_neurectomy" and sp.side == "right"


def test_audit_log_is_append_only(engine: Any, who: dict[str, Any]) -> None:
    from sqlalchemy import select, text
    from sqlalchemy.exc import DBAPIError

    from neurectomy.registry.db import UnauditedWrite, write
    from neurectomy.registry.models import AuditEntry

    before = sup.snapshot(engine)["audit_log"]

    def edit(s: Any) -> None:
        s.scalars(select(AuditEntry)).first().action = "forged"

    def remove(s: Any) -> None:
        s.delete(s.scalars(select(AuditEntry)).first())

    for fn in (edit, remove):
        with pytest.raises(UnauditedWrite):
            write(engine, fn)
    for sql in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError), engine.begin() as c:
            c.execute(text(sql))
    assert sup.snapshot(engine)["audit_log"] == before


def test_unaudited_writes_cannot_commit(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.db import UnauditedWrite, write
    from neurectomy.registry.models import Institution

    before = sup.counts(engine)
    with pytest.raises(UnauditedWrite):
        write(engine, lambda s: s.add(Institution(name="sneaky")))
    assert sup.counts(engine) == before


def test_passwords_are_argon2_and_checked(engine: Any, who: dict[str, Any]) -> None:
    from sqlalchemy import select

    from neurectomy.registry.db import read_session
    from neurectomy.registry.models import User
    from neurectomy.registry.service import authenticate

    with read_session(engine) as s:
        assert all(u.password_hash.startswith("$argon2id$") for u in s.scalars(select(User)))
        assert authenticate(s, "clinician_a", sup.PASSWORD) == who["clinician"]
        assert authenticate(s, "clinician_a", "wrong password") is None
        assert authenticate(s, "nobody", sup.PASSWORD) is None
        assert authenticate(s, "clinician_a", "x" * 5000) is None


# --------------------------------------------------------------------------- roles and institutions
def _ops(engine: Any, who: dict[str, Any], cid: int, bundle: Any) -> dict[str, Any]:
    """Every registry function, as (kind, call(principal))."""
    from neurectomy.registry import fhir, service

    def reader(fn: Any) -> Any:
        from neurectomy.registry.db import read_session

        def run(p: Any) -> Any:
            with read_session(engine) as s:
                return fn(s, p)

        return run

    def writer(fn: Any) -> Any:
        from neurectomy.registry.db import write

        return lambda p: write(engine, lambda s: fn(s, p))

    return {
        "list_cases": ("read", reader(lambda s, p: service.list_cases(s, p))),
        "get_case": ("read", reader(lambda s, p: service.get_case(s, p, cid))),
        "export_fhir": ("export", reader(lambda s, p: fhir.export_bundle(s, p))),
        "audit_entries": ("audit", reader(lambda s, p: service.audit_entries(s, p))),
        "create_case": ("write", writer(lambda s, p: service.create_case(s, p, {**sup.CASE, "pseudonym": "new"}))),
        "record_outcome": ("write", writer(lambda s, p: service.record_outcome(s, p, cid, sup.outcome(365)))),
        "record_procedure": ("write", writer(lambda s, p: service.record_procedure(s, p, cid, sup.PROCEDURE))),
        "attach_plan": ("write", writer(lambda s, p: service.attach_plan(s, p, cid, sup.plan_json()))),
        "set_status": ("write", writer(lambda s, p: service.set_status(s, p, cid, "closed"))),
        "import_fhir": ("import", writer(lambda s, p: fhir.import_bundle(s, p, bundle()))),
        "add_user": (
            "manage_users",
            writer(lambda s, p: service.add_user(s, p, f"u{p.role}", sup.PASSWORD, "viewer", "Hospital A")),
        ),
    }


ALLOWED = {
    "admin": {"read", "export", "audit", "write", "import", "manage_users"},
    "clinician": {"read", "export", "write", "import"},
    "researcher": {"read"},
    "viewer": {"read"},
}


def test_authorisation_matrix_every_role_every_function(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.auth import Forbidden, NotFound
    from neurectomy.registry.db import read_session
    from neurectomy.registry.fhir import export_bundle

    [cid] = sup.populate(engine, who["clinician"], 1, plan=False)
    [bid] = sup.populate(engine, who["clinician_b"], 1, plan=False)
    with read_session(engine) as s:
        bundle_b = export_bundle(s, who["clinician_b"])
    serial = iter(range(1000, 9999))

    def bundle() -> dict[str, Any]:
        """A fresh copy of B's bundle with new ids, so that import succeeds where it is allowed."""
        n = next(serial)
        text = json.dumps(bundle_b)
        for e in bundle_b["entry"]:
            text = text.replace(e["resource"]["id"], e["resource"]["id"][:-4] + str(n))
        return dict(json.loads(text.replace("MP-000", f"MP-IMPORTED-{n}")))

    checked = 0
    for role in ("admin", "clinician", "researcher", "viewer"):
        p = who[role]
        for name, (need, call) in _ops(engine, who, cid, bundle).items():
            if need in ALLOWED[role]:
                call(p)
            else:
                before = sup.counts(engine)
                with pytest.raises(Forbidden):
                    call(p)
                assert sup.counts(engine) == before, (role, name)
            checked += 1
        # another institution's case is invisible, for reading and writing alike
        for name, (_need, call) in _ops(engine, who, bid, bundle).items():
            if name in ("get_case", "record_outcome", "record_procedure", "attach_plan", "set_status"):
                before = sup.counts(engine)
                with pytest.raises((NotFound, Forbidden)):
                    call(p)
                assert sup.counts(engine) == before
                checked += 1
    assert checked == 4 * 11 + 4 * 5
    from neurectomy.registry.service import list_cases

    with read_session(engine) as s:
        for role in ("admin", "clinician", "researcher", "viewer"):
            assert {c.institution_id for c in list_cases(s, who[role])} == {who[role].institution_id}
        assert bid not in {c.id for c in list_cases(s, who["admin"])}


def test_admin_cannot_add_users_to_another_institution(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.auth import Forbidden
    from neurectomy.registry.db import write
    from neurectomy.registry.service import add_user

    before = sup.counts(engine)
    with pytest.raises(Forbidden):
        write(engine, lambda s: add_user(s, who["admin"], "intruder", sup.PASSWORD, "admin", "Hospital B"))
    assert sup.counts(engine) == before


def test_researcher_sees_pseudonymised_data_only(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.db import read_session
    from neurectomy.registry.service import case_view, get_case

    [cid] = sup.populate(engine, who["clinician"], 1)
    with read_session(engine) as s:
        v = case_view(get_case(s, who["researcher"], cid), who["researcher"], full=True)
    assert v["patient"]["pseudonym"].startswith("R-") and "MP-000" not in json.dumps(v)
    assert v["patient"]["birth_year"] == 1970 and v["notes"] == ""
    assert all(pp["notes"] == "" for pp in v["procedures"])


# --------------------------------------------------------------------------- FHIR
def test_fhir_round_trip_is_identical(engine: Any, who: dict[str, Any], tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from neurectomy.registry.db import read_session, write
    from neurectomy.registry.fhir import dumps, export_bundle, import_bundle, loads

    sup.populate(engine, who["clinician"], 3)
    with read_session(engine) as s:
        first = dumps(export_bundle(s, who["clinician"]))
    parsed = Bundle.model_validate_json(first)
    kinds = [e.resource.get_resource_type() for e in parsed.entry]
    assert kinds.count("Patient") == 3 and kinds.count("Condition") == 3
    assert kinds.count("Procedure") == 6 and kinds.count("Observation") == 6
    # into a second, empty registry, then out again
    url2 = f"sqlite:///{tmp_path / 'second.sqlite3'}"
    from neurectomy.registry.db import init_db, make_engine

    e2 = make_engine(url2)
    init_db(e2)
    who2 = sup.users(e2)
    ids = write(e2, lambda s: import_bundle(s, who2["clinician"], loads(first)))
    assert len(ids) == 3
    with read_session(e2) as s:
        second = dumps(export_bundle(s, who2["clinician"]))
    assert second == first
    # and back into the same backend as the source, other institution
    data = loads(first)
    with pytest.raises(ValueError, match="already in the registry"):
        write(engine, lambda s: import_bundle(s, who["clinician_b"], data))


def _bundle(engine: Any, who: dict[str, Any]) -> dict[str, Any]:
    from neurectomy.registry.db import read_session
    from neurectomy.registry.fhir import export_bundle

    sup.populate(engine, who["clinician"], 1)
    with read_session(engine) as s:
        b = export_bundle(s, who["clinician"])
    # new ids and pseudonym, so that the good bundle imports cleanly next to its source
    text = json.dumps(b).replace("MP-000", "MP-NEW")
    for e in b["entry"]:
        text = text.replace(e["resource"]["id"], e["resource"]["id"][:-4] + "f00d")
    return dict(json.loads(text))


def _entry(b: dict[str, Any], kind: str, status: str | None = None) -> tuple[int, dict[str, Any]]:
    for i, e in enumerate(b["entry"]):
        r = e["resource"]
        if r["resourceType"] == kind and (status is None or r.get("status") == status):
            return i, r
    raise AssertionError(kind)


def _hostile(b: dict[str, Any], case: str) -> tuple[Any, str]:
    """Damage a good bundle; return it and the path the rejection must name."""
    if case == "not a bundle":
        return {"resourceType": "Patient"}, "Bundle.resourceType"
    if case == "unknown resource type":
        b["entry"][1]["resource"]["resourceType"] = "Medication'; DROP TABLE cases;--"
        return b, "Bundle.entry[1].resource.resourceType"
    if case == "extra element":
        i, r = _entry(b, "Observation")
        r["component"][0]["evil"] = 1
        return b, f"Bundle.entry[{i}].resource.component[0].evil"
    if case == "bad decimal":
        i, r = _entry(b, "Observation")
        r["component"][1]["valueQuantity"]["value"] = "1e999999"
        return b, f"Bundle.entry[{i}].resource.component[1].valueQuantity.value"
    if case == "pain out of range":
        i, r = _entry(b, "Observation")
        r["component"][1]["valueQuantity"]["value"] = 11
        return b, f"Bundle.entry[{i}].resource.component[1].valueQuantity.value"
    if case == "dangling reference":
        i, r = _entry(b, "Observation")
        r["focus"][0]["reference"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
        return b, f"Bundle.entry[{i}].resource.focus[0]"
    if case == "reference to wrong type":
        i, r = _entry(b, "Procedure", "completed")
        r["reasonReference"][0] = r["subject"]
        return b, f"Bundle.entry[{i}].resource.reasonReference[0]"
    if case == "oversized indication":
        i, r = _entry(b, "Condition")
        r["code"]["text"] = "x" * 100_000
        return b, f"Bundle.entry[{i}].resource.code.text"
    if case == "unknown procedure":
        i, r = _entry(b, "Condition")
        r["extension"][1]["valueCode"] = "lobotomy"
        return b, f"Bundle.entry[{i}].resource.extension"
    if case == "full birth date":
        i, r = _entry(b, "Patient")
        r["birthDate"] = "1971-03-04"
        return b, f"Bundle.entry[{i}].resource.birthDate"
    if case == "duplicate id":
        b["entry"].append(json.loads(json.dumps(b["entry"][0])))
        return b, f"Bundle.entry[{len(b['entry']) - 1}].resource.id"
    if case == "plan not json":
        i, r = _entry(b, "Procedure", "preparation")
        r["extension"][3]["valueString"] = "{not json"
        return b, f"Bundle.entry[{i}].resource.extension"
    if case == "NUL in notes":
        i, r = _entry(b, "Condition")
        r["note"] = [{"text": "a\x00b"}]
        return b, f"Bundle.entry[{i}].resource.note[0].text"
    if case == "bad last entry":  # everything before it is valid: still nothing may be written
        i, r = _entry(b, "Observation")
        b["entry"].append({"resource": {**json.loads(json.dumps(r)), "id": "zzz", "status": "bogus"}})
        return b, f"Bundle.entry[{len(b['entry']) - 1}].resource.status"
    raise AssertionError(case)


HOSTILE = [
    "not a bundle",
    "unknown resource type",
    "extra element",
    "bad decimal",
    "pain out of range",
    "dangling reference",
    "reference to wrong type",
    "oversized indication",
    "unknown procedure",
    "full birth date",
    "duplicate id",
    "plan not json",
    "NUL in notes",
    "bad last entry",
]


def test_hostile_bundles_are_rejected_with_a_path_and_write_nothing(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.db import write
    from neurectomy.registry.fhir import FhirImportError, import_bundle, loads

    good = _bundle(engine, who)
    for case in HOSTILE:
        bad, path = _hostile(json.loads(json.dumps(good)), case)
        before = sup.snapshot(engine)
        with pytest.raises(FhirImportError) as info:
            write(engine, lambda s, bad=bad: import_bundle(s, who["clinician"], bad))
            pytest.fail(f"{case}: accepted")
        assert info.value.path.startswith(path), (case, str(info.value))
        assert sup.snapshot(engine) == before, case
    for text in ("[" * 100_000, "not json", "[]", '{"resourceType": "Bundle", "entry": 5}'):
        with pytest.raises(FhirImportError):
            write(engine, lambda s, text=text: import_bundle(s, who["clinician"], loads(text)))
    # and the good one goes in
    assert len(write(engine, lambda s: import_bundle(s, who["clinician"], good))) == 1


# --------------------------------------------------------------------------- outcomes vs evidence
def test_wilson_interval() -> None:
    from neurectomy.registry.compare import wilson

    lo, hi = wilson(8, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.4902, 0.9433)  # Wilson 1927; Newcombe 1998 Table I
    assert wilson(0, 10)[0] == 0.0 and wilson(10, 10)[1] == 1.0
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_outcome_comparison_against_the_evidence(engine: Any, who: dict[str, Any]) -> None:
    from neurectomy.registry.compare import compare_outcomes
    from neurectomy.registry.db import read_session
    from neurectomy.registry.service import get_case, list_cases

    sup.populate(engine, who["clinician"], 4, plan=False)
    with read_session(engine) as s:
        cases = [get_case(s, who["clinician"], c.id) for c in list_cases(s, who["clinician"])]
        rows = {r.measure: r for r in compare_outcomes(cases, min_days=90)}
    complete = rows["complete_relief"]
    assert (complete.k, complete.n) == (2, 4)
    assert complete.ci[0] < 0.5 < complete.ci[1]
    pub = {p.id: p for p in complete.published}
    assert "E001" in pub and pub["E001"].proportion == 0.85  # Lu et al. 2021, LFCN neurectomy
    assert rows["neuroma"].k == 1
    d = complete.to_dict()
    assert d["published"][0]["citation"] and d["ci95"] == list(complete.ci)


# --------------------------------------------------------------------------- backup and restore
def test_backup_then_restore_yields_the_same_data(engine: Any, who: dict[str, Any], tmp_path: Path) -> None:
    from neurectomy.registry.backup import BackupError, backup, restore
    from neurectomy.registry.db import make_engine

    sup.populate(engine, who["clinician"], 3)
    before = sup.snapshot(engine)
    f = tmp_path / "registry.backup.gz"
    backup(engine, f, key=sup.KEY)
    # into a fresh database of the same backend
    url, drop = sup.database_url(engine.dialect.name, tmp_path / "b")
    (tmp_path / "b").mkdir(exist_ok=True)
    e2 = make_engine(url)
    try:
        restore(e2, f, key=sup.KEY)
        after = sup.snapshot(e2)
        assert {k: v for k, v in after.items() if k != "audit_log"} == {
            k: v for k, v in before.items() if k != "audit_log"
        }
        assert after["audit_log"][:-1] == before["audit_log"]
        assert after["audit_log"][-1]["action"] == "restore"
        # ids continue after the restored ones
        from neurectomy.registry.db import write
        from neurectomy.registry.service import create_case

        new = write(e2, lambda s: create_case(s, who["clinician"], {**sup.CASE, "pseudonym": "after"}).id)
        assert new == max(r["id"] for r in before["cases"]) + 1
        with pytest.raises(BackupError, match="not empty"):
            restore(e2, f, key=sup.KEY)
    finally:
        e2.dispose()
        drop()
    with pytest.raises(BackupError):
        (tmp_path / "junk.gz").write_bytes(b"junk")
        restore(engine, tmp_path / "junk.gz", key=sup.KEY)


# --------------------------------------------------------------------------- command line
def test_registry_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from neurectomy.registry.cli import registry_app

    runner = CliRunner()
    db1, db2, db3 = (f"sqlite:///{tmp_path / n}" for n in ("a.sqlite3", "b.sqlite3", "c.sqlite3"))

    def ok(*args: str, stdin: str | None = None) -> str:
        res = runner.invoke(registry_app, list(args), input=stdin)
        assert res.exit_code == 0, res.output
        return res.output

    assert "schema 0006" in ok("init", "--db", db1)
    ok(
        "add-user",
        "ann",
        "--role",
        "clinician",
        "--institution",
        "Clinic",
        "--password-stdin",
        "--db",
        db1,
        stdin=sup.PASSWORD + "\n",
    )
    bad = runner.invoke(
        registry_app,
        ["add-user", "ann", "--role", "clinician", "--institution", "Clinic", "--password-stdin", "--db", db1],
        input=sup.PASSWORD + "\n",
    )
    assert bad.exit_code == 2 and "already exists" in bad.output
    from neurectomy.registry.db import make_engine, read_session
    from neurectomy.registry.service import authenticate

    e1 = make_engine(db1)
    with read_session(e1) as s:
        ann = authenticate(s, "ann", sup.PASSWORD)
    sup.populate(e1, ann, 2)
    ok("export", "--institution", "Clinic", "-o", str(tmp_path / "x.json"), "--db", db1)
    monkeypatch.setenv("NEURECTOMY_BACKUP_KEY_FILE", str(tmp_path / "backup.key"))
    ok("backup", str(tmp_path / "x.gz"), "--db", db1)
    assert (tmp_path / "backup.key").stat().st_mode & 0o777 == 0o600
    ok("restore", str(tmp_path / "x.gz"), "--db", db2)
    assert sup.snapshot(make_engine(db2))["cases"] == sup.snapshot(e1)["cases"]
    ok(
        "add-user",
        "bea",
        "--role",
        "admin",
        "--institution",
        "Clinic",
        "--password-stdin",
        "--db",
        db3,
        stdin=sup.PASSWORD + "\n",
    )
    assert "imported 2 case(s)" in ok("import", str(tmp_path / "x.json"), "--institution", "Clinic", "--db", db3)
    ok("export", "--institution", "Clinic", "-o", str(tmp_path / "y.json"), "--db", db3)
    assert (tmp_path / "x.json").read_text() == (tmp_path / "y.json").read_text()
    again = runner.invoke(registry_app, ["import", str(tmp_path / "x.json"), "--institution", "Clinic", "--db", db3])
    assert again.exit_code == 2 and "nothing was imported" in again.output


def test_a_plan_that_is_not_a_plan_is_refused_with_its_path(engine: Any, who: dict[str, Any]) -> None:
    """``{"procedure": "x", "cuts": "x"}`` was stored as a plan (201) and then broke the case page and the FHIR
    export; a stored plan must have the shape every plan is serialised to, and the refusal names the bad field."""
    from neurectomy.registry import service
    from neurectomy.registry.db import write

    clinician = who["clinician"]
    cid = write(engine, lambda s: service.create_case(s, clinician, sup.CASE).id)
    with pytest.raises(service.InvalidInput) as caught:
        write(engine, lambda s: service.attach_plan(s, clinician, cid, {"procedure": "x", "cuts": "x"}))
    paths = [path for path, _ in caught.value.problems]
    assert "plan.cuts" in paths and "plan.procedure" in paths
    stored = write(engine, lambda s: service.attach_plan(s, clinician, cid, sup.plan_json()).plan)
    assert stored["procedure"]["id"] == "lfcn_neurectomy"
