"""The time course follows the evidence printed beside it (issue 16): method- and site-specific durations,
site-specific neuroma risk, end treatments as relative risks or "no proven effect", recurrence after "permanent"
procedures, and pain over the painful region only."""

from __future__ import annotations

import csv
import json
import re

import numpy as np
import pytest

import neurectomy
from neurectomy.calibration import COURSES, OUTCOMES, SITE_RISKS, course, site_risk
from neurectomy.evidence import load_evidence
from neurectomy.methods import END_TREATMENTS, METHODS, get_end_treatment, get_method, neuroma_risk
from neurectomy.procedures import load_procedures
from neurectomy.regrowth.kinetics import curves, method_parameters, method_response, method_spread

from .conftest import SHARED

MONTH = 365.25 / 12
DAYS = np.arange(0.0, 3000.0, 1.0)
_IDS = re.compile(r"\bE\d{3}\b")


def relief(method: str, site: str | None, distance_mm: float) -> np.ndarray:
    """Fraction of patients still relieved by a tube-sparing block, day by day, at a target ``distance_mm`` away."""
    m = get_method(method)
    c = curves(DAYS, [1.0], [distance_mm], **method_parameters(m, site=site), latency_spread=method_spread(m, site))
    assert c.arrived is not None
    return method_response(m, site) * (1.0 - c.arrived[0])


def median_day(surviving: np.ndarray) -> float:
    return float(DAYS[np.argmax(surviving <= 0.5 * surviving[0])])


def course_at(plan, day: float) -> float:
    return float(np.interp(day, plan.timeline.days, plan.timeline.indication.values))


def target_curve(plan, target_id: str, what: str = "function") -> np.ndarray:
    tl = plan.timeline
    rows = [i for i, t in enumerate(tl.target_ids) if t == target_id]
    assert rows, target_id
    return getattr(tl.curves, what)[rows[0]]


# --------------------------------------------------------------------------- 1. per-method, per-site fits
def test_neurolytic_methods_no_longer_share_parameters():
    """Bug caught: phenol, alcohol, cryoneurolysis and radiofrequency built from the same constants, so their
    curves and cohorts were identical whatever the evidence said."""
    keys = ("phenol", "alcohol", "cryoneurolysis", "radiofrequency")
    fingerprints = set()
    for key in keys:
        fit = course(key, "*")
        assert fit is not None
        fingerprints.add((fit.latency.value, fit.latency.interval, fit.spread.value, fit.spread.interval))
    assert len(fingerprints) == len(keys)
    latencies = {
        key: method_parameters(get_method(key))["latency_days"]
        for key in ("phenol", "cryoneurolysis", "radiofrequency")
    }
    assert len(set(latencies.values())) == 3


def test_lumbar_rf_relief_lasts_about_15_months_not_90_days():
    """Bug caught: ``plan -p "lumbar medial branch radiofrequency neurotomy"`` had facet pain back to 1.0 by day 90
    while citing E073 (relief lasted 15 months)."""
    plan = neurectomy.plan("lumbar_medial_branch_rf_neurotomy", years=3)
    assert course_at(plan, 90) < 0.5
    assert course_at(plan, 30) == pytest.approx(1 - 0.582, abs=0.01)  # E072: the fraction relieved at all
    survived = relief("radiofrequency", "facet_lumbar", 12.0)
    assert median_day(survived) / MONTH == pytest.approx(15.0, abs=0.5)  # E073
    assert survived[int(6 * MONTH)] == pytest.approx(0.555, abs=0.01)  # E072, mean of 58% and 53%


def test_cryoneurolysis_median_relief_is_11_days_peripherally_and_months_at_the_facet():
    """Bug caught: cryoneurolysis recovering over months everywhere while E157 gives a median of 11 days; or the
    facet-site series (E138/E139: relief for months) forced onto the same curve."""
    peripheral = relief("cryoneurolysis", None, 0.0)
    assert median_day(peripheral) == pytest.approx(11.0, abs=1.0)
    facet = relief("cryoneurolysis", "facet_lumbar", 12.0)
    assert facet[42] == pytest.approx(0.72, abs=0.02)  # E138
    assert facet[365] == pytest.approx(1 - 4.2 / 7.7, abs=0.02)  # E139


