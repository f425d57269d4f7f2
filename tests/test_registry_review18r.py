"""Review 18r of the registry (a cold reviewer in a real browser): no preset side on a new case, a typed procedure
name never silently replaces the chosen procedure, a bounded indication that wraps, whole-number pain scores,
published ranges shown as ranges, relief from the latest follow-up that records it, and a readable recovery chart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import test_registry_support as sup

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from neurectomy.web.app import create_app  # noqa: E402
from neurectomy.web.settings import Settings  # noqa: E402
from tests.test_review18c_registry import csrf_of, new_case, signed_in, stored_procedures  # noqa: E402


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    yield from sup.engine_for("sqlite", tmp_path)


@pytest.fixture
def who(engine: Any) -> dict[str, Any]:
    return sup.users(engine)


@pytest.fixture
def app(engine: Any) -> Any:
    a = create_app(Settings())
    a.state.registry_engine = engine
    return a


def api(app: Any, username: str) -> dict[str, str]:
    r = TestClient(app).post("/api/registry/session", json={"username": username, "password": sup.PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _case_count(engine: Any, who: dict[str, Any]) -> int:
    from neurectomy.registry.db import read_session
    from neurectomy.registry.service import list_cases

    with read_session(engine) as s:
        return len(list_cases(s, who["clinician"], limit=1000))


# --------------------------------------------------------------------------- 1. no preset side
def test_a_new_case_has_no_preset_side(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: /registry/cases/new preselected Side "left", so a case created without touching Side was saved
    as a left case with no prompt (a wrong-side risk). The side now starts blank and is required, in the form and
    on the server (form and API), with the plain message "Side: choose left, right, midline or bilateral"."""
    c = signed_in(app, "clinician_a")
    page = c.get("/registry/cases/new").text
    select = re.search(r'<select name="side"[^>]*>.*?</select>', page, re.S)
    assert select, page
    assert re.match(r'<select name="side"[^>]* required', select[0]), select[0]
    assert '<option value="" selected>' in select[0] and "<option selected" not in select[0], select[0]

    data = {"csrf_token": csrf_of(page), "pseudonym": "MP-9", "indication": "meralgia", "sex": "unknown", "side": ""}
    r = c.post("/registry/cases", data=data)
    assert r.status_code == 422 and "Side: choose left, right, midline or bilateral" in r.text, r.text
    del data["side"]
    r = c.post("/registry/cases", data=data)
    assert r.status_code == 422 and "Side: choose left, right, midline or bilateral" in r.text, r.text
    assert _case_count(engine, who) == 0

    from neurectomy.registry.db import write
    from neurectomy.registry.service import InvalidInput, create_case

    body = {k: v for k, v in sup.CASE.items() if k != "side"}
    with pytest.raises(InvalidInput, match="choose left, right, midline or bilateral"):
        write(engine, lambda s: create_case(s, who["clinician"], body))
    r = TestClient(app).post("/api/registry/cases", json=body, headers=api(app, "clinician_a"))
    assert r.status_code == 422 and "side" in r.text, r.text
    assert _case_count(engine, who) == 0


# --------------------------------------------------------------------------- 2. one procedure per record
def test_a_typed_procedure_name_never_replaces_the_chosen_procedure(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: on the case page's "Record a procedure performed", choosing "lateral femoral cutaneous
    neurectomy" and typing "ulnar nerve transposition" in "…or its name" saved "ulnar nerve transposition ·
    resection · right · lateral cutaneous nerve of thigh": the typed name silently relabelled the chosen procedure.
    Both given and different is now refused with a message naming both fields, and nothing is stored; either one
    alone (or the same name) is recorded."""
    from neurectomy.procedures import load_procedures

    chosen = load_procedures()["lfcn_neurectomy"].name
    cid = new_case(engine, who)  # a right case naming lfcn_neurectomy
    c = signed_in(app, "clinician_a")
    csrf = csrf_of(c.get(f"/registry/cases/{cid}").text)
    base = {"csrf_token": csrf, "performed_on": "2024-02-01", "method": "", "notes": "", "side": "right"}
    r = c.post(
        f"/registry/cases/{cid}/procedures",
        data={**base, "procedure_key": "lfcn_neurectomy", "procedure_name": "ulnar nerve transposition"},
    )
    assert r.status_code == 422, r.text
    assert f"Procedure and …or its name: you chose “{chosen}” and typed “ulnar nerve transposition”" in r.text
    assert 'value="ulnar nerve transposition"' in r.text  # what was typed is kept
    assert stored_procedures(engine, who, cid) == []
    r = c.post(
        f"/registry/cases/{cid}/procedures",
        data={**base, "procedure_key": "lfcn_neurectomy", "procedure_name": chosen.upper()},
    )
    assert r.status_code == 303, r.text
    r = c.post(f"/registry/cases/{cid}/procedures", data={**base, "procedure_key": "lfcn_neurectomy"})
    assert r.status_code == 303, r.text
    assert [p["procedure_name"] for p in stored_procedures(engine, who, cid)] == [chosen.upper(), chosen]
