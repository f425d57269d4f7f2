"""Review 18c (core): a named procedure combined with extra cuts, internal codes shown to users, a candidacy that
contradicted itself, a Find link named after another condition's procedure, the Atlas tree's order and its
suggestions, and the course drawing's wording. Each test's docstring names the bug it catches."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import neurectomy
from neurectomy.names import RequestError
from neurectomy.requests import PlanRequest
from neurectomy.web.app import create_app


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


# --------------------------------------------------------------------------- finding 1: procedure + also, side kept
@pytest.mark.parametrize("extra", ["right: ulnar nerve", "right: lateral cutaneous nerve of thigh", "ulnar nerve"])
def test_a_procedure_refuses_further_cuts_in_the_core(extra: str) -> None:
    """``PlanRequest.build('lfcn_neurectomy', also=['right: ulnar nerve'])`` was accepted: the plan, titled
    "lateral femoral cutaneous neurectomy", also cut an unrelated nerve (and the procedure's own nerve again). A
    named procedure makes its own cuts, so extra cuts beside it are refused, naming the field ``also``."""
    with pytest.raises(RequestError) as caught:
        PlanRequest.build("lfcn_neurectomy", side="left", also=[extra])
    assert caught.value.field == "also"
    assert "makes its own cuts" in caught.value.message
    with pytest.raises(RequestError):
        neurectomy.plan("lfcn_neurectomy", side="left", also=[extra])


def test_a_side_prefix_is_never_replaced_by_the_plans_side(atlas) -> None:
    """The first cut of a plan was handed to the planner as ``nerve`` with the plan's side, so "right: ulnar
    nerve" became a left cut whenever it came first (as it did beside a procedure). Every cut now keeps its own
    side: a plan whose only cuts are given as ``also``/cuts is planned with each cut's side."""
    from neurectomy.lesion import Cut

    request = PlanRequest(None, (Cut("ulnar nerve", side="right"), Cut("sural nerve", side="left")), "left")
    sides = {c["nerve"]["name"]: c["side"] for c in request.run(atlas).cuts}
    assert sides == {"ulnar nerve": "right", "sural nerve": "left"}
    plan = neurectomy.plan(nerve="sural nerve", side="left", also=["right: ulnar nerve"])
    assert {c["nerve"]["name"]: c["side"] for c in plan.cuts} == {"sural nerve": "left", "ulnar nerve": "right"}


def test_the_cli_refuses_a_procedure_with_further_cuts(capsys) -> None:
    """``neurectomy plan -p lfcn_neurectomy --also 'right: ulnar nerve'`` had no --also at all (the CLI could not
    plan extra cuts that the API and the web took) and the API combined them with the procedure. The CLI now takes
    --also beside --nerve and refuses it beside a procedure with the same message (exit 2)."""
    from neurectomy.cli import run

    assert run(["plan", "-p", "lfcn_neurectomy", "--side", "left", "--also", "right: ulnar nerve"]) == 2
    assert "makes its own cuts" in capsys.readouterr().err
    assert run(["plan", "-n", "sural nerve", "--side", "left", "--also", "right: ulnar nerve", "--json"]) == 0
    import json

    cuts = json.loads(capsys.readouterr().out)["cuts"]
    assert {c["nerve"]["name"]: c["side"] for c in cuts} == {"sural nerve": "left", "ulnar nerve": "right"}


def test_the_web_refuses_a_procedure_with_further_cuts(client: TestClient) -> None:
    """/api/plan (GET and POST) and the Plan page answered 200 for a procedure with ``also``, the also-cut's
    "right:" dropped. They now answer 422 naming the field ``also``."""
    query = {"procedure": "lfcn_neurectomy", "side": "left", "also": "right: ulnar nerve"}
    r = client.get("/api/plan", params=query)
    assert r.status_code == 422, r.text
    assert "also" in r.text and "makes its own cuts" in r.text
    r = client.post("/api/plan", json={**query, "also": ["right: ulnar nerve"]})
    assert r.status_code == 422, r.text
    page = client.get("/plan", params=query)
    assert page.status_code == 422
    assert 'data-field="also"' in page.text and "makes its own cuts" in page.text
    assert "left ulnar nerve" not in page.text


# --------------------------------------------------------------------------- finding 2: no internal codes shown
_CODE = r"(?<![/=&?\w.-])[a-z0-9]+_[a-z0-9_]+\b(?![/.])|\w+\.yaml\b|\w+\.csv\b|\b(?:gray|moore|netter|bogduk)\w*\d+\b"
_MERALGIA = {
    "procedure": "lfcn_neurectomy",
    "side": "left",
    "age": "50",
    "sex": "female",
    "block_relief": "80",
    "pain_nrs": "8",
    "pain_months": "12",
    "failed": "physiotherapy\nacupuncture",
    "comorbidities": "blorp syndrome",
}


def _visible_text(html: str) -> str:
    import html as h
    import re

    html = re.sub(r"<script.*?</script>|<style.*?</style>|<img[^>]*>|<(select|datalist).*?</\1>", " ", html, flags=re.S)
    return h.unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_plan_page_and_report_show_no_file_or_field_keys(client: TestClient) -> None:
    """The Plan page and the consent/plan report showed "procedures_data.yaml lfcn_neurectomy alternatives",
    "failed_treatments: … candidacy_data.yaml" and "goal: pain_relief". Sources now read as the procedure and its
    evidence rows, patient facts by their labels ("Goal: pain relief"), and no file or field key is shown."""
    import re

    for path in ("/plan", "/plan/report.html"):
        r = client.get(path, params=_MERALGIA)
        assert r.status_code == 200, path
        text = _visible_text(r.text)
        assert re.findall(_CODE, text) == [], path
        assert "Goal: pain relief" in text, path
        assert "lateral femoral cutaneous neurectomy (sources: E001" in text, path


def test_no_rule_source_or_not_used_entry_names_a_file_or_field() -> None:
    """Every named procedure, with a record that fills every field: no reason text, source, not-used entry, risk
    source or basis names a data file, a field key or an atlas reference key (they read "bogduk_cervical1982",
    "(accepts_motor_loss: true)", "(accepts_compensatory_sweating)", "candidacy_data.yaml")."""
    import re

    from neurectomy.procedures import load_procedures

    facts = {
        "goal": "pain_relief",
        "pain_nrs": 8,
        "pain_months": 12,
        "failed_treatments": ["physiotherapy", "acupuncture", "none"],
        "diagnostic_block_relief": 0.8,
        "age": 15,
        "sex": "female",
        "medications": ["zorbitide", "no aspirin"],
        "comorbidities": ["blorp", "no diabetes"],
        "indication": "x",
        "hdss": 3,
        "entrapment": True,
        "spasticity_mas": 3,
        "vertigo_functional_level": 4,
        "hearing_serviceable": True,
        "other_ear_normal": True,
        "accepts_motor_loss": False,
        "numbness_acceptable": True,
        "diagnosis": "M54.81",
    }
    found = []
    for pid in load_procedures():
        p = neurectomy.plan(pid, side="left", patient=facts)
        c = p.candidacy
        assert c is not None
        texts = [x.text for x in c.reasons] + [x.source for x in c.reasons] + [*c.not_used, *c.alternatives]
        texts += [r["source"] for r in p.risks] + [r["basis"] or "" for r in p.risks]
        found += [(pid, m, t[:100]) for t in texts for m in re.findall(_CODE, t)]
    assert found == []