def test_phenol_lasts_a_mean_164_days_and_a_local_anaesthetic_block_hours():
    """Bug caught: phenol's duration not the 164.5-day mean of E094; a diagnostic (local anaesthetic) block fitted
    to E095's 9.1 days, which is an effect on spasticity, while the plan says it blocks conduction for hours
    (review 16, finding 5)."""
    phenol = relief("phenol", None, 90.0) / method_response(get_method("phenol"))
    assert phenol.sum() == pytest.approx(164.5, rel=0.02)
    block = relief("diagnostic_block", None, 0.0)
    assert block[1] < 0.05  # back by the next day in (nearly) everyone


def test_genicular_rf_is_shorter_than_lumbar_and_fits_e101_e103():
    """Bug caught: one radiofrequency curve for every site although conventional genicular RF gives >50% relief
    for a mean 2.6 months with 8.8% left at 12 months (E101, E103) against 15 months at the lumbar facets."""
    knee = relief("radiofrequency", "genicular", 71.4)
    assert knee[:365].sum() / MONTH == pytest.approx(2.6, abs=0.1)
    assert knee[365] == pytest.approx(0.088, abs=0.01)
    assert relief("radiofrequency", "facet_lumbar", 12.0)[365] > 3 * knee[365]


def test_evidence_site_distances_are_the_atlas_distances(atlas):
    """Bug caught: a fitted latency computed with an evidence-site distance that is not the atlas's distance for the
    same cut (then the model would not reproduce the row it was fitted to)."""
    cases = {
        ("radiofrequency", "facet_lumbar"): ("lumbar_medial_branch_rf_neurotomy", "facet_joint_l4_l5"),
        ("radiofrequency", "facet_cervical"): ("cervical_medial_branch_rf_neurotomy", "facet_joint_c3_c4"),
        ("radiofrequency", "genicular"): ("genicular_nerve_rf_neurotomy", "knee_joint"),
        ("phenol", "*"): ("obturator_phenol_neurolysis", "adductor_longus"),
    }
    for (method, site), (procedure, target) in cases.items():
        fit = course(method, site)
        assert fit is not None and fit.site == site
        tl = neurectomy.plan(procedure, atlas=atlas).timeline
        assert tl.distance_mm[tl.target_ids.index(target)] == pytest.approx(fit.evidence_distance.value, abs=0.1)


def test_every_fitted_parameter_has_evidence_or_a_reason_and_an_interval():
    """Bug caught: a parameter with no source, a source citing a row that does not exist, or a fitted value with no
    uncertainty (or outside its own interval)."""
    ids = {r.id for r in load_evidence()}
    params = []
    for c in COURSES:
        params += [c.response, c.latency, c.spread]
    for s in SITE_RISKS:
        params += [s.neuroma, s.deafferentation] + ([s.ceiling] if s.ceiling else [])
    for o in OUTCOMES:
        params.append(o.failure)
        if o.recurrence:
            params += [o.recurrence.plateau, o.recurrence.scale, o.recurrence.shape]
    for e in END_TREATMENTS.values():
        params.append(e.neuroma_factor)
    for m in METHODS.values():
        params += [p for p in (m.regrowth_rate, m.regrowth_latency, m.reinnervation_ceiling, m.neuroma_risk) if p]
    for p in params:
        cited = set(_IDS.findall(p.source))
        assert cited or re.match(
            r"(estimate|not reported|not applicable|not modelled|no proven effect|seed)", p.source
        ), p
        assert cited <= ids, (cited - ids, p)
        lo, hi = p.interval
        assert lo <= p.value <= hi, p
        if cited and not p.source.startswith("not") and p.value not in (0.0, 1.0):
            assert p.low is not None and p.high is not None, p  # a fitted number carries its uncertainty


