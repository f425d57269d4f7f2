"""Review 18c (core): a named procedure combined with extra cuts, internal codes shown to users, a candidacy that
contradicted itself, a Find link named after another condition's procedure, the Atlas tree's order and its
suggestions, and the course drawing's wording. Each test's docstring names the bug it catches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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


# --------------------------------------------------------------------------- finding 3: candidacy consistent
def _lfcn(**facts: object) -> Any:
    base: dict[str, object] = {"pain_nrs": 8, "pain_months": 12, "age": 50, "failed_treatments": ["physiotherapy"]}
    return neurectomy.plan("lfcn_neurectomy", side="left", patient={**base, **facts})


def test_a_recorded_diagnostic_block_is_the_injection_tried() -> None:
    """An LFCN plan with a diagnostic block of 80% relief had the block rule favourable yet "other treatments
    failed" conditional with "Not yet tried: a local anaesthetic/steroid injection". The block is a local
    anaesthetic injection of the nerve: it now counts as the injection tried, and the text says that a therapeutic
    steroid injection is a separate treatment (still an alternative). Without a block the injection is still
    asked for."""
    c = _lfcn(diagnostic_block_relief=0.8).candidacy
    assert c is not None
    rules = {x.rule: x for x in c.reasons}
    assert rules["diagnostic_block"].verdict == "favourable"
    tried = rules["other_treatments_failed"]
    assert tried.verdict == "favourable" and "Not yet tried" not in tried.text
    assert "diagnostic block recorded (80% relief" in tried.text and "steroid injection is a separate" in tried.text
    without = {x.rule: x for x in _lfcn().candidacy.reasons}["other_treatments_failed"]
    assert without.verdict == "conditional" and "injection" in without.text


def test_weight_loss_and_looser_clothing_are_conservative_treatment_for_meralgia() -> None:
    """The entry "weight loss" (a standard conservative measure for meralgia paresthetica) was dropped as not
    understood.
    Weight loss and looser clothing or belts are now in the treatment vocabulary, each with a source (an estimate
    with its reason: no row of the evidence set reports them), and count as conservative treatment for the LFCN."""
    from neurectomy.candidacy import load_rules

    c = _lfcn(failed_treatments=["weight loss", "looser belts"], diagnostic_block_relief=0.8).candidacy
    assert c is not None and c.not_used == ()
    tried = {x.rule: x for x in c.reasons}["other_treatments_failed"]
    assert tried.verdict == "favourable" and "weight loss" in tried.text and "looser clothing or belts" in tried.text
    terms = {t.key: t for t in load_rules().treatments}
    assert all(terms[k].source and terms[k].source.startswith("estimate: ") for k in ("weight_loss", "loose_clothing"))


def test_each_alternative_is_listed_once() -> None:
    """The list "Alternatives to consider" listed the injection twice ("a local anaesthetic/steroid injection of the
    nerve"
    and "local anaesthetic and steroid injection") and the decompression twice ("lateral femoral cutaneous nerve
    decompression" and "decompression (neurolysis) of the entrapped nerve"). Each kind is now listed once, the
    procedure's own wording kept."""
    c = _lfcn(entrapment=True, failed_treatments=["none"]).candidacy
    assert c is not None
    shown = " | ".join(c.alternatives)
    assert sum("injection" in a and "neurolytic" not in a for a in c.alternatives) == 1, shown
    assert sum("decompression" in a for a in c.alternatives) == 1, shown
    assert "lateral femoral cutaneous nerve decompression" in c.alternatives
    assert "local anaesthetic and steroid injection" in c.alternatives


# --------------------------------------------------------------------------- finding 4: Find links by indication
def test_find_never_opens_another_conditions_procedure(client: TestClient) -> None:
    """Find "palmar sweating": result 3 (the nerve of Kuntz and the T1-T2 trunk) opened as "endoscopic thoracic
    sympathicotomy at T2 for facial blushing", a plan named after another condition's operation. A named procedure
    is now offered as such only when it treats what was asked; otherwise the link opens the cuts themselves and
    says whose cuts they are and what that procedure is done for. The palmar operation still opens as itself."""
    import html
    import re

    page = client.get("/find", params={"function": "palmar sweating"}).text
    links = [(html.unescape(a), t) for a, t in re.findall(r'class="button open-plan" href="([^"]+)">([^<]+)<', page)]
    assert links, page[:500]
    assert not any("procedure=ets_r2_facial_blushing" in a for a, _ in links)
    assert not any(
        t.strip() == "Open as plan: endoscopic thoracic sympathicotomy at T2 for facial blushing" for _, t in links
    )
    assert any("procedure=ets_r3_palmar_hyperhidrosis" in a for a, _ in links)
    blushing = [(a, t) for a, t in links if "facial blushing" in t]
    assert blushing, links  # the T2 answer is still found, and labelled as the other operation's cuts
    assert all("nerve=" in a and "the cuts only" in t and "which is done for facial blushing" in t for a, t in blushing)


# --------------------------------------------------------------------------- finding 5: Atlas tree and suggestions
def test_the_atlas_tree_is_in_anatomical_order(client: TestClient) -> None:
    """The Atlas page's tree listed its top level alphabetically (C1-C8, Co1, L1-L5, S1-S5, T1-T12, then the
    cranial nerves by name). It is now the cranial nerves I-XII by number, then the spinal nerves C, T, L, S, Co."""
    from neurectomy.web.routes.pages import _tree

    page = client.get("/atlas").text
    tree = page[page.index('class="tree-root"') :]
    roots = [n["id"] for n in _tree(client.app.state.atlas)]  # type: ignore[attr-defined]
    where = [tree.index(f'href="/atlas/nerves/{r}"') for r in roots]
    assert where == sorted(where)  # the page shows the roots in this order
    assert roots[:4] == ["oculomotor_nerve", "trochlear_nerve", "trigeminal_nerve", "abducens_nerve"], roots
    assert roots.index("vagus_nerve") < roots.index("accessory_nerve") < roots.index("hypoglossal_nerve")
    spinal = [t.removeprefix("spinal_nerve_") for t in roots if t.startswith("spinal_nerve_")]
    assert spinal[7:10] == ["c8", "t1", "t2"] and spinal[-7:] == ["l5", "s1", "s2", "s3", "s4", "s5", "co1"], spinal
    assert roots.index("hypoglossal_nerve") < roots.index("spinal_nerve_c1")


def test_suggestions_for_a_typo_rank_the_right_nerve_by_its_shown_name(client: TestClient) -> None:
    """For "ulnr nerve" the "did you mean" offered "L1 nerve, L2 nerve, L3 nerve": names the tree does not show
    (it says "spinal nerve L1"), suggested only for sharing the word "nerve". Suggestions now weigh the telling
    words, put "ulnar nerve" first, and are given by the names the tree shows."""
    from neurectomy.names import suggest

    assert suggest("ulnr nerve", ["ulnar nerve", "L1 nerve", "L2 nerve", "L3 nerve", "sural nerve"]) == ["ulnar nerve"]
    import re

    for url in ("/atlas/nerves/ulnr%20nerve", "/plan?nerve=ulnr+nerve"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "L1 nerve" not in r.text and "L2 nerve" not in r.text and "ulnar nerve" in r.text, url
    r = client.get("/plan", params={"nerve": "ulnr nerve"})
    chips = re.findall(r'data-value="([^"]+)"', r.text)
    assert chips and chips[0] == "ulnar nerve", chips
    r = client.get("/plan", params={"nerve": "L1 nrve"})
    chips = re.findall(r'data-value="([^"]+)"', r.text)
    assert "spinal nerve L1" in chips and "L1 nerve" not in chips, chips


# --------------------------------------------------------------------------- finding 6: the course drawing
def _lines_of(svg: str) -> list[str]:
    import html
    import re

    return [html.unescape(t) for t in re.findall(r">([^<]+)</text>", svg)]


def test_the_way_from_the_roots_names_each_junction_at_its_own_nerve(atlas) -> None:
    """The common fibular nerve's course read "lumbosacral trunk with fibres from … S1, S2, S3": each ancestor was
    drawn with the nerves that join the nerve *below* it. The lumbosacral trunk is L4-L5 (joined by L4's ramus);
    S1-S3 join the sciatic nerve in the sacral plexus. Each step now shows its own segments and its own joins."""
    from neurectomy.course import course_svg

    lines = _lines_of(course_svg(atlas, "common fibular nerve"))
    trunk = lines.index("lumbosacral trunk (L4, L5)")
    sciatic = lines.index("sciatic nerve (L4, L5, S1, S2)")  # the segments that reach it (review 18d)
    between = " ".join(lines[trunk:sciatic])
    assert "S1" not in between and "S3" not in between and "spinal nerve L4" in between
    assert "spinal nerve S2" in " ".join(lines[sciatic : sciatic + 4])
    assert "Roots: L4, L5, S1, S2" in lines


def test_the_legend_shows_only_what_is_drawn(atlas) -> None:
    """On the Atlas page (no cut) the course legend still showed "lost…" and "the cut", and the open circles that
    end each branch had no legend entry. The legend now lists only what is drawn, the open circle included."""
    from neurectomy.api import lesion
    from neurectomy.course import course_svg

    plain = " ".join(_lines_of(course_svg(atlas, "common fibular nerve")))
    assert "lost" not in plain and "the cut" not in plain
    assert "open circle: a branch" in plain
    cut = " ".join(_lines_of(course_svg(atlas, "common fibular nerve", lesion("common fibular nerve", mm=50))))
    assert "lost: distal to the cut" in cut and "the cut" in cut and "open circle" in cut


def test_a_number_stays_with_its_unit_in_labels(atlas, client: TestClient) -> None:
    """Course labels broke as "(40" / "mm)". A number and its unit now stay on one line, in the drawing and on the
    course the Atlas nerve page shows (/api/atlas/nerves/…/course.svg)."""
    from neurectomy.course import course_svg
    from neurectomy.svgtext import wrap

    assert all(
        not line.startswith(("mm", "(mm")) for line in wrap("medial border of biceps femoris tendon (40 mm)", 150, 12)
    )
    for name in ("common fibular nerve", "median nerve", "sciatic nerve", "ulnar nerve"):
        lines = _lines_of(course_svg(atlas, name))
        assert not [x for x in lines if x.split()[0] in ("mm", "mm)", "mm),")], name
    served = client.get("/api/atlas/nerves/common_fibular_nerve/course.svg").text
    assert "(40 mm)" in served and ">mm)</text>" not in served
