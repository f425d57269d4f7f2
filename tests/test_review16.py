"""The cold review of issue 16 (a pain physician's findings, /tmp/review16/findings.md): one test per finding, each
failing on the code the review ran (HEAD 56d3b7d)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import neurectomy
from neurectomy.cli import run

LFCN = {"nerve": "lateral femoral cutaneous nerve", "at": "inguinal ligament", "side": "left"}


def _at(tl, values, day: float) -> float:
    return float(np.interp(day, tl.days, values))


# --------------------------------------------------------------------------- finding 1: the painful region
def test_nerve_mode_pain_is_over_the_region_the_cut_is_aimed_at(atlas):
    """Finding 1. Bug caught: the same LFCN cut gave 15% pain at 1 year as a named procedure and 47% in nerve mode,
    because the lateral thigh (0.03) was averaged with the knee skin (0.50) and the patellar skin (0.85) it only
    partly denervates and that had no pain to treat."""
    tl = neurectomy.plan(**LFCN, method="resection", end_treatments=["cautery"], atlas=atlas).timeline
    course = tl.pain_course()
    assert course is not None and _at(tl, course, 365) < 0.1
    ids = list(tl.target_ids)
    assert tl.treated[ids.index("skin_lateral_thigh")]
    for collateral in ("skin_lateral_knee", "skin_over_patella"):
        i = ids.index(collateral)
        assert not tl.treated[i] and np.isnan(tl.curves.pain[i]).all()
    assert "more than half" in tl.pain_region and "primary failure" in tl.pain_region


def test_nerve_mode_block_applies_the_fitted_response(atlas):
    """Finding 1. Bug caught: RF of the LFCN in nerve mode showed the thigh pain-free (0.00) until day 365 although
    the fit (E072) relieves 58%: the non-responders' pain was left out."""
    from neurectomy.methods import get_method
    from neurectomy.regrowth.kinetics import method_response

    tl = neurectomy.plan(**LFCN, method="radiofrequency", atlas=atlas).timeline
    course = tl.pain_course()
    assert course is not None
    rho = method_response(get_method("radiofrequency"), tl.sites[0])
    assert rho < 0.7
    assert _at(tl, course, 30) == pytest.approx(1 - rho, abs=0.01)


def test_no_pain_over_efferent_only_viscera_or_muscles(atlas):
    """Finding 1. Bug caught: a sympathetic trunk cut printed a "heart" pain of 67% (the heart's supply here is
    sympathetic efferent only) and a motor branch a pain course; nothing is starred then."""
    from neurectomy.regrowth.kinetics import carries_pain

    tl = neurectomy.plan(nerve="sympathetic trunk T2-T3", atlas=atlas).timeline
    assert "heart" in tl.target_ids
    assert tl.pain_course() is None and not tl.treated.any() and tl.pain_region == ""
    assert not carries_pain(atlas.target("heart"))
    assert carries_pain(atlas.target("uterus"))
    assert neurectomy.plan(nerve="nerve to soleus", atlas=atlas).timeline.pain_course() is None


def test_plan_text_does_not_star_what_is_not_treated(capsys):
    """Finding 1. Bug caught: "Expected pain over the painful region (* treated)" with no row starred in nerve
    mode; the line now says what the region is."""
    assert run(["simulate", "-n", LFCN["nerve"], "--at", LFCN["at"], "--side", "left", "-m", "radiofrequency"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(* treated)" not in out
    assert "fitted fraction of responders" in out


def test_cohort_pain_at_one_year_is_not_applicable_for_a_motor_branch(atlas):
    """Finding 1 and 11. Bug caught: ``simulate cohort --nerve "nerve to soleus"`` printed "pain at 1 y" 0.66 for a
    purely motor branch, and a "not reported" neuroma rate as 0.0% (0.0%-0.8%)."""
    from neurectomy.regrowth.cohort import default_scenarios, mark_statuses, simulate_summary

    scenarios = default_scenarios(atlas, "nerve to soleus")
    summary = mark_statuses(simulate_summary(3_000, scenarios, rng=1, backend="inline"), scenarios)
    assert summary["pain_status"].str.startswith("not applicable").all()
    assert summary["pain_1y_mean"].isna().all()
    cut = summary.set_index("scenario").loc["cut"]
    assert cut["neuroma_status"] == "not reported" and np.isnan(cut["neuroma_rate"])


# --------------------------------------------------------------------------- finding 11: cohort honesty
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "at least 10 draws"),
        (["--draws", "1"], "at least 10 draws"),
        (["--n", "10"], "patients per arm"),
        (["--n", "5000"], "patients per arm"),
    ],
)
def test_cohort_refuses_what_it_cannot_estimate_in_one_line(capsys, args, message):
    """Finding 11. Bug caught: ``--draws 0`` ended in a ValueError traceback, ``--draws 1`` printed a degenerate
    "5.6%-5.6%" interval and ``--n 10`` "about 0 patients per arm" with "0.0%-0.0%" intervals."""
    code = run(["simulate", "cohort", "--inline", *args])
    captured = capsys.readouterr()
    assert code != 0
    assert message in captured.err and "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) <= 3


