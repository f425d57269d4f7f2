"""Registry outcomes record muscles and travel whole through FHIR (issue 18, items 5 and 3 of the follow-up):
weak or paralysed muscles picked from the atlas with an MRC grade, unknown ones refused with suggestions and shown
by name; numb regions pickable on the body map of the outcome form; the time point, the validated measures (NRS,
HDSS, Modified Ashworth), the muscles and the procedure's end treatments exported to FHIR and imported back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests import test_registry_support as sup

fastapi = pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from neurectomy.registry.service import InvalidInput  # noqa: E402
from neurectomy.web.app import create_app  # noqa: E402
from neurectomy.web.settings import Settings  # noqa: E402


@pytest.fixture
def engine(tmp_path: Path) -> Any:
    yield from sup.engine_for("sqlite", tmp_path)


@pytest.fixture
def who(engine: Any) -> dict[str, Any]:
    return sup.users(engine)


def _case(engine: Any, who: dict[str, Any]) -> int:
    from neurectomy.registry.db import write
    from neurectomy.registry.service import create_case

    return int(write(engine, lambda s: create_case(s, who["clinician"], {**sup.CASE, "pseudonym": "MUS-1"}).id))


def _outcome(engine: Any, who: dict[str, Any], cid: int, **kw: Any) -> dict[str, Any]:
    from neurectomy.registry.db import write
    from neurectomy.registry.service import case_view, get_case, record_outcome

    def go(s: Any) -> dict[str, Any]:
        record_outcome(s, who["clinician"], cid, sup.outcome(90, **kw))
        return case_view(get_case(s, who["clinician"], cid), who["clinician"], full=True)

    return dict(write(engine, go))


# --------------------------------------------------------------------------- muscles in the service
def test_an_outcome_records_weak_and_paralysed_muscles_with_their_grade(engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: outcomes had no muscles at all (only numb skin), so a foot drop after a cut could not be
    recorded."""
    cid = _case(engine, who)
    muscles = [
        {"id": "tibialis_anterior", "effect": "weak", "mrc": 3},
        {"id": "extensor_hallucis_longus", "effect": "paralysed", "mrc": 0},
        {"id": "abductor_hallucis", "effect": "paralysed", "mrc": None},
    ]
    view = _outcome(engine, who, cid, muscles=muscles)
    assert view["outcomes"][0]["muscles"] == muscles


@pytest.mark.parametrize(
    ("muscle", "says"),
    [
        ({"id": "tibialis_anterio", "effect": "weak"}, "did you mean tibialis_anterior"),
        ({"id": "skin_lateral_thigh", "effect": "weak"}, "unknown muscle id"),
        ({"id": "tibialis_anterior", "effect": "paralysed", "mrc": 3}, "MRC grade 3 is weak, not paralysed"),
        ({"id": "tibialis_anterior", "effect": "weak", "mrc": 0}, "MRC grade 0 is paralysed, not weak"),
        ({"id": "tibialis_anterior", "effect": "weak", "mrc": 5}, "at most 4"),
        ({"id": "tibialis_anterior", "effect": "numb"}, "choose one of weak or paralysed"),
    ],
)
def test_unknown_muscles_and_impossible_grades_are_refused(
    engine: Any, who: dict[str, Any], muscle: dict[str, Any], says: str
) -> None:
    """Bug caught: any text stored as a muscle (a typo, a skin region), or a grade that contradicts its effect
    (MRC 3 'paralysed'; MRC 5 is normal power), which the recovery figures would then count."""
    cid = _case(engine, who)
    with pytest.raises(InvalidInput) as exc:
        _outcome(engine, who, cid, muscles=[muscle])
    assert says in str(exc.value.problems), exc.value.problems