def test_quoted_figures_are_in_the_shared_rows():
    """Bug caught: a number attributed to an evidence row that the row does not contain (an invented citation).
    Every "E…: <number>" in a fit's source must appear in that row's value or verbatim quote."""
    with (SHARED / "evidence.csv").open(encoding="utf-8", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    claims = {
        "E073": "15",
        "E072": "58",
        "E094": "164.5",
        "E095": "9.1",
        "E157": "11",
        "E156": "52",
        "E101": "2.6",
        "E103": "8.8",
        "E138": "72",
        "E139": "7.7",
        "E183": "41",
        "E034": "81.8",
        "E027": "15.0",
        "E040": "87",
        "E085": "61",
        "E086": "1/16",
        "E057": "8.2",
        "E058": "72",
        "E132": "13-32",
        "E133": "30-40",
        "E135": "25",
        "E134": "73-81",
        "E068": "92",
        "E001": "71%-96%",
        "E005": "0%-2%",
        "E063": "P = 0.06",
        "E196": "47.66",
        "E197": "21.47",
        "E191": "43.5",
        "E192": "53.1",
    }
    for rid, figure in claims.items():
        row = rows[rid]
        assert figure in row["value"] or figure in row["quote"], (rid, figure)


# --------------------------------------------------------------------------- 2. neuroma and deafferentation by site
def test_vestibular_neurectomy_has_no_neuroma_rate(atlas):
    """Bug caught: a vestibular neurectomy (through the central processes) printed "Neuroma risk by 5 years: 22%"
    from an amputation figure (E132)."""
    plan = neurectomy.plan("vestibular_neurectomy", years=5, atlas=atlas)
    tl = plan.timeline
    assert set(tl.sites) == {"central_process"}
    assert tl.neuroma_summary() == ("not applicable", 0.0)
    assert not tl.curves.deafferentation_risk.any()
    for row in tl.to_dict()["targets"]:
        assert row["neuroma_status"] == "not applicable" and row["pain"] is None


@pytest.mark.parametrize(
    ("kwargs", "site", "status"),
    [
        ({"procedure": "ets_r3_palmar_hyperhidrosis"}, "autonomic", "not reported"),
        ({"procedure": "presacral_neurectomy"}, "autonomic", "not reported"),
        ({"procedure": "selective_tibial_neurotomy"}, "motor_branch", "not reported"),
        ({"nerve": "zygomatic branches of facial nerve"}, "motor_branch", "not reported"),
        ({"procedure": "mortons_neurectomy"}, "interdigital", "rate"),
        ({"nerve": "sural nerve"}, "peripheral", "rate"),
    ],
)
def test_neuroma_risk_depends_on_the_site(atlas, kwargs, site, status):
    """Bug caught: one neuroma risk (0.225, from amputees) applied to every surgical cut: the sympathetic trunk, the
    presacral plexus and purely motor branches got 16%, the sural nerve and a Morton's stump the amputation rate."""
    plan = neurectomy.plan(**kwargs, years=5, atlas=atlas)
    tl = plan.timeline
    assert set(tl.sites) == {site}
    got_status, risk = tl.neuroma_summary()
    assert got_status == status
    expected = neuroma_risk(plan.method, plan.end_treatments, site)
    assert risk == pytest.approx(expected, abs=1e-3)
    if status != "rate":
        assert risk == 0.0
    assert site_risk("amputation").neuroma.value > site_risk("interdigital").neuroma.value > expected - 1e-9 or (
        site == "interdigital"
    )


def test_site_neuroma_rates_are_the_rows():
    """Bug caught: the Morton's stump neuroma rate not E057's 8.2%, the amputation rate outside E132's and E133's
    ranges, or a peripheral cut given the amputation rate."""
    assert site_risk("interdigital").neuroma.value == pytest.approx(0.082)
    amputation = site_risk("amputation").neuroma.value
    assert 0.13 <= amputation <= 0.32 and 0.30 <= amputation <= 0.40 and amputation > 0.25  # E132, E133, E135
    assert 0.02 <= site_risk("peripheral").neuroma.value <= 0.60  # E169
    assert site_risk("peripheral").neuroma.value < site_risk("interdigital").neuroma.value < amputation


def test_end_treatments_are_relative_risks_from_comparisons_or_no_proven_effect():
    """Bugs caught: cautery 0.7 (an estimate though E134 finds no difference between techniques), burying 0.6
    ("changes pain little"), traction 0.8 (citing 42% recurrence, above the base rate), RPNI 0.3 (a 71% pain
    reduction) and TMR 0.25 (a ratio of median pain scores) used as relative risks of a neuroma."""
    for key in ("cautery", "capping", "burying_in_muscle", "traction", "rpni"):
        e = get_end_treatment(key)
        assert e.effect == "no proven effect" and e.neuroma_factor.value == 1.0, key
    tmr = get_end_treatment("tmr")
    assert tmr.effect == "relative risk" and tmr.neuroma_factor.value != 0.25
    lo, hi = tmr.neuroma_factor.interval
    assert lo < tmr.neuroma_factor.value < hi == 1.0  # the RCT was not significant on intention to treat
    cut = get_method("surgical_cut")
    assert neuroma_risk(cut, (get_end_treatment("cautery"),)) == neuroma_risk(cut)
    assert neuroma_risk(cut, (tmr,)) < neuroma_risk(cut)


def test_generic_plan_prints_the_site_rate_and_end_treatment_effect():
    """Bug caught: a plan's neuroma risk line citing E132 (amputees) for any nerve, or hiding that an end
    treatment has no proven effect."""
    risks = {r["name"]: r for r in neurectomy.plan(nerve="sural nerve", end_treatments=["cautery"]).risks}
    assert risks["painful neuroma"]["frequency"].startswith("2%")
    assert "cautery of the proximal end: no proven effect" in risks["painful neuroma"]["source"]
    assert "E132" not in risks["painful neuroma"]["source"]
    motor = {r["name"]: r for r in neurectomy.plan(nerve="zygomatic branches of facial nerve").risks}
    assert motor["painful neuroma"]["frequency"] == "not reported at this site"


# --------------------------------------------------------------------------- 3. recurrence after "permanent" procedures
def test_blushing_returns_in_41_percent_at_16_years(atlas):
    """Bug caught: with cautery regrowth set to zero, blushing never came back in the model while the same plan
    lists recurrence of blushing in 41% at a median 16 years (E183)."""
    plan = neurectomy.plan("ets_r2_facial_blushing", years=20, atlas=atlas)
    face = target_curve(plan, "cutaneous_vessels_of_face")
    assert face[0] == pytest.approx(0.0)
    assert float(np.interp(16 * 365.25, plan.timeline.days, face)) == pytest.approx(0.41, abs=0.01)
    assert np.all(np.diff(face) >= 0)


def test_dysmenorrhoea_recurs_after_presacral_neurectomy(atlas):
    """Bug caught: presacral neurectomy pain relieved for good although the plan lists recurrence 81.8% over 8
    years (E034); the early figures (E040 87% cured at 12 months, E027 15% failure at 34 months) kept."""
    plan = neurectomy.plan("presacral_neurectomy", years=10, atlas=atlas)
    assert course_at(plan, 365.25) == pytest.approx(0.13, abs=0.01)
    assert course_at(plan, 34 * MONTH) == pytest.approx(0.15, abs=0.01)
    assert course_at(plan, 8 * 365.25) == pytest.approx(0.818, abs=0.01)


def test_spasticity_recurs_after_tibial_neurotomy(atlas):
    """Bug caught: spasticity never returning after selective tibial neurotomy while the plan cites 61% long-term
    recurrence (E085) and 1 in 16 at 24 months (E086). The recurrence is the plan's indication course ("spasticity
    returned", a share of patients), not the calf's strength (review 16, finding 6)."""
    plan = neurectomy.plan("selective_tibial_neurotomy", years=30, atlas=atlas)
    ind = plan.timeline.indication
    assert ind is not None and ind.measure == "spasticity returned"
    assert course_at(plan, 24 * MONTH) == pytest.approx(1 / 16, abs=0.005)
    assert 0.2 < ind.values[-1] < 0.61


def test_recurrence_only_with_the_procedures_own_method(atlas):
    """Bug caught: a fitted surgical recurrence applied to the same targets blocked with phenol (the block's own
    course decides then)."""
    from neurectomy.planning import make_plan

    days = np.arange(0.0, 5 * 365.25, 30.0)
    phenol = make_plan(atlas, procedure="ets_r3_palmar_hyperhidrosis", method="phenol", days=days)
    palm = target_curve(phenol, "sweat_glands_of_palm")
    assert palm[-1] == pytest.approx(1.0)


# --------------------------------------------------------------------------- 4. pain over the painful region
def test_lfcn_pain_is_the_lateral_thigh_not_the_knee(atlas):
    """Bug caught: the LFCN plan's "pain at 1 year" averaged over every numb region (54% of before, beside the
    published 85% complete relief, E001), and the knee skin given a "pain" of 0.85."""
    plan = neurectomy.plan("lfcn_neurectomy", years=5, atlas=atlas)
    tl = plan.timeline
    assert course_at(plan, 365.25) == pytest.approx(0.15, abs=0.01)
    assert np.isnan(target_curve(plan, "skin_over_patella", "pain")).all()
    assert np.isnan(target_curve(plan, "skin_lateral_knee", "pain")).all()
    d = tl.to_dict()
    by_id = {row["target"]["id"]: row for row in d["targets"]}
    assert by_id["skin_over_patella"]["pain"] is None and by_id["skin_lateral_thigh"]["treated"]
    assert d["pain"][tl.days.tolist().index(365)] == pytest.approx(0.15, abs=0.01)
    json.dumps(d, allow_nan=False)


def test_only_pain_carrying_targets_have_pain_without_a_procedure(atlas):
    """Bug caught: muscles, sweat glands and organs of special sense given a 'pain' course; in nerve mode the pain
    is over the starred pain-carrying targets the cut takes most of, nothing else."""
    tl = neurectomy.plan(nerve="femoral nerve", atlas=atlas).timeline
    assert tl.treated.any()
    for i, group in enumerate(tl.groups):
        assert np.isnan(tl.curves.pain[i]).all() == (not tl.treated[i])
        if tl.treated[i]:
            assert group in ("sensory", "articular", "visceral")


def test_decompression_relieves_the_fitted_share_without_taking_anything(atlas):
    """Bug caught: a decompression plan with no pain course (nothing lost, so nothing modelled) beside E002's 63%
    complete relief."""
    plan = neurectomy.plan("lfcn_decompression", years=2, atlas=atlas)
    assert not plan.deficit.losses
    assert course_at(plan, 365.25) == pytest.approx(0.37)


def test_course_chart_has_no_pain_for_collateral_targets_and_no_nan(atlas):
    """Bug caught: the chart drawing a pain line for every collateral target, or writing NaN (invalid JSON) for the
    targets that have none."""
    from neurectomy.charts import PAIN, timeline_spec

    plan = neurectomy.plan("lfcn_neurectomy", years=2, atlas=atlas)
    spec = timeline_spec(plan.timeline, "LFCN")
    text = json.dumps(spec, allow_nan=False)
    pain_rows = [r for r in spec["data"]["values"] if r["measure"] == PAIN]
    assert pain_rows and {r["target"] for r in pain_rows} == {"painful region"}
    assert "skin over patella" not in {r["target"] for r in pain_rows} and text


def test_every_procedure_treats_what_it_takes(atlas):
    """Bug caught: a procedure whose treated targets (its painful region or disabled function) are not taken by its
    own cuts, so its course would be computed over nothing."""
    for pid, p in load_procedures().items():
        plan = neurectomy.plan(pid, atlas=atlas)
        if plan.method.interrupts:
            assert set(p.treats) <= set(plan.timeline.target_ids), pid
        assert plan.timeline.indication is not None and not np.isnan(plan.timeline.indication.values).any(), pid


def test_peripheral_cryo_pain_returns_in_days_whatever_the_distance(atlas):
    """Bug caught: cryoneurolysis of a long nerve (sural, 320 mm to the foot) relieving pain for most of a year
    because the pain was tied to regrowth, against E157's median of 11 days; feeling still returns by regrowth
    (E151: 1.4 mm/day), so the foot stays numb for months."""
    plan = neurectomy.plan(nerve="sural nerve", method="cryoneurolysis", years=2, atlas=atlas)
    pain = target_curve(plan, "skin_lateral_border_foot", "pain")
    function = target_curve(plan, "skin_lateral_border_foot", "function")
    days = plan.timeline.days
    assert float(np.interp(30, days, pain)) > 0.5
    assert float(np.interp(180, days, function)) == 0.0
