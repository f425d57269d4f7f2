"""Review of issue 18 (the web app), cold browser review: each test names the finding and the bug it catches.

Screenshots and scripts of the review in /tmp/review18/. The old code is the commit before these fixes.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from neurectomy.atlas import load_atlas
from neurectomy.candidacy import Patient
from neurectomy.conditions import find
from neurectomy.names import RequestError
from neurectomy.requests import PlanRequest
from neurectomy.web.app import create_app


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


@pytest.fixture(scope="module")
def atlas():  # type: ignore[no-untyped-def]
    return load_atlas()


def _compare_columns(html: str) -> list[str]:
    table = html[html.index('<table class="compare">') :]
    head = table[: table.index("</thead>")]
    return [c for c in re.findall(r"<th>([^<]*)</th>", head) if c]


def test_3_side_by_side_of_a_procedure_shows_other_methods(client: TestClient) -> None:
    """Finding 3: "Side by side" of the Morton's neurectomy (whose alternatives are not procedures of their own)
    showed only "This plan" under the heading "the same nerve(s) interrupted in different ways"."""
    html = client.get("/plan", params={"procedure": "mortons_neurectomy", "side": "left"}).text
    columns = _compare_columns(html)
    assert columns[0] == "This plan"
    assert len(columns) >= 3, columns
    assert any("phenol" in c for c in columns[1:]), columns
    assert any("decompression" in c for c in columns[1:]), columns


def test_4_ambiguous_code_resolved_by_the_plans_condition(atlas) -> None:  # type: ignore[no-untyped-def]
    """Finding 4: G57.62 fits several conditions (Morton's neuroma of three web spaces, Baxter's neuropathy); a plan
    made for the third web space left the indication 'conditional: record which one' though the plan says which."""
    assert len(find("G57.62")) > 1
    plan = PlanRequest.build(
        condition="mortons_neuroma_third_web_space", side="left", patient={"diagnosis": "G57.62", "side": "left"}
    ).run(atlas)
    indication = next(r for r in plan.candidacy.reasons if r.rule == "indication")
    assert indication.verdict == "favourable", indication.text
    assert "third web space" in indication.text
    # without a condition on the plan the code stays ambiguous
    plain = PlanRequest.build("mortons_neurectomy", side="left", patient={"diagnosis": "G57.62"}).run(atlas)
    assert next(r for r in plain.candidacy.reasons if r.rule == "indication").verdict == "conditional"


def test_4_condition_stands_for_a_missing_diagnosis(atlas) -> None:  # type: ignore[no-untyped-def]
    """Finding 4/7: a plan made for a condition with no diagnosis recorded said 'Diagnosis not recorded'."""
    plan = PlanRequest.build(condition="mortons_neuroma_third_web_space", side="left", patient={"age": 50}).run(atlas)
    indication = next(r for r in plan.candidacy.reasons if r.rule == "indication")
    assert "not recorded" not in indication.text and indication.verdict == "favourable", indication.text


def test_5_code_for_another_organ_does_not_set_the_side(atlas) -> None:  # type: ignore[no-untyped-def]
    """Finding 5: a Morton's neurectomy with diagnosis H81.01 (Meniere's disease, right ear) silently operated on
    the right foot. The side must stay unconfirmed (asked for), the verdict not indicated."""
    plan = PlanRequest.build("mortons_neurectomy", patient={"diagnosis": "H81.01"}).run(atlas)
    assert any("Side not confirmed" in w for w in plan.warnings), plan.warnings
    assert not any("right" in w and "H81.01" in w for w in plan.warnings), plan.warnings
    assert plan.candidacy.verdict == "not indicated"
    # a code for the condition the procedure treats still gives the side
    own = PlanRequest.build("mortons_neurectomy", patient={"diagnosis": "G57.62"}).run(atlas)
    assert {c["side"] for c in own.to_dict()["cuts"]} == {"left"}
    assert not any("Side not confirmed" in w for w in own.warnings), own.warnings


def test_6_male_and_pregnant_is_refused_naming_both_fields(client: TestClient) -> None:
    """Finding 6: sex = male with pregnant = true was accepted without a word."""
    with pytest.raises(ValidationError, match=r"(?s)sex.*pregnant"):
        Patient(sex="male", pregnant=True)
    Patient(sex="female", pregnant=True)
    Patient(sex="male", pregnant=False)
    with pytest.raises(RequestError, match=r"(?s)sex.*pregnant"):
        PlanRequest.build("lfcn_neurectomy", side="left", patient={"sex": "male", "pregnant": True})
    r = client.get("/plan", params={"procedure": "lfcn_neurectomy", "side": "left", "sex": "male", "pregnant": "yes"})
    assert r.status_code == 422
    assert "sex is male but pregnant is true" in r.text


def test_7_plan_form_has_one_diagnosis_field_that_says_what_the_rules_read(client: TestClient) -> None:
    """Finding 7: the patient form had three overlapping fields ('…or a condition', 'Indication', 'Diagnosis') and
    did not say which one the rules use; a plan made for a condition said 'Diagnosis not recorded'."""
    html = client.get(
        "/plan", params={"condition": "mortons_neuroma_third_web_space", "side": "left", "age": "50"}
    ).text
    assert len(re.findall(r'<input name="diagnosis"', html)) == 1
    assert not re.search(r'<input name="indication"(?![^>]*type="hidden")', html)
    assert re.search(r"Diagnosis — the one the candidacy rules read", html)
    assert "Diagnosis not recorded" not in html


def test_11_registry_case_page_says_sex_not_recorded_and_no_doubled_side(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Finding 11: the registry case page read 'born 1969, unknown' for a sex not recorded, and 'left (left)' for an
    indication that already names the side."""
    from tests import test_registry_support as sup
    from tests.test_registry_support import csrf_of, signed_in

    engine = next(sup.engine_for(sup.BACKENDS[0], tmp_path))
    sup.users(engine)
    app = create_app()
    app.state.registry_engine = engine
    c = signed_in(app, "clinician_a")
    form = c.get("/registry/cases/new")
    r = c.post(
        "/registry/cases",
        data={
            "csrf_token": csrf_of(form.text),
            "pseudonym": "R18-1",
            "birth_year": "1969",
            "sex": "unknown",
            "indication": "meralgia paresthetica, left",
            "side": "left",
            "notes": "",
        },
    )
    assert r.status_code == 303, r.text
    page = c.get(r.headers["location"]).text
    assert "born 1969, sex not recorded" in page
    assert "born 1969, unknown" not in page
    assert re.search(r"<strong>Indication</strong> meralgia paresthetica, left(?! \(left\))", page)