def test_a_muscle_listed_twice_is_refused(engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: one muscle stored twice with two grades (which one is true?)."""
    cid = _case(engine, who)
    twice = [{"id": "deltoid", "effect": "weak", "mrc": 4}, {"id": "deltoid", "effect": "weak", "mrc": 2}]
    with pytest.raises(InvalidInput, match="listed twice"):
        _outcome(engine, who, cid, muscles=twice)


# --------------------------------------------------------------------------- the outcome form
@pytest.fixture
def browser(engine: Any, who: dict[str, Any]) -> tuple[TestClient, str, str]:
    app = create_app(Settings())
    app.state.registry_engine = engine
    c = TestClient(app, follow_redirects=False)
    page = c.get("/registry/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    c.post("/registry/login", data={"username": "clinician_a", "password": sup.PASSWORD, "csrf_token": token[1]})
    url = f"/registry/cases/{_case(engine, who)}"
    page = c.get(url)
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    return c, url, csrf[1]


def _form(csrf: str, **kw: Any) -> dict[str, Any]:
    return {"csrf_token": csrf, "recorded_on": "2024-05-01", "timepoint": "3_months", **kw}


def test_the_outcome_form_takes_muscle_names_and_grades_and_shows_names(browser: Any, engine: Any) -> None:
    """Bug caught: the form had no muscle field; a recorded muscle shown by its id (tibialis_anterior)."""
    c, url, csrf = browser
    muscles = "tibialis anterior: MRC 3\nextensor hallucis longus: 0\nabductor hallucis: paralysed\ndeltoid"
    r = c.post(url + "/outcomes", data=_form(csrf, muscles=muscles))
    assert r.status_code == 303, r.text
    page = c.get(url).text
    table = page.split('id="outcomes-table"', 1)[1].split("</table>", 1)[0]
    assert "tibialis anterior (weak, MRC 3)" in table
    assert "extensor hallucis longus (paralysed, MRC 0)" in table
    assert "abductor hallucis (paralysed)" in table and "deltoid (weak)" in table
    assert "tibialis_anterior" not in table


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("tibialis anteriorr: MRC 3", "did you mean tibialis anterior"),
        ("skin of lateral thigh", "is not a muscle of the atlas"),
        ("deltoid: MRC 5", "normal power, not a weakness"),
    ],
)
def test_the_outcome_form_refuses_unknown_muscles_with_suggestions(
    browser: Any, engine: Any, line: str, says: str
) -> None:
    """Bug caught: a mistyped muscle (or a skin region in the muscle list) stored as text, or refused without
    saying what was meant."""
    c, url, csrf = browser
    before = sup.counts(engine)
    r = c.post(url + "/outcomes", data=_form(csrf, muscles=line))
    assert r.status_code == 422 and says in r.text.replace("&#39;", "'"), r.text
    assert "Back to the case" in r.text and line in r.text  # the form keeps what was typed

    def stored(n: dict[str, int]) -> dict[str, int]:  # the case shown again is a read, audited as one
        return {k: v for k, v in n.items() if k != "audit_log"}

    assert stored(sup.counts(engine)) == stored(before)


def test_the_outcome_form_has_the_body_map_picker_for_numb_regions(browser: Any) -> None:
    """Bug caught: numb regions could only be typed on the outcome form, not picked from the body map as on
    Find."""
    c, url, _ = browser
    page = c.get(url).text
    form = page.split('id="outcome-form"', 1)[1].split("</form>", 1)[0]
    assert 'class="picker zoomable-host" data-target="numb_regions"' in form
    assert 'data-side="right"' in form  # the case's side (sup.CASE): chosen regions are marked on it
    assert 'role="button"' in form and 'data-region="skin_lateral_thigh"' in form
    assert 'id="muscles"' in form and 'data-names="muscle"' in form


# --------------------------------------------------------------------------- FHIR
def test_fhir_carries_time_point_measures_muscles_and_end_treatments(
    engine: Any, who: dict[str, Any], tmp_path: Path
) -> None:
    """Bug caught: the export dropped the outcome's time point, its HDSS/MAS scores, its muscles and the
    procedure's end treatments, so an import (and a registry moved through FHIR) lost them silently."""
    from neurectomy.registry.db import init_db, make_engine, read_session, write
    from neurectomy.registry.fhir import dumps, export_bundle, import_bundle, loads
    from neurectomy.registry.service import case_view, get_case, record_procedure

    cid = _case(engine, who)
    write(
        engine,
        lambda s: record_procedure(
            s, who["clinician"], cid, {**sup.PROCEDURE, "end_treatments": ["traction", "cautery"]}
        ),
    )
    muscles = [{"id": "tibialis_anterior", "effect": "weak", "mrc": 3}, {"id": "deltoid", "effect": "paralysed"}]
    _outcome(engine, who, cid, timepoint="3_months", measures={"hdss": 2, "mas": 1.5}, pain_nrs=3.0, muscles=muscles)
    with read_session(engine) as s:
        first = dumps(export_bundle(s, who["clinician"]))
        source = case_view(get_case(s, who["clinician"], cid), who["clinician"], full=True)
    bundle = loads(first)
    obs = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    codes = [c["code"] for comp in obs["component"] for c in comp["code"]["coding"]]
    assert {"timepoint", "hdss", "mas", "72514-3", "muscle", "tibialis_anterior", "deltoid"} <= set(codes)

    e2 = make_engine(f"sqlite:///{tmp_path / 'second.sqlite3'}")
    init_db(e2)
    who2 = sup.users(e2)
    [new] = write(e2, lambda s: import_bundle(s, who2["clinician"], loads(first)))
    with read_session(e2) as s:
        again = case_view(get_case(s, who2["clinician"], new), who2["clinician"], full=True)
        second = dumps(export_bundle(s, who2["clinician"]))
    assert second == first
    got, want = again["outcomes"][0], source["outcomes"][0]
    assert (got["timepoint"], got["measures"], got["pain_nrs"]) == ("3_months", {"hdss": 2.0, "mas": 1.5}, 3.0)
    assert got["muscles"] == want["muscles"] == [{**muscles[0]}, {**muscles[1], "mrc": None}]
    assert again["procedures"][0]["end_treatments"] == ["traction", "cautery"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda c: c.update(valueInteger=7), "mrc"),
        (lambda c: c["code"]["coding"][1].update(code="tibialis_anterio"), "did you mean tibialis_anterior"),
        (lambda c: c.update(valueInteger="3"), "whole number"),
    ],
)
def test_fhir_import_refuses_a_bad_muscle_at_its_component(
    engine: Any, who: dict[str, Any], change: Any, says: str
) -> None:
    """Bug caught: an imported muscle not checked as the form checks it (a typo or MRC 7 stored)."""
    import json

    from neurectomy.registry.db import read_session, write
    from neurectomy.registry.fhir import FhirImportError, export_bundle, import_bundle

    cid = _case(engine, who)
    _outcome(engine, who, cid, muscles=[{"id": "tibialis_anterior", "effect": "weak", "mrc": 3}])
    with read_session(engine) as s:
        text = json.dumps(export_bundle(s, who["clinician"]))
    for e in json.loads(text)["entry"]:
        text = text.replace(e["resource"]["id"], e["resource"]["id"][:-4] + "f00d")
    bundle = json.loads(text.replace("MUS-1", "MUS-2"))
    obs = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    comp = next(c for c in obs["component"] if c["code"]["coding"][0]["code"] == "muscle")
    change(comp)
    with pytest.raises(FhirImportError) as exc:
        write(engine, lambda s: import_bundle(s, who["clinician_b"], bundle))
    assert says in str(exc.value) and "component[" in exc.value.path, str(exc.value)
