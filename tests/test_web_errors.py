"""Errors as pages (issue 18, item 4): every error a browser can reach is an HTML page with the message, the
decision-support notice and a way back; the JSON API keeps JSON."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import test_registry_support as sup

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from neurectomy.web.app import create_app
from neurectomy.web.settings import Settings

BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _is_page(r: Any, status: int, *words: str) -> None:
    assert r.status_code == status, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("text/html"), r.headers["content-type"]
    assert 'id="error-message"' in r.text and 'id="error-back"' in r.text, r.text[:500]
    assert "not a medical device" in r.text.lower()
    assert '{"detail"' not in r.text
    for w in words:
        assert w.lower() in r.text.lower(), (w, r.text[:800])


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = create_app(Settings())

    @app.get("/boom-for-test", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


def test_unknown_route_is_a_page_for_browsers_and_json_for_the_api(client: TestClient) -> None:
    """Bug caught: an unknown route answered the raw ``{"detail": "Not Found"}`` JSON to a browser."""
    _is_page(client.get("/no-such-page", headers=BROWSER), 404, "Page not found", "/no-such-page")
    api = client.get("/api/no-such-thing", headers=BROWSER)
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    asked = client.get("/no-such-page", headers={"accept": "application/json"})
    assert asked.status_code == 404 and asked.json() == {"detail": "Not Found"}


def test_method_not_allowed_and_validation_errors_are_pages(client: TestClient) -> None:
    """Bug caught: a malformed query value (FastAPI's own 422) or a wrong method showed JSON to a browser."""
    _is_page(client.post("/atlas", headers=BROWSER), 405, "POST")
    r = client.get("/api/plan?nerve=ulnar+nerve&mm=abc", headers=BROWSER)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "mm"]
    r = client.get("/registry/login?error=" + "x" * 10, headers=BROWSER)
    assert r.status_code == 200


def test_unknown_name_on_a_page_keeps_the_suggestions(client: TestClient) -> None:
    """Bug caught: an unknown nerve on an atlas page showed JSON instead of a page with links to the suggestions."""
    r = client.get("/atlas/nerves/ulnr", headers=BROWSER)
    _is_page(r, 404, "ulnar")
    assert re.search(r'<a class="chip" href="/atlas\?q=[^"]*ulnar', r.text)
    api = client.get("/api/atlas/nerves/ulnr")
    assert api.status_code == 404 and "suggestions" in api.json()


def test_server_error_is_a_page_without_internals(client: TestClient) -> None:
    """Bug caught: a crash answered Starlette's plain "Internal Server Error" (or a traceback) with no way back."""
    r = client.get("/boom-for-test", headers=BROWSER)
    _is_page(r, 500, "Something went wrong")
    assert "secret internal detail" not in r.text
    j = client.get("/boom-for-test", headers={"accept": "application/json"})
    assert j.status_code == 500 and "secret" not in j.text and "detail" in j.json()


@pytest.fixture
def registry(tmp_path: Path) -> Any:
    engine = next(sup.engine_for("sqlite", tmp_path))
    who = sup.users(engine)
    app = create_app(Settings())
    app.state.registry_engine = engine
    return app, engine, who


def _signed_in(app: Any, username: str) -> TestClient:
    c = TestClient(app, follow_redirects=False, headers=BROWSER)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/registry/login").text)
    assert token
    r = c.post("/registry/login", data={"username": username, "password": sup.PASSWORD, "csrf_token": token[1]})
    assert r.status_code == 303
    return c


def test_registry_errors_are_pages_with_a_way_back_to_the_registry(registry: Any) -> None:
    """Bugs caught: the registry's 403/404/422 answered ``{"detail": …}`` JSON to a signed-in browser; the outcome
    form's 422 was a bare page without the site's layout."""
    app, engine, who = registry
    [cid] = sup.populate(engine, who["clinician"], 1)
    viewer = _signed_in(app, "viewer_a")
    r = viewer.get("/registry/cases/new")
    _is_page(r, 403, "Not allowed")
    assert 'href="/registry"' in r.text
    _is_page(viewer.get("/registry/cases/999999"), 404, "no case")
    _is_page(viewer.get("/registry/cases/not-a-number"), 422, "case number in the address")
    clinician = _signed_in(app, "clinician_a")
    page = clinician.get(f"/registry/cases/{cid}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    bad = clinician.post(
        f"/registry/cases/{cid}/outcomes",
        data={"csrf_token": csrf[1], "recorded_on": "2024-06-01", "days_after": "150", "pain_nrs": "11"},
    )
    _is_page(bad, 422, "pain", "Back to the case")
    forged = clinician.post(f"/registry/cases/{cid}/outcomes", data={"csrf_token": "forged"})
    _is_page(forged, 403, "CSRF")
    # the API keeps JSON, and the sign-in redirect keeps its Location
    assert TestClient(app).get("/api/registry/cases").json()["detail"].startswith("sign in")
    anon = TestClient(app, follow_redirects=False, headers=BROWSER)
    assert anon.get("/registry").headers["location"] == "/registry/login"
