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
from tests.test_registry_support import csrf_of, signed_in  # noqa: E402
from tests.test_review18c_registry import new_case, stored_procedures  # noqa: E402


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


# --------------------------------------------------------------------------- 3. a bounded indication that wraps
def test_a_long_indication_is_refused_and_unbroken_text_wraps(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: an 1,800-character indication without spaces made the case page ~4,600 px wide (its
    scrollWidth). The indication is limited to 500 characters on the form and the API, with the plain message
    "Indication: at most 500 characters (you typed 1,800)", and free text on the case page (the patient panel and
    the procedure and outcome cells) wraps anywhere, so even an unbroken 500 characters never widen the page."""
    c = signed_in(app, "clinician_a")
    page = c.get("/registry/cases/new").text
    data = {"csrf_token": csrf_of(page), "pseudonym": "MP-9", "sex": "unknown", "side": "right"}
    r = c.post("/registry/cases", data={**data, "indication": "x" * 1800})
    assert r.status_code == 422 and "Indication: at most 500 characters (you typed 1,800)" in r.text, r.text
    r = TestClient(app).post(
        "/api/registry/cases", json={**sup.CASE, "indication": "x" * 1800}, headers=api(app, "clinician_a")
    )
    assert r.status_code == 422, r.text
    assert [(e["loc"], e["msg"]) for e in r.json()["detail"]] == [
        (["body", "indication"], "at most 500 characters (you typed 1,800)")
    ]
    assert _case_count(engine, who) == 0

    cid = new_case(engine, who, indication="x" * 500)
    html = c.get(f"/registry/cases/{cid}").text
    style = re.search(r"<style>(.*?)</style>", html, re.S)
    assert style, "the case page has no style of its own"
    rules = dict(re.findall(r"([^{}]+)\{([^{}]*)\}", re.sub(r"/\*.*?\*/", "", style[1], flags=re.S)))
    wrapping = [sel for sel, body in rules.items() if "overflow-wrap: anywhere" in body]
    selectors = {s.strip() for sel in wrapping for s in sel.split(",")}
    assert {"#patient", "#procedures-table td", "#outcomes-table td"} <= selectors, rules
    assert 'id="patient"' in html and "x" * 500 in html


# --------------------------------------------------------------------------- 6. the recovery chart
def test_the_recovery_chart_title_fits_and_it_is_not_a_map(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: the case page's recovery chart clipped its y-axis title (the closing ")" of "(%)" was cut off:
    "Expected-numb regions recovered (%)" is longer than the plot is high), and the chart, styled as a body map
    (class "mapbox"), got the map's zoom controls with the hint "on the map, arrow keys move between regions",
    which is wrong for a chart. The title is shorter (the caption says which regions) and fits the plot's height,
    and the figure is a chart box of its own, without map controls."""
    from neurectomy.registry.db import write
    from neurectomy.registry.service import attach_plan, record_outcome
    from neurectomy.web.routes.registry import recovery_chart

    chart = recovery_chart(sup.plan_json(), [{"days_after": 365, "numb_regions": [], "side": "right"}])
    assert chart is not None
    # a generous estimate of a 12 px sans-serif title's length: 0.62 em a character
    assert len(chart["y_title"]) * 12 * 0.62 <= chart["bottom"] - chart["top"], chart["y_title"]
    assert chart["y_title"].endswith("(%)")

    cid = new_case(engine, who)
    write(engine, lambda s: attach_plan(s, who["clinician"], cid, sup.plan_json()))
    write(engine, lambda s: record_outcome(s, who["clinician"], cid, sup.outcome(365)))
    html = signed_in(app, "clinician_a").get(f"/registry/cases/{cid}").text
    figure = re.search(r'<figure class="([^"]*)" id="recovery-chart">', html)
    assert figure, html
    assert "mapbox" not in figure[1].split() and "zoomable" not in figure[1].split()
    assert f">{chart['y_title']}</text>" in html


# --------------------------------------------------------------------------- 4. whole-number pain scores
def test_pain_nrs_is_a_whole_number(app: Any, engine: Any, who: dict[str, Any]) -> None:
    """Bug caught: the pain NRS (an 11-point scale, whole numbers 0–10) accepted 6.5 on the outcome form and the
    API. A non-integer is now refused with "Pain (NRS 0–10): a whole number" (the API: "a whole number"), 6.0 from
    a JSON client is 6, and stored values are shown and returned as integers ("6", not "6.0")."""
    from neurectomy.registry.db import write
    from neurectomy.registry.service import InvalidInput, record_outcome

    cid = new_case(engine, who)
    c = signed_in(app, "clinician_a")
    csrf = csrf_of(c.get(f"/registry/cases/{cid}").text)
    form = {"csrf_token": csrf, "recorded_on": "2024-06-01", "timepoint": "3_months", "side": "right"}
    r = c.post(f"/registry/cases/{cid}/outcomes", data={**form, "pain_nrs": "6.5"})
    assert r.status_code == 422 and "Pain (NRS 0–10): a whole number" in r.text, r.text
    headers = api(app, "clinician_a")
    r = TestClient(app).post(
        f"/api/registry/cases/{cid}/outcomes", json={**sup.outcome(90), "pain_nrs": 6.5}, headers=headers
    )
    assert r.status_code == 422, r.text
    assert [(e["loc"][-1], e["msg"]) for e in r.json()["detail"]] == [("pain_nrs", "a whole number")], r.text
    with pytest.raises(InvalidInput, match="a whole number"):
        write(engine, lambda s: record_outcome(s, who["clinician"], cid, sup.outcome(90, pain_nrs=6.5)))
    assert TestClient(app).get(f"/api/registry/cases/{cid}", headers=headers).json()["outcomes"] == []

    r = c.post(f"/registry/cases/{cid}/outcomes", data={**form, "pain_nrs": "6"})
    assert r.status_code == 303, r.text
    r = TestClient(app).post(
        f"/api/registry/cases/{cid}/outcomes", json={**sup.outcome(120), "pain_nrs": 7.0}, headers=headers
    )
    assert r.status_code in (200, 201), r.text
    got = TestClient(app).get(f"/api/registry/cases/{cid}", headers=headers).json()["outcomes"]
    assert [(o["pain_nrs"], type(o["pain_nrs"])) for o in got] == [(6, int), (7, int)]
    page = c.get(f"/registry/cases/{cid}").text
    table = page[page.index('id="outcomes-table"') : page.index("</table>", page.index('id="outcomes-table"'))]
    cells = re.findall(r'<td class="num">([^<]*)</td>', table)
    assert "6" in cells and "7" in cells and "6.0" not in cells and "7.0" not in cells, cells


# --------------------------------------------------------------------------- 5. outcomes vs evidence
def test_compare_shows_published_ranges_as_ranges_and_relief_from_the_latest_recording(
    app: Any, engine: Any, who: dict[str, Any]
) -> None:
    """Bug caught: "Outcomes vs evidence" showed E007 as "5 % (n=670), 95 % CI 4–7 % overlap", but the stored 5
    is the upper end of a reported 0–5 % range (the evidence row's measure says "upper end of range ... (range
    0-5%)"): a 95 % CI and an overlap computed from one end of a range. Such a figure is now shown as published
    ("0–5 %"), with no interval and no overlap. Also: a latest follow-up with relief left blank hid the relief an
    earlier follow-up recorded (0/0, "1 case not recorded"); relief is now taken from each case's latest follow-up
    that records it, and the page says so."""
    from neurectomy.evidence import find
    from neurectomy.registry.compare import _reported_range
    from neurectomy.registry.db import write
    from neurectomy.registry.service import record_outcome, record_procedure

    [e007] = [r for r in find() if r.id == "E007"]
    assert _reported_range(e007) == "0–5"
    cid = new_case(engine, who)
    write(engine, lambda s: record_procedure(s, who["clinician"], cid, sup.PROCEDURE))
    write(engine, lambda s: record_outcome(s, who["clinician"], cid, sup.outcome(90, pain_relief="complete")))
    write(engine, lambda s: record_outcome(s, who["clinician"], cid, sup.outcome(365, pain_relief=None)))
    c = signed_in(app, "clinician_a")
    rows = {r["measure"]: r for r in c.get("/api/registry/compare").json()}
    for key in ("complete_relief", "any_relief"):
        assert (rows[key]["k"], rows[key]["n"], rows[key]["not_recorded"]) == (1, 1, 0), rows[key]
    pubs = {p["id"]: p for r in rows.values() for p in r["published"]}
    assert "E007" in pubs, sorted(pubs)
    e = pubs["E007"]
    assert (e["value"], e["ci95"], e["consistent"], e["proportion"]) == ("0–5", None, None, None), e
    page = c.get("/registry/compare").text
    cell = re.search(r"<strong>E007</strong>(.*?)<div class=\"src\">", page, re.S)
    assert cell, page
    assert "0–5 %" in cell[1] and "95 % CI" not in cell[1] and "overlap" not in cell[1], cell[1]
    assert "latest follow-up that records it" in page
