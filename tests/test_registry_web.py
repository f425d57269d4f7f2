"""The registry's web pages and JSON API: sign-in sessions, CSRF on forms, the role matrix over every endpoint,
no cross-institution access, FHIR upload/download, hostile text rendered harmlessly, and schemathesis over the
authenticated registry API (no 5xx)."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests import test_registry_support as sup
from tests.test_registry_support import csrf_of, signed_in

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


def bearer(app: Any, username: str) -> dict[str, str]:
    c = TestClient(app)
    r = c.post("/api/registry/session", json={"username": username, "password": sup.PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


# --------------------------------------------------------------------------- sessions and CSRF
def test_sign_in_sessions_and_csrf(app: Any, who: dict[str, Any]) -> None:
    anon = TestClient(app, follow_redirects=False)
    assert anon.get("/registry").status_code == 303
    assert anon.get("/registry").headers["location"] == "/registry/login"
    assert anon.get("/api/registry/cases").status_code == 401
    page = anon.get("/registry/login")
    assert page.status_code == 200 and "not a medical device" in page.text.lower()
    token = csrf_of(page.text)
    # a login form posted from elsewhere (no matching cookie) is refused
    other = TestClient(app, follow_redirects=False)
    assert (
        other.post(
            "/registry/login", data={"username": "clinician_a", "password": sup.PASSWORD, "csrf_token": token}
        ).status_code
        == 403
    )
    bad = anon.post("/registry/login", data={"username": "clinician_a", "password": "nope", "csrf_token": token})
    assert bad.status_code == 401 and "Wrong username or password" in bad.text
    ok = anon.post("/registry/login", data={"username": "clinician_a", "password": sup.PASSWORD, "csrf_token": token})
    assert ok.status_code == 303
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    home = anon.get("/registry")
    assert home.status_code == 200 and "clinician_a" in home.text
    # writes need the session's CSRF token
    assert anon.post("/registry/logout", data={"csrf_token": "forged"}).status_code == 403
    assert anon.post("/api/registry/cases", json=sup.CASE).status_code == 403  # cookie without X-CSRF-Token
    assert anon.post("/registry/logout", data={"csrf_token": csrf_of(home.text)}).status_code == 303
    assert anon.get("/registry").status_code == 303  # signed out
    # the API: bearer tokens, no CSRF needed (no ambient credentials); logout ends the token
    h = bearer(app, "clinician_a")
    assert TestClient(app).get("/api/registry/cases", headers=h).status_code == 200
    assert TestClient(app).delete("/api/registry/session", headers=h).status_code == 204
    assert TestClient(app).get("/api/registry/cases", headers=h).status_code == 401
    assert (
        TestClient(app).get("/api/registry/cases", headers={"Authorization": "Bearer " + "x" * 5000}).status_code == 401
    )


def test_case_pages_plan_outcomes_and_recorded_vs_predicted(app: Any, who: dict[str, Any], engine: Any) -> None:
    c = signed_in(app, "clinician_a")
    form = c.get("/registry/cases/new")
    assert form.status_code == 200
    r = c.post(
        "/registry/cases",
        data={
            "csrf_token": csrf_of(form.text),
            "pseudonym": "WEB-1",
            "birth_year": "1980",
            "sex": "male",
            "indication": "meralgia paresthetica",
            "side": "left",
            "procedure_key": "lfcn_neurectomy",
            "notes": "",
        },
    )
    assert r.status_code == 303, r.text
    url = r.headers["location"]
    page = c.get(url)
    assert page.status_code == 200
    assert "lateral cutaneous nerve of thigh" in page.text and 'id="outcome-form"' in page.text
    before = sup.counts(engine)
    outcome = {
        "recorded_on": "2024-05-01",
        "days_after": "120",
        "pain_nrs": "1",
        "pain_relief": "complete",
        "numb_regions": "",
        "complications": ["neuroma"],
        "notes": "doing well",
    }
    assert c.post(url + "/outcomes", data={**outcome, "csrf_token": "forged"}).status_code == 403
    assert sup.counts(engine) == before
    r = c.post(url + "/outcomes", data={**outcome, "csrf_token": csrf_of(page.text)})
    assert r.status_code == 303
    bad = c.post(url + "/outcomes", data={**outcome, "pain_nrs": "11", "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 422 and "pain_nrs" in bad.text
    page = c.get(url)
    assert "doing well" not in page.text or "neuroma" in page.text
    assert 'id="recovery-chart"' in page.text and "<polyline" in page.text and "<circle" in page.text
    cmp_page = c.get("/registry/compare?min_days=90")
    assert cmp_page.status_code == 200 and "95 % CI" in cmp_page.text
    # issue 18: the procedure by its name, never its internal key (lfcn_neurectomy)
    assert "lateral femoral cutaneous neurectomy" in cmp_page.text and ">lfcn_neurectomy<" not in cmp_page.text
    api = TestClient(app).get("/api/registry/compare", headers=bearer(app, "clinician_a")).json()
    assert api and api[0]["procedure_key"] == "lfcn_neurectomy" and len(api[0]["ci95"]) == 2


def test_recovery_chart_compares_the_same_regions() -> None:
    from neurectomy.web.routes.registry import recovery_chart

    plan = sup.plan_json()
    chart = recovery_chart(
        plan, [{"days_after": 30, "numb_regions": ["skin_lateral_thigh"]}, {"days_after": 400, "numb_regions": []}]
    )
    assert chart is not None and "skin_lateral_thigh" in chart["regions"]
    values = [p["value"] for p in chart["recorded"]]
    assert values[1] == 1.0 and values[0] < 1.0
    assert recovery_chart(None, []) is None


# --------------------------------------------------------------------------- authorisation matrix
def _endpoints(cid: int, bundle: Any) -> list[tuple[str, str, str, Any]]:
    """(name, method, path, json) for every registry API operation."""
    return [
        ("list", "GET", "/api/registry/cases", None),
        ("get", "GET", f"/api/registry/cases/{cid}", None),
        ("compare", "GET", "/api/registry/compare", None),
        ("export", "GET", "/api/registry/fhir", None),
        ("audit", "GET", "/api/registry/audit", None),
        ("create", "POST", "/api/registry/cases", {**sup.CASE, "pseudonym": "api-new"}),
        ("outcome", "POST", f"/api/registry/cases/{cid}/outcomes", sup.outcome(200)),
        ("procedure", "POST", f"/api/registry/cases/{cid}/procedures", sup.PROCEDURE),
        ("plan", "POST", f"/api/registry/cases/{cid}/plan", None),
        ("import", "POST", "/api/registry/fhir", bundle),
    ]


EXPECT = {  # role -> operations allowed at the own institution
    "admin": {"list", "get", "compare", "export", "audit", "create", "outcome", "procedure", "plan", "import"},
    "clinician": {"list", "get", "compare", "export", "create", "outcome", "procedure", "plan", "import"},
    "researcher": {"list", "get", "compare"},
    "viewer": {"list", "get", "compare"},
}
OK = {"GET": 200, "POST": 201}


def test_api_authorisation_matrix(app: Any, who: dict[str, Any], engine: Any) -> None:
    [cid] = sup.populate(engine, who["clinician"], 1, plan=False)
    [bid] = sup.populate(engine, who["clinician_b"], 1, plan=False)
    from neurectomy.registry.db import read_session
    from neurectomy.registry.fhir import export_bundle

    with read_session(engine) as s:
        source = json.dumps(export_bundle(s, who["clinician_b"]))
    ids = re.findall(r'"id": "([0-9a-f-]{36})"', source)
    serial = iter(range(1000, 9999))

    def fresh() -> Any:
        n, text = next(serial), source
        for i in set(ids):
            text = text.replace(i, i[:-4] + str(n))
        return json.loads(text.replace("MP-000", f"MP-{n}"))

    checked = 0
    anon = TestClient(app)
    for name, method, path, body in _endpoints(cid, None):
        assert anon.request(method, path, json=body).status_code == 401, name
        checked += 1
    for role, allowed in EXPECT.items():
        h = bearer(app, f"{role}_a")
        client = TestClient(app)
        for name, method, path, body in _endpoints(cid, fresh()):
            before = sup.counts(engine)
            r = client.request(method, path, json=body, headers=h)
            if name in allowed:
                assert r.status_code == OK[method], (role, name, r.text)
            else:
                assert r.status_code == 403, (role, name, r.status_code, r.text)
                assert sup.counts(engine) == before, (role, name)
            checked += 1
        # another institution's case: 404 for every role, read or write, nothing written
        for name, method, path, body in _endpoints(bid, fresh()):
            if f"/{bid}" not in path:
                continue
            before = sup.counts(engine)
            r = client.request(method, path, json=body, headers=h)
            assert r.status_code in (403, 404), (role, name, r.status_code)
            assert r.status_code == 404 or name not in allowed
            assert sup.counts(engine) == before
            checked += 1
        listed = client.get("/api/registry/cases", headers=h).json()
        assert bid not in [c["id"] for c in listed]
        if role == "researcher":
            assert all(c["patient"]["pseudonym"].startswith("R-") for c in listed)
    assert checked == 10 + 4 * 10 + 4 * 4


def test_page_authorisation_matrix(app: Any, who: dict[str, Any], engine: Any) -> None:
    [cid] = sup.populate(engine, who["clinician"], 1)
    [bid] = sup.populate(engine, who["clinician_b"], 1, plan=False)
    pages = [
        "/registry",
        f"/registry/cases/{cid}",
        "/registry/compare",
        "/registry/fhir",
        "/registry/cases/new",
        "/registry/fhir/export",
    ]
    anon = TestClient(app, follow_redirects=False)
    for p in pages:
        assert anon.get(p).status_code == 303
    writers = {"admin", "clinician"}
    for role in ("admin", "clinician", "researcher", "viewer"):
        c = signed_in(app, f"{role}_a")
        for p in pages:
            r = c.get(p)
            need_write = p.endswith("/new") or "fhir" in p
            assert r.status_code == (200 if role in writers or not need_write else 403), (role, p, r.status_code)
        assert c.get(f"/registry/cases/{bid}").status_code == 404
        page = c.get(f"/registry/cases/{cid}")
        assert ('id="outcome-form"' in page.text) == (role in writers)
        before = sup.counts(engine)
        form = {"csrf_token": csrf_of(page.text), "recorded_on": "2024-06-01", "days_after": "150"}
        r = c.post(f"/registry/cases/{cid}/outcomes", data=form)
        assert r.status_code == (303 if role in writers else 403)
        assert (sup.counts(engine) == before) == (role not in writers)
        form = {"csrf_token": csrf_of(page.text), "recorded_on": "2024-06-01", "days_after": "150"}
        r = c.post(f"/registry/cases/{bid}/outcomes", data=form)
        assert r.status_code in (403, 404)
        if role == "researcher":
            assert "MP-000" not in c.get("/registry").text


# --------------------------------------------------------------------------- FHIR pages, hostile text
def test_fhir_upload_and_download_pages(app: Any, who: dict[str, Any], engine: Any) -> None:
    sup.populate(engine, who["clinician_b"], 2)
    b = signed_in(app, "clinician_b")
    exported = b.get("/registry/fhir/export")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("application/fhir+json")
    c = signed_in(app, "clinician_a")
    page = c.get("/registry/fhir")
    token = csrf_of(page.text)
    bundle = json.loads(exported.text)
    i = next(i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == "Condition")
    bundle["entry"][i]["resource"]["code"]["text"] = "x" * 600
    before = sup.snapshot(engine)
    r = c.post(
        "/registry/fhir/import",
        data={"csrf_token": token},
        files={"file": ("b.json", json.dumps(bundle), "application/json")},
    )
    assert r.status_code == 422 and f"Bundle.entry[{i}].resource.code.text" in r.text
    assert "nothing was imported" in r.text
    assert sup.snapshot(engine) == before
    r = c.post("/registry/fhir/import", data={"csrf_token": token}, files={"file": ("b.json", "{oops", "text/plain")})
    assert r.status_code == 422 and sup.snapshot(engine) == before
    assert (
        c.post(
            "/registry/fhir/import",
            data={"csrf_token": "forged"},
            files={"file": ("b.json", exported.text, "application/json")},
        ).status_code
        == 403
    )
    # the same bundle goes into A only with new ids (they are B's records): here, as an A-side copy
    text = exported.text
    for i in set(re.findall(r'"id": "([0-9a-f-]{36})"', text)):
        text = text.replace(i, i[:-4] + "a11a")
    upload = {"file": ("b.json", text, "application/json")}
    r = c.post("/registry/fhir/import", data={"csrf_token": token}, files=upload)
    assert r.status_code == 200 and "Imported 2 case(s)" in r.text


def test_hostile_text_is_stored_verbatim_and_rendered_escaped(app: Any, who: dict[str, Any]) -> None:
    h = bearer(app, "clinician_a")
    api = TestClient(app)
    evil = "<script>alert(1)</script>'); DROP TABLE cases;--"
    r = api.post(
        "/api/registry/cases", json={**sup.CASE, "pseudonym": evil, "indication": evil, "notes": evil}, headers=h
    )
    assert r.status_code == 201 and r.json()["indication"] == evil
    cid = r.json()["id"]
    page = signed_in(app, "clinician_a").get(f"/registry/cases/{cid}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    for field, size in (("indication", 501), ("pseudonym", 201), ("notes", 10_001)):
        r = api.post("/api/registry/cases", json={**sup.CASE, field: "x" * size}, headers=h)
        assert r.status_code == 422 and field in json.dumps(r.json())
    r = api.post("/api/registry/cases", json={**sup.CASE, "notes": "a\x00b"}, headers=h)
    assert r.status_code == 422
    assert api.get("/api/registry/cases?procedure_key=' OR 1=1 --", headers=h).json() == []


# --------------------------------------------------------------------------- schemathesis
schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

_DIR = Path(tempfile.mkdtemp(prefix="neurectomy-registry-fuzz-"))
FUZZ_APP = create_app(Settings())
FUZZ_APP.state.registry_url = f"sqlite:///{_DIR / 'fuzz.sqlite3'}"
_schema = (
    schemathesis.openapi.from_asgi("/openapi.json", FUZZ_APP)
    .include(path_regex="^/api/registry/")
    .exclude(path="/api/registry/session")
)
_FUZZ: dict[str, Any] = {}


def _fuzz_headers() -> dict[str, str]:
    if not _FUZZ:
        from neurectomy.registry.db import make_engine

        engine = make_engine(FUZZ_APP.state.registry_url)
        from neurectomy.registry.db import init_db

        init_db(engine)
        w = sup.users(engine)
        sup.populate(engine, w["clinician"], 2)
        _FUZZ["headers"] = bearer(FUZZ_APP, "admin_a")
    return dict(_FUZZ["headers"])


@_schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_authenticated_registry_api_never_answers_5xx(case: Any) -> None:
    """Generated requests, signed in as an admin, against every registry API operation: never a 5xx."""
    response = case.call(headers=_fuzz_headers())
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
    assert response.status_code != 401, "the fuzzer must be signed in"
