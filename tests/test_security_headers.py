"""Security headers on every answer of the web app, and no echo of the Host header in redirects.

Regressions from an attack-and-fault run (issue 19): no Content-Security-Policy, frame-ancestors, nosniff or
Referrer-Policy header anywhere, and the request's Host header was echoed in 307 redirects (``Location:
http://<whatever Host said>/...``), so a forged Host could send a client or a cache elsewhere.
"""

from __future__ import annotations

from typing import Any

import pytest

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from neurectomy.web.app import create_app  # noqa: E402
from neurectomy.web.settings import Settings  # noqa: E402


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()), follow_redirects=False, raise_server_exceptions=False)


PATHS = [
    "/",
    "/atlas",
    "/api/lesion?nerve=sural%20nerve",
    "/api/lesion?nerve=no%20such%20nerve",
    "/api/lesion?nerve=sural%20nerve&mm=-5",
    "/openapi.json",
    "/docs",
    "/static/app.css",
    "/registry/login",
    "/api/registry/cases",
    "/no/such/page",
]


@pytest.mark.parametrize("path", PATHS)
def test_every_answer_carries_the_security_headers(client: TestClient, path: str) -> None:
    """No answer had a CSP (with frame-ancestors), nosniff or Referrer-Policy; every answer has them now, pages,
    API, errors, static files and the API docs alike."""
    r = client.get(path)
    assert r.status_code < 500, r.text
    csp = r.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
    assert ("'unsafe-inline'" in csp.split("script-src")[1].split(";")[0]) == (path == "/docs")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"


def test_registry_answers_are_not_cached(client: TestClient) -> None:
    """Registry answers (patient data) say ``Cache-Control: no-store``; the atlas pages may be cached."""
    assert client.get("/registry/login").headers["cache-control"] == "no-store"
    assert client.get("/api/registry/cases").headers["cache-control"] == "no-store"
    assert "no-store" not in client.get("/atlas").headers.get("cache-control", "")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8443", "127.0.0.1:8000"])
def test_redirects_do_not_echo_the_host_header(client: TestClient, host: str) -> None:
    """A 307 slash redirect answered ``Location: http://<Host header>/atlas``. It now answers a path on the same
    server, whatever the Host header says."""
    r = client.get("/atlas/", headers={"host": host})
    assert r.status_code in (301, 302, 303, 307, 308), r.status_code
    assert r.headers["location"] == "/atlas"
    assert host not in str(r.headers)


def test_a_route_may_set_its_own_policy() -> None:
    """A header a route set itself is kept (the middleware only fills in what is missing)."""
    from fastapi.responses import PlainTextResponse

    app: Any = create_app(Settings())

    @app.get("/custom")
    def custom() -> PlainTextResponse:
        return PlainTextResponse("x", headers={"Referrer-Policy": "same-origin"})

    r = TestClient(app).get("/custom")
    assert r.headers["referrer-policy"] == "same-origin" and "frame-ancestors" in r.headers["content-security-policy"]