def test_11_alternatives_listed_once_and_unknown_nerve_suggests_once(client: TestClient, atlas) -> None:  # type: ignore[no-untyped-def]
    """Finding 11: 'Alternatives to consider' listed the neurolytic block twice in different words; an unknown nerve's
    error said 'did you mean' twice (sentence and chips); the nerve datalist sorted T10 before T2."""
    plan = PlanRequest.build("mortons_neurectomy", side="left", patient={"pain_nrs": 7}).run(atlas)
    heads = [a.split(" (")[0].lower() for a in plan.candidacy.alternatives]
    assert heads.count("neurolytic block") == 1, plan.candidacy.alternatives
    html = client.get("/cut", params={"nerve": "nonexistent nerv"}).text
    assert html.lower().count("did you mean") == 1
    page = client.get("/plan").text
    datalist = page[page.index('<datalist id="nerve-names">') :]
    names = re.findall(
        r'<option value="anterior ramus of spinal nerve (T\d+)">', datalist[: datalist.index("</datalist>")]
    )
    assert names.index("T2") < names.index("T10") < names.index("T12"), names


def test_10_strength_flag_says_remains_not_left(client: TestClient) -> None:
    """Finding 10: the Cut page's strength table read 'ankle dorsiflexion: 0% left', which reads as the side."""
    html = client.get("/cut", params={"nerve": "common fibular nerve", "at": "fibular neck"}).text
    assert "ankle dorsiflexion: 0% remains" in html
    assert not re.search(r"\d% left;", html)


def test_11_recovery_chart_axes_are_titled_in_percent(atlas) -> None:  # type: ignore[no-untyped-def]
    """Finding 11: the Plan page's recovery chart had an untitled y axis of bare fractions (0.0-1.0) and crowded
    year ticks."""
    from neurectomy.web import views

    plan = PlanRequest.build("lfcn_neurectomy", side="left").run(atlas)
    enc = views.timeline_spec(plan)["spec"]["encoding"]  # type: ignore[index]
    assert enc["y"]["title"] and enc["y"]["axis"]["format"] == "%"
    assert enc["x"]["axis"]["tickCount"] <= 6
