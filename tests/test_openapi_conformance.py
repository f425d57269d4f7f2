"""Issue 19, item 5: the OpenAPI spec matches what the API does. Finding: the spec misdocumented 400s, gave
``recurrence`` a type its answers did not have, ``procedure_key`` as any string, and left out the 401/410/422/429/503
the bounded-work code answers. Schemathesis generates requests for every ``/api`` operation (signed in, so the
registry and the job API answer more than 401) and checks each answer against the spec: its status is one the
operation documents, its body matches the documented schema for that status, its content type and headers are the
documented ones, and it is never a 5xx. A status or shape the spec leaves out fails here."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from neurectomy.web.app import create_app  # noqa: E402
from neurectomy.web.settings import Settings  # noqa: E402
from tests import test_registry_support as sup  # noqa: E402

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
_DIR = Path(tempfile.mkdtemp(prefix="neurectomy-openapi-"))
#: Small server limits, so that every simulation job the fuzzer manages to start is tiny and searches are bounded;
#: a high rate limit, so that the fuzzer reaches the routes' own answers (the 429 is checked below).
LIMITS: dict[str, Any] = {"max_axons": 40, "max_days": 20, "max_replicates": 2, "solve_seconds": 2.0}
APP = create_app(Settings(**LIMITS, max_user_jobs=1, max_active_jobs=2, rate_limit="100000/minute"))
APP.state.registry_url = f"sqlite:///{_DIR / 'conformance.sqlite3'}"
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP).include(path_regex="^/api/")
_STATE: dict[str, Any] = {}


def _headers() -> dict[str, str]:
    """A bearer token of an admin of a registry with two cases (made once)."""
    if not _STATE:
        from fastapi.testclient import TestClient

        from neurectomy.registry.db import init_db, make_engine

        engine = make_engine(APP.state.registry_url)
        init_db(engine)
        w = sup.users(engine)
        sup.populate(engine, w["clinician"], 2)
        r = TestClient(APP).post("/api/registry/session", json={"username": "admin_a", "password": sup.PASSWORD})
        assert r.status_code == 200, r.text
        _STATE["headers"] = {"Authorization": f"Bearer {r.json()['token']}"}
    return dict(_STATE["headers"])


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(max_examples=6, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_every_answer_is_one_the_spec_documents(case: Any) -> None:
    """Generated requests against every API operation; each answer conforms to the operation's documented
    responses (status, schema, content type, headers) and none is a 5xx."""
    case.call_and_validate(headers=_headers(), checks=CHECKS)


def test_the_spec_names_what_the_api_takes_and_answers() -> None:
    """What the fuzzer may not reach by chance: ``procedure_key`` lists the procedures of ``procedures_data.yaml``
    (derived at import, so a new procedure appears without editing the spec); ``recurrence`` is the boolean the API
    takes and returns; every operation the bounded-work middleware covers documents its 429 and 503 with
    ``Retry-After`` and the 422 of a work limit; every operation that takes a body documents the 400 FastAPI
    answers when it cannot read it; the job API documents 401, 410, 429 and 503."""
    from neurectomy.procedures import load_procedures
    from neurectomy.web.bounded import is_expensive

    spec = APP.openapi()
    schemas = spec["components"]["schemas"]
    key = schemas["CaseIn"]["properties"]["procedure_key"]["anyOf"][0]
    assert key["enum"] == sorted(load_procedures())
    assert schemas["OutcomeIn"]["properties"]["recurrence"]["type"] == "boolean"
    ops = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    bounded = [(path, op) for path, _, op in ops if is_expensive(path)]
    assert len(bounded) >= 5, "target, localise, plan (GET and POST) and the timeline are bounded"
    for path, op in bounded:
        assert {"422", "429", "503"} <= set(op["responses"]), path
        for status in ("429", "503"):
            assert op["responses"][status]["headers"]["Retry-After"]["required"], (path, status)
    with_body = [(path, method, op) for path, method, op in ops if "requestBody" in op]
    assert len(with_body) >= 6
    for path, method, op in with_body:
        assert "400" in op["responses"], (method, path)
    jobs = spec["paths"]["/api/simulate/jobs"]["post"]["responses"]
    assert {"401", "429", "503"} <= set(jobs)
    assert {"404", "410"} <= set(spec["paths"]["/api/simulate/jobs/{job_id}"]["get"]["responses"])