def test_cohort_json_is_one_object(capsys):
    """Finding 11. Bug caught: ``simulate cohort --json`` printed a JSON list although --json promises one object."""
    assert run(["simulate", "cohort", "--n", "3000", "--inline", "--fixed", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, dict) and {"nerve", "n", "interval", "arms"} <= set(data)
    assert len(data["arms"]) == 6 and all("neuroma_status" in a for a in data["arms"])


# --------------------------------------------------------------------------- finding 12: smaller
def test_simulate_years_20_shows_the_later_times(capsys):
    """Finding 12. Bug caught: ``simulate --years 20`` stopped its text table at 1825 d."""
    assert run(["simulate", "-p", "lfcn_neurectomy", "--side", "left", "--years", "20"]) == 0
    out = capsys.readouterr().out
    assert "7305 d" in out and "3650 d" in out


# --------------------------------------------------------------------------- finding 4: model check honesty
@pytest.fixture(scope="module")
def report(atlas):
    from neurectomy.modelcheck import check

    return check(atlas)


def test_model_check_separates_fitted_from_held_out_rows(report):
    """Finding 4. Bug caught: "65/65 agree" when 44 of the rows were the fits' own inputs (E001, E034, E183...
    reproduced to 3 digits); the check now marks each row ``fitted`` and counts held-out agreement separately."""
    by_id = {r.evidence: r for r in report.rows}
    for fitted in ("E001", "E034", "E183", "E157", "E134", "E057", "E068"):
        assert by_id[fitted].fitted
    for held in ("E010", "E105", "E053", "E032"):
        assert not by_id[held].fitted
    d = report.to_dict()
    assert d["fitted"]["total"] + d["held_out"]["total"] == d["total"]
    assert "held-out rows" in d["summary"] and "fitted rows" in d["summary"]


def test_no_invented_interval_where_n_is_known_and_proportions_stay_in_0_1(report):
    """Finding 4. Bug caught: E124 ("750+ operations") compared with "±15% of observed" = 0.807-1.092, a proportion
    above 1; with its n the Wilson interval is 0.932-0.963, and the model's 0.970 is listed as disagreeing."""
    from neurectomy.modelcheck import NO_INTERVAL

    by_id = {r.evidence: r for r in report.rows}
    e124 = by_id["E124"]
    assert e124.interval == pytest.approx((0.932, 0.963), abs=0.002)
    assert e124.status == "disagrees" and e124.disagreement
    for r in report.rows:
        if r.unit == "fraction":
            assert r.interval[0] >= 0.0 and r.interval[1] <= 1.0, r.evidence
        if r.interval_source == NO_INTERVAL:
            assert "±15%" in r.interval_source and "not a confidence interval" in r.interval_source


def test_ranges_are_printed_as_ranges(report):
    """Finding 4. Bug caught: E169's range 2-60% printed as "observed 0.31" beside the model's 0.02."""
    e169 = next(r for r in report.rows if r.evidence == "E169")
    assert e169.observed_range == pytest.approx((0.02, 0.60))
    assert "range" in e169.observed_text() and "0.31" not in e169.observed_text()


@pytest.mark.parametrize("rid", ["E085", "E196", "E197", "E122", "E024", "E069"])
def test_rows_without_a_comparable_time_or_measure_are_not_comparable(report, rid):
    """Finding 4. Bug caught: E085 ("long-term", no time) compared "at 60 years"; mean percent reductions (E196,
    E197, E122, E069) compared with a responder fraction; "continued dizziness" (E024) with vertigo control."""
    row = next(r for r in report.rows if r.evidence == rid)
    assert row.status == "not comparable" and row.agrees is None and len(row.comparable) > 20


@pytest.mark.parametrize("rid", ["E038", "E039", "E076", "E106", "E193"])
def test_rows_that_disagree_are_compared_not_excluded(report, rid):
    """Finding 4. Bug caught: E038/E039, E076, E106 and E193 left out of the comparison *because* they disagreed."""
    from neurectomy.modelcheck import NOT_COMPARED

    assert rid not in NOT_COMPARED
    row = next(r for r in report.rows if r.evidence == rid)
    assert not row.fitted and row.status in ("agrees", "disagrees")
    if row.status == "disagrees":
        assert row.disagreement


def test_model_check_out_to_a_missing_folder_is_one_line(capsys, tmp_path):
    """Finding 12. Bug caught: ``model check --out /tmp/nodir/x.png`` ended in a FileNotFoundError traceback."""
    code = run(["model", "check", "--out", str(tmp_path / "nodir" / "x.png")])
    err = capsys.readouterr().err
    assert code != 0 and "cannot write" in err and "Traceback" not in err


# --------------------------------------------------------------------------- finding 5: diagnostic block
def test_diagnostic_block_lasts_hours_not_days(atlas):
    """Finding 5. Bug caught: the plan says "a local anaesthetic blocks conduction for hours" yet showed the thigh's
    feeling 0.94 at 30 days, from a 4.3-day latency fitted to E095 (lidocaine for spasticity, 9.1 days)."""
    from neurectomy.calibration import course

    fit = course("diagnostic_block", "peripheral")
    assert fit is not None and fit.latency.value < 1.0 and "E095" not in fit.fitted_to
    assert fit.latency.source.startswith("estimate:")
    from neurectomy.planning import make_plan

    tl = make_plan(atlas, **LFCN, method="diagnostic_block", days=[0, 1, 7, 30]).timeline
    i = list(tl.target_ids).index("skin_lateral_thigh")
    assert tl.curves.function[i][2] > 0.99 and tl.curves.function[i][3] > 0.99


# --------------------------------------------------------------------------- finding 3: TMR for neuroma revision
def test_tmr_for_an_established_neuroma_has_no_proven_effect(atlas):
    """Finding 3. Bug caught: TMR revision plan "30 d 1%, 365 d 7%" against RPNI's "17%, 32%", from a relative risk
    (0.284) that compares primary TMR at amputation (E068) with amputation rates, applied to revision with a
    primary failure fixed at 0, while the one RCT (E063/E065) was not significant on intention to treat."""
    from neurectomy.calibration import outcome
    from neurectomy.methods import get_end_treatment, get_method, neuroma_risk

    tmr = get_end_treatment("tmr")
    rev = tmr.factor_at("neuroma_revision")
    assert rev.value == 1.0 and rev.interval == (0.06, 1.0) and "no proven effect" in rev.source
    assert tmr.factor_at("amputation").value < 0.3  # primary TMR at amputation keeps E068's estimate
    cut = get_method("surgical_cut")
    assert neuroma_risk(cut, (tmr,), "neuroma_revision") == neuroma_risk(cut, (), "neuroma_revision")
    fit = outcome("tmr_symptomatic_neuroma")
    assert fit is not None and "E134" in fit.fitted_to and fit.failure.value > 0
    courses = {}
    for proc in ("tmr_symptomatic_neuroma", "rpni_symptomatic_neuroma"):
        tl = neurectomy.plan(proc, side="left", atlas=atlas).timeline
        courses[proc] = _at(tl, tl.pain_course(), 365)
    assert courses["tmr_symptomatic_neuroma"] == pytest.approx(courses["rpni_symptomatic_neuroma"], abs=0.01)
    assert courses["tmr_symptomatic_neuroma"] == pytest.approx(0.23, abs=0.02)  # E134: 77% helped


# --------------------------------------------------------------------------- finding 8: cautery and regrowth
@pytest.mark.parametrize("end", ["cautery", "capping"])
def test_cautery_stops_regrowth_through_the_end_not_collateral_feeling(atlas, end):
    """Finding 8, revised (seed sentence 21). Bug caught: cautery (and capping) regrowing exactly as a plain cut, so
    the seed's last sentence ("cauterised to prevent regrowth") was no feature, because a review read E058 (feeling
    back in 28% after Morton's neurectomy) as regrowth through the cut end. The old expectation (``not
    stops_regrowth``, the same 5-year feeling as a plain cut) was wrong: E058 does not say the ends were cauterised,
    and feeling that returns after a neurectomy comes largely from neighbouring intact nerves (collateral sprouting:
    Inbal 1987, Brain 1996), which an end treatment does not touch. So: no reconnection through the end (seed), the
    collateral return kept and the same with and without the end treatment, the neuroma risk a plain cut's (E134)."""
    from neurectomy.methods import get_end_treatment

    e = get_end_treatment(end)
    assert e.stops_regrowth and "collateral" in e.description
    assert "inbal1987" in e.source and "collateral_brain1996" in e.source
    if end == "cautery":
        assert "seed's claim" in e.description and "no comparative human row" in e.source
    plain = neurectomy.plan(**LFCN, method="surgical_cut", years=5, atlas=atlas).timeline
    ended = neurectomy.plan(**LFCN, method="surgical_cut", end_treatments=[end], years=5, atlas=atlas).timeline
    i = list(plain.target_ids).index("skin_lateral_thigh")
    assert plain.curves.reconnected[i][-1] > 0 and ended.curves.reconnected[i].max() == 0
    assert plain.curves.collateral is not None and ended.curves.collateral is not None
    assert ended.curves.collateral[i] == pytest.approx(plain.curves.collateral[i])
    assert 0 < ended.curves.function[i][-1] < plain.curves.function[i][-1]
    assert ended.curves.neuroma_risk[i][-1] == pytest.approx(plain.curves.neuroma_risk[i][-1])


def test_collateral_sprouting_is_skin_only_slow_partial_and_cites_its_sources(atlas):
    """Bug caught: a return of feeling after a cut with no mechanism but regrowth through the cut end (so an end
    treatment that stops it must leave the skin numb for life), or a collateral term that is unsourced, fast, whole,
    or restores muscles. Brain 1996: subjective reduction within 2 months, margins 6-11.5 mm by 10-15 months."""
    from neurectomy.regrowth.kinetics import COLLATERAL, COLLATERAL_ONSET

    assert "inbal1987" in COLLATERAL.source and "collateral_brain1996" in COLLATERAL.source
    assert COLLATERAL.source.startswith("estimate:") and "E058" in COLLATERAL.source
    assert COLLATERAL.value < 0.5 and COLLATERAL_ONSET.value >= 60
    tl = neurectomy.plan(nerve="tibial nerve", method="surgical_cut", end_treatments=["cautery"], years=5).timeline
    assert tl.curves.collateral is not None
    groups = np.array(tl.groups)
    assert (tl.curves.collateral[groups == "sensory", -1] > 0).all()
    assert (tl.curves.collateral[groups == "motor", -1] == 0).all()
    block = neurectomy.plan(**LFCN, method="phenol", atlas=atlas).timeline
    assert block.curves.collateral is not None and not block.curves.collateral.any()


# --------------------------------------------------------------------------- finding 9: peripheral neuroma rate
def test_peripheral_neuroma_rate_is_a_labelled_estimate_up_to_e057():
    """Finding 9. Bug caught: a 2% peripheral neuroma rate presented as fitted to E169's lower edge, E005 and E127,
    when the only first-hand elective rate (E057) is 8.2%: it is now an estimate, its interval reaching E057."""
    from neurectomy.calibration import site_risk

    p = site_risk("peripheral").neuroma
    assert p.source.startswith("estimate:") and "E057" in p.source and "E127" in p.source
    assert p.interval == (0.0, 0.082)


# --------------------------------------------------------------------------- finding 2: the measure beside the curve
def test_every_course_says_what_relieved_means(atlas):
    """Finding 2. Bug caught: cross-method courses that mix outcome measures without saying so (complete relief for
    lumbar RF, >50% relief at the knee, MacNab excellent/good read as pain-free for the endoscopic neurotomy)."""
    endo = neurectomy.plan("endoscopic_medial_branch_neurotomy", side="left", atlas=atlas).timeline
    assert "MacNab excellent or good" in endo.pain_region and "not pain-free" in endo.pain_region
    for method, words in (("radiofrequency", "borrowed"), ("phenol", "spasticity"), ("cryoneurolysis", "E156")):
        tl = neurectomy.plan(**LFCN, method=method, atlas=atlas).timeline
        assert "relieved means:" in tl.pain_region and words in tl.pain_region, method


def test_neuroma_not_applicable_says_the_tubes_are_intact(capsys):
    """Finding 12. Bug caught: RF plans printed "Neuroma risk: not applicable ... (no row gives a rate)" although the
    reason is that the tubes are left intact."""
    assert run(["plan", "-n", LFCN["nerve"], "--at", LFCN["at"], "--side", "left", "-m", "radiofrequency"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "tubes are left intact" in out and "no row gives a rate" not in out


def test_simulate_json_days_have_no_near_duplicates():
    """Finding 12. Bug caught: the simulate JSON ``days`` held 30 and 30.44, 365 and 365.25 (a visit day and an even
    step a few hours apart), which read as duplicates."""
    from neurectomy.requests import timeline_days

    for years in (1, 5, 20):
        days = timeline_days(years)
        assert np.diff(days).min() >= 3.0 and days[-1] == pytest.approx(years * 365.25)


# --------------------------------------------------------------------------- finding 6: selective tibial neurotomy
def test_selective_tibial_neurotomy_resects_part_of_each_branch(atlas):
    """Finding 6. Bug caught: the selective tibial neurotomy cut the three motor branches whole, so gastrocnemius
    and soleus were "paralysed" (supply lost 100%, function 0.00 at 30 days), while E086 resects 50-80% of the
    fascicles: each cut now takes its sourced share and the muscles are weak."""
    from neurectomy.procedures import get_procedure

    proc = get_procedure("selective_tibial_neurotomy")
    assert all(c.fraction == pytest.approx(0.65) and "E086" in (c.fraction_source or "") for c in proc.cuts)
    plan = neurectomy.plan("selective_tibial_neurotomy", side="left", atlas=atlas)
    calf = {x.target.id: x for x in plan.deficit.motor}
    for muscle in ("soleus", "gastrocnemius_medial_head", "gastrocnemius_lateral_head"):
        assert calf[muscle].supply_lost == pytest.approx(0.65) and calf[muscle].effect == "weak"
    assert {c["fraction"] for c in plan.to_dict()["deficit"]["cuts"]} == {0.65}
    tl = plan.timeline
    i = list(tl.target_ids).index("soleus")
    assert _at(tl, tl.curves.function[i], 30) == pytest.approx(0.35, abs=0.02)


def test_a_partial_cut_takes_its_share_and_needs_a_source(atlas):
    """Finding 6. Bug caught: no way to cut part of a nerve (a partial fascicular resection), or a partial cut in
    the procedures table without saying where its share comes from."""
    from pydantic import ValidationError

    from neurectomy.lesion import Cut, lesion
    from neurectomy.procedures import ProcedureCut

    whole = lesion(atlas, Cut("sural nerve", side="left"))
    part = lesion(atlas, Cut("sural nerve", side="left", fraction=0.4))
    assert [x.target.id for x in part.losses] == [x.target.id for x in whole.losses]
    for a, b in zip(whole.losses, part.losses, strict=True):
        assert b.supply_lost == pytest.approx(0.4 * a.supply_lost) and b.permanent_lost == pytest.approx(b.supply_lost)
    twice = lesion(atlas, Cut("sural nerve", side="left", fraction=0.5), Cut("sural nerve", side="left", fraction=0.5))
    assert twice.losses[0].supply_lost == pytest.approx(0.75 * whole.losses[0].supply_lost)
    with pytest.raises(ValidationError, match="fraction_source"):
        ProcedureCut(nerve="sural nerve", fraction=0.5)


def test_spasticity_recurrence_is_a_measure_of_its_own(atlas, capsys):
    """Finding 6. Bug caught: spasticity recurrence modelled as return of muscle function (soleus "function 0.14 at
    5 y"): the calf's function now follows the fascicles left and regrown, and the plan says separately in what
    share of patients spasticity returns (E085, E086)."""
    plan = neurectomy.plan("selective_tibial_neurotomy", side="left", years=5, atlas=atlas)
    tl = plan.timeline
    assert tl.indication is not None and tl.indication.measure == "spasticity returned"
    assert {"E085", "E086"} <= set(tl.indication.sources)
    i = list(tl.target_ids).index("soleus")
    soleus = tl.curves.function[i]
    assert soleus[-1] - soleus[np.searchsorted(tl.days, 365)] < 0.01  # no return of strength as spasticity recurs
    assert tl.indication.values[-1] == pytest.approx(0.14, abs=0.02)
    assert run(["plan", "-p", "selective_tibial_neurotomy", "--side", "left"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Spasticity returned, share of patients:" in out and "1825 d 14%" in out
    assert "resection of 65% of its fibres" in out and "Paralysed" not in out


# --------------------------------------------------------------------------- finding 12 (rest)
def test_vestibular_canals_show_their_function_and_vertigo_control_apart(atlas, capsys):
    """Finding 12. Bug caught: the vestibular neurectomy plan showed the canals' "function 0.15", the 15% of
    patients whose vertigo is not controlled (E021) read in a column of fractions of function."""
    tl = neurectomy.plan("vestibular_neurectomy", side="left", atlas=atlas).timeline
    i = list(tl.target_ids).index("lateral_semicircular_canal")
    assert np.allclose(tl.curves.function[i], 0.0)
    assert tl.indication is not None and tl.indication.measure == "vertigo not controlled"
    assert _at(tl, tl.indication.values, 365) == pytest.approx(0.15, abs=0.01)
    assert run(["plan", "-p", "vestibular_neurectomy", "--side", "left"]) == 0
    assert "Vertigo not controlled, share of patients: 30 d 15%" in " ".join(capsys.readouterr().out.split())


def test_e073_is_not_called_a_mean_or_a_median_it_does_not_state(atlas):
    """Finding 12. Bug caught: the lumbar RF plan's risk row called E073 a "mean duration" and the model check a
    median; the source says only that relief lasted 15 months, so both now say so."""
    from neurectomy.calibration import MEASURES
    from neurectomy.modelcheck import SPECS

    risks = [r["name"] for r in neurectomy.plan("lumbar_medial_branch_rf_neurotomy", atlas=atlas).risks]
    assert not any("mean duration" in r for r in risks)
    assert any("mean or median" in r for r in risks)
    spec = next(s for s in SPECS if s.evidence == "E073")
    assert "not stated" in spec.quantity and "not stated" in MEASURES["radiofrequency@facet_lumbar"]


def test_cochlear_nerve_cut_is_not_called_a_vestibular_one(capsys):
    """Finding 12. Bug caught: a cochlear-nerve cut explained its neuroma status as "the vestibular nerve is
    divided..."."""
    assert run(["plan", "-n", "cochlear nerve", "--side", "left"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "vestibular nerve is divided" not in out and "the vestibular or the cochlear nerve" in out


def test_the_plan_says_when_the_model_does_not_follow_a_printed_row(atlas, capsys, monkeypatch):
    """Finding 12. Bug caught: the lumbar RF plan printed E076 (benefit 6-12 months) beside a course that follows
    E073's 15 months with no note that the model disagrees with it; the note was also lost because Rich read the
    bracketed caveats as markup."""
    rows = {e["id"]: e for e in neurectomy.plan("lumbar_medial_branch_rf_neurotomy", atlas=atlas).evidence}
    assert any("does not follow this row" in f and "E073" in f for f in rows["E076"]["flags"])
    assert not any("does not follow" in f for f in rows["E073"]["flags"])
    from neurectomy import cli

    monkeypatch.setattr(cli.console, "width", 1000)  # one line per table row, so the phrases are not wrapped
    assert run(["plan", "-p", "lumbar_medial_branch_rf_neurotomy"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "the model does not follow this row" in out and "background statement: a figure" in out


# ------------------------------------------------------------------------- finding 10: blocks at sites without evidence
def test_peripheral_rf_falls_back_to_the_genicular_fit_and_says_so(atlas):
    """Finding 10. Bug caught: RF at any peripheral nerve borrowed the lumbar medial branch fit (448-day latency,
    complete relief), so RF of the sural nerve kept most patients pain-free at 1 year while conventional genicular
    RF leaves 8.8% at 12 months (E103); nothing said that no row measures RF there."""
    from neurectomy.calibration import course

    fit = course("radiofrequency", "peripheral")
    knee = course("radiofrequency", "genicular")
    assert fit is not None and knee is not None
    assert (fit.response.value, fit.latency.value, fit.evidence_distance.value) == (
        knee.response.value,
        knee.latency.value,
        knee.evidence_distance.value,
    )
    tl = neurectomy.plan(nerve="sural nerve", side="left", method="radiofrequency", atlas=atlas).timeline
    course_ = tl.pain_course()
    assert course_ is not None and _at(tl, course_, 365) > 0.7  # 0.42 with the lumbar fit (448-day latency)
    assert any("no evidence for radiofrequency at this site" in c and "genicular" in c for c in tl.caveats)
    assert tl.to_dict()["caveats"] == list(tl.caveats)


def test_alcohol_at_the_knee_is_not_shorter_than_phenol_by_artefact(atlas):
    """Finding 10. Bug caught: alcohol at the genicular nerves lasted about 3 months (phenol's spasticity fit,
    borrowed) while phenol there lasted years (E191, E192): with no alcohol row either way, alcohol follows phenol
    at the knee too, and the course says it is borrowed."""
    knee = {"nerve": "superomedial genicular nerve", "side": "left", "years": 2, "atlas": atlas}
    phenol = neurectomy.plan(**knee, method="phenol").timeline
    alcohol = neurectomy.plan(**knee, method="alcohol").timeline
    assert np.allclose(alcohol.pain_course(), phenol.pain_course(), atol=0.005)
    assert any("no evidence for alcohol" in c for c in alcohol.caveats)
    assert not any("no evidence" in c for c in phenol.caveats)


def test_peripheral_cryo_numb_but_painful_is_flagged(atlas, capsys):
    """Finding 10. Bug caught: after peripheral cryoneurolysis the pain was back by day 14 while the skin stayed
    numb to day 152 ("numb but painful"), with nothing saying that relief (E157) and feeling (E151) come from
    different sources and were never measured together."""
    from neurectomy.regrowth.kinetics import CRYO_DECOUPLED

    tl = neurectomy.plan(nerve="sural nerve", side="left", method="cryoneurolysis", atlas=atlas).timeline
    assert CRYO_DECOUPLED in tl.caveats
    assert run(["simulate", "-n", "sural nerve", "--side", "left", "-m", "cryoneurolysis"]) == 0
    assert "numb but painful" in " ".join(capsys.readouterr().out.split())


# --------------------------------------------------------------------------- finding 2 (rest): past the follow-up
def test_a_course_past_the_rows_follow_up_says_it_is_extrapolation(atlas, capsys):
    """Finding 2. Bug caught: genicular phenol's 5-year tail (15% still relieved) printed with no warning that E191
    followed patients a mean 9.9 ± 6.1 months: past the rows' follow-up the course is now labelled extrapolation, in
    text and JSON, and within it there is no such warning."""
    knee = {"nerve": "superomedial genicular nerve", "side": "left", "method": "phenol", "atlas": atlas}
    five = neurectomy.plan(**knee, years=5).timeline
    assert any("extrapolation" in c and "E191" in c and "9.9" in c for c in five.caveats)
    one = neurectomy.plan(**knee, years=1).timeline
    assert not any("extrapolation" in c for c in one.caveats)
    tib = neurectomy.plan("selective_tibial_neurotomy", side="left", years=5, atlas=atlas).timeline
    assert any("extrapolation" in c and "E086" in c for c in tib.caveats)
    lfcn = neurectomy.plan("lfcn_neurectomy", side="left", atlas=atlas).timeline
    assert any("not stored" in c for c in lfcn.caveats)
    assert run(["simulate", "-n", knee["nerve"], "--side", "left", "-m", "phenol", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    caveats = data["timeline"]["caveats"] if "timeline" in data else data["caveats"]
    assert any("extrapolation" in c for c in caveats)


def test_cohort_block_arms_count_the_non_responders(atlas):
    """Finding 1 and 10 (cohort). Bug caught: the cohort's "pain at 1 y" left out the block's non-responders (every
    patient relieved until the fibres came back), so RF of the sural nerve showed 95% pain-free at 1 year; the kernel,
    the per-patient loop and the parameter draws now carry the fitted response."""
    from neurectomy.methods import get_method
    from neurectomy.regrowth.cohort import UNCERTAIN, default_scenarios, simulate_patient_loop, simulate_summary
    from neurectomy.regrowth.kinetics import method_response

    scenarios = default_scenarios(atlas, "sural nerve")
    s = simulate_summary(40_000, scenarios, rng=3, backend="inline").set_index("scenario")
    for arm in ("phenol", "cryoneurolysis", "radiofrequency"):
        rho = method_response(get_method(arm), "peripheral")
        assert s.loc[arm, "pain_1y_mean"] >= 1 - rho - 0.02, arm
    rows = simulate_patient_loop(scenarios, 6_000, rng=3)
    rf = [r["pain_1y"] for r in rows if scenarios[r["scenario"]].name == "radiofrequency"]
    assert np.mean(rf) == pytest.approx(s.loc["radiofrequency", "pain_1y_mean"], abs=0.05)
    assert "response" in UNCERTAIN


# --------------------------------------------------------------------------- finding 7 (part): stump labels
def test_stump_labels_capture_and_defines_the_neuroma_index(capsys):
    """Finding 7 (labels only). Bug caught: ``simulate stump --end tmr`` printed "axons reaching targets 97%" while
    the kinetics set TMR's reconnection to the original targets to 0 (the cones reach the transferred nerve), and
    the neuroma index, which falls from 1 to 2 years, had no units beside the cumulative neuroma risk."""
    assert run(["simulate", "stump", "--end", "tmr", "--days", "60", "--axons", "100"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "axons reaching targets" not in out and "captured by the TMR nerve" in out
    assert "per axon" in out and "not a probability" in out and "cumulative" in out
    assert run(["simulate", "stump", "--days", "60", "--axons", "100"]) == 0
    assert "axons reaching their own targets" in " ".join(capsys.readouterr().out.split())


# --------------------------------------------------------------------------- finding 7 (rest): stump beside kinetics
def test_stump_shows_the_cumulative_risk_and_what_the_end_treatment_evidence_is(capsys):
    """Finding 7. Bugs caught: the neuroma index falling from 1 to 2 years (6.93 -> 6.28) read as a falling risk, with
    nothing cumulative beside it; RPNI's index 39% below a plain cut while the kinetics say RPNI has no proven effect
    (relative risk 1, interval 0.29-1), with no word that the stump's capture is the hypothesised mechanism."""
    from neurectomy.regrowth.stump import kinetics_neuroma_risk, stump_rules

    assert run(["simulate", "stump", "--end", "rpni", "--days", "60", "--axons", "100"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "kinetics' neuroma risk (cumulative)" in out and "not a falling risk" in out
    assert "rpni: no proven effect" in out and "0.29-1" in out and "not a measured reduction" in out
    assert run(["simulate", "stump", "--end", "tmr", "--days", "60", "--axons", "100", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert any("0.284" in line and "estimate" in line for line in data["end_treatment_evidence"])
    risk = kinetics_neuroma_risk(stump_rules("surgical_cut"), [30, 365, 730, 1825])
    assert np.all(np.diff(risk) > 0) and risk[-1] == pytest.approx(0.02, abs=0.001)
    assert len(data["kinetics_neuroma_risk"]) == len(data["days"])
