"""Regression tests named after the bug they pin down."""

from __future__ import annotations

import neurectomy


def test_submodule_import_does_not_shadow_api_functions():
    """Importing a submodule named like an API function once replaced the function with the module."""
    import neurectomy.lesion
    import neurectomy.planning

    assert callable(neurectomy.plan) and callable(neurectomy.lesion)
    assert neurectomy.plan("lfcn_decompression").method.key == "decompression"


def test_midline_cut_reports_midline_side():
    """A presacral cut is midline; its losses must not be dropped when the cut was asked for on the left."""
    d = neurectomy.lesion("superior hypogastric plexus", side="left")
    assert d.losses and {x.side for x in d.losses} == {"midline"}


def test_lingual_nerve_cut_takes_taste_from_the_joined_chorda_tympani():
    """A lingual-nerve cut at the third molar once spared taste: the chorda tympani's fibres joining the nerve were
    not modelled. Each target now takes its own fibres from the merged nerve."""
    lingual = {
        x.target.id: x.supply_lost
        for x in neurectomy.lesion("lingual nerve", at="lower third molar (lingual plate)").losses
    }
    assert lingual["taste_anterior_tongue"] == 1.0 and lingual["mucosa_of_anterior_tongue"] == 1.0
    chorda = {x.target.id for x in neurectomy.lesion("chorda tympani").losses}
    assert "taste_anterior_tongue" in chorda and "mucosa_of_anterior_tongue" not in chorda
    below_chorda = {x.target.id for x in neurectomy.lesion("facial nerve", at="stylomastoid foramen").losses}
    assert "taste_anterior_tongue" not in below_chorda


# --------------------------------------------------------------------------- one truth per request (issue 12)
def _cli(*args: str) -> tuple[int, str, str]:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "neurectomy", *args], capture_output=True, text=True, check=False)
    return out.returncode, out.stdout, out.stderr


def _client():  # type: ignore[no-untyped-def]
    import tempfile

    from fastapi.testclient import TestClient

    from neurectomy.web.app import create_app

    app = create_app()
    app.state.registry_url = f"sqlite:///{tempfile.mkdtemp(prefix='neurectomy-regr-')}/registry.db"
    return TestClient(app)


def test_decompression_of_the_ulnar_nerve_loses_nothing_on_every_surface():
    """``lesion "ulnar nerve" --at elbow --method decompression`` reported 17 weak or paralysed muscles and 16 numb
    regions while ``plan`` for the same request reported none: the method was applied in ``plan`` only. A
    decompression cuts no fibres, so every surface must report no loss; the same cut made surgically loses the
    ulnar territory."""
    import json

    code, out, _ = _cli("lesion", "ulnar nerve", "--at", "elbow", "--method", "decompression", "--json")
    lesion_json = json.loads(out)
    args = ["--nerve", "ulnar nerve", "--at", "elbow", "--method", "decompression", "--json"]
    code_plan, out_plan, _ = _cli("plan", *args)
    plan_json = json.loads(out_plan)["deficit"]
    with _client() as c:
        http = c.get("/api/lesion", params={"nerve": "ulnar nerve", "at": "elbow", "method": "decompression"}).json()
        page = c.get("/cut", params={"nerve": "ulnar nerve", "at": "elbow", "method": "decompression"}).text
    python = neurectomy.lesion("ulnar nerve", at="elbow", method="decompression")
    assert code == code_plan == 0
    for d in (lesion_json, plan_json, http, python.to_dict()):
        assert [d[g] for g in ("sensory", "motor", "autonomic", "special", "articular", "visceral")] == [[]] * 6
        assert d["cuts"][0]["interruption"] == "none"
    assert "nothing is lost" in page
    cut = neurectomy.lesion("ulnar nerve", at="elbow")
    assert len(cut.motor) >= 10 and cut.sensory and {x.lasting for x in cut.losses} == {"permanent"}


def test_a_neurolytic_block_takes_the_same_territory_but_only_for_a_while():
    """Methods were carried to the JSON and changed nothing: a phenol block must take the territory of a cut at the
    same place (the fibres are interrupted) but mark every loss temporary, and a mixed plan must keep the
    permanent part apart."""
    cut = neurectomy.lesion("sural nerve")
    phenol = neurectomy.lesion("sural nerve", method="phenol")
    assert [(x.target.id, x.supply_lost) for x in phenol.losses] == [(x.target.id, x.supply_lost) for x in cut.losses]
    assert {x.lasting for x in phenol.losses} == {"temporary"} and all(x.permanent_lost == 0 for x in phenol.losses)
    assert "temporary" in phenol.summary and "temporary" not in cut.summary
    medial = neurectomy.requests.parse_cut("medial plantar nerve", method="surgical_cut")
    mixed = neurectomy.lesion("lateral plantar nerve", method="phenol", also=[medial])
    kinds = {x.target.id: x.lasting for x in mixed.losses}
    assert "temporary" in kinds.values() and "permanent" in kinds.values()


def test_unknown_method_is_refused_with_suggestions_everywhere():
    """``--method bogus`` was accepted and echoed back into the JSON."""
    import pytest

    from neurectomy.names import UnknownNameError

    code, out, err = _cli("lesion", "sural nerve", "--method", "bogus", "--json")
    assert code == 2 and out == "" and "unknown method 'bogus'" in err and "phenol" in err
    code, _, err = _cli("lesion", "sural nerve", "--method", "phenl")
    assert code == 2 and "did you mean: phenol" in err
    with pytest.raises(UnknownNameError, match="did you mean"):
        neurectomy.lesion("sural nerve", method="phenl")
    with _client() as c:
        r = c.get("/api/lesion", params={"nerve": "sural nerve", "method": "bogus"})
        assert r.status_code == 404 and r.json()["kind"] == "method" and "phenol" in r.json()["suggestions"]
        r = c.get("/api/plan", params={"nerve": "sural nerve", "end": "cauterize"})
        assert r.status_code == 404 and r.json()["suggestions"][0] == "cautery"


def test_target_refuses_a_method_that_takes_nothing_away():
    """``target --method decompression`` returned a "decompression" that numbed skin."""
    code, out, err = _cli("target", "--region", "lateral thigh", "--method", "decompression", "--json")
    assert code == 2 and out == "" and "interrupts no fibres" in err
    with _client() as c:
        r = c.get("/api/target", params={"region": "lateral thigh", "method": "decompression"})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "method"]
    phenol = neurectomy.target("lateral thigh", method="phenol").to_dict()
    assert phenol["method"] == "phenol" and {c["interruption"] for p in phenol["plans"] for c in p["cuts"]} == {
        "temporary"
    }


def test_a_typo_in_a_region_is_offered_never_added():
    """``target --region "skin of lateral thig"`` silently added "skin of lateral perineum and proximal medial
    thigh" (a prefix match) and planned a cut for it. A name that is not exact is an error that offers the
    candidates."""
    code, out, err = _cli("target", "--region", "skin of lateral thig", "--json")
    assert code == 2 and out == ""
    assert "did you mean: skin of lateral thigh" in err
    with _client() as c:
        r = c.get("/api/target", params={"region": "skin of lateral thig"})
        assert r.status_code == 404 and r.json()["suggestions"][0] == "skin of lateral thigh"
    exact = neurectomy.target("skin of lateral thigh")
    assert [t.id for t in exact.required] == ["skin_lateral_thigh"]


def test_back_pain_is_not_expanded_to_every_region_with_back_in_its_name():
    """``target --function "back pain"`` silently expanded to 22 regions and proposed cutting the greater occipital,
    great auricular and posterior cutaneous nerves of arm and forearm. An ambiguous phrase is an error listing
    what it could mean."""
    code, out, err = _cli("target", "--function", "back pain", "--json")
    assert code == 2 and out == "" and "function 'back pain' fits 23 names" in err and "… 15 more" in err
    # listed in natural order, T2 before T10
    assert err.index("T1 band") < err.index("T2 band") < err.index("T8 band") and "T10 band" not in err


def test_a_single_whole_word_match_is_still_found():
    """The no-guessing rule must not lose the plain names clinicians type ("forehead", "medial forearm")."""
    assert [t.name for t in neurectomy.target("forehead").required] == ["skin of forehead"]
    assert [t.name for t in neurectomy.target("medial forearm").required] == ["skin of medial forearm"]


def test_soft_findings_cannot_hide_what_the_chosen_cuts_take():
    """For observed (soft) targets the MILP allowed "interrupted ≤ OR of cuts" but not "interrupted ≥ each cut", so
    a cut taking all of a target observed at 0.5 could be scored as taking half (90 of 400 random soft models
    disagreed with brute force). Here one cut takes both paths of a target observed as half lost: the exact cost
    is the cut plus the 0.5 mismatch, and the MILP must not report a cheaper, impossible fit."""
    import numpy as np

    from neurectomy.targeting import Candidate, CoverModel, solve_bruteforce, solve_milp

    model = CoverModel(
        candidates=(Candidate(0, 0.0, 0.0, ()),),
        paths=(0, 1),
        cand_paths=((0, 1),),
        path_target=np.array([0, 0]),
        path_weight=np.array([0.5, 0.5]),
        targets=(0,),
        cost=np.array([0.0]),
        required={},
        observed={0: 0.5},
        penalty=10.0,
        cut_cost=0.05,
    )
    milp, brute = solve_milp(model), solve_bruteforce(model, max_cuts=1)
    assert milp is not None and brute is not None
    assert milp == brute == (frozenset(), 5.0)


# --------------------------------------------------------------------------- found by the cold review of issue 12
def test_a_plan_never_takes_the_side_from_the_patient_against_the_request():
    """make_plan replaced an asked-for left side by the patient's right side without a word (a wrong-side risk),
    and a plan with no side at all was silently left-sided."""
    import pytest

    from neurectomy.names import RequestError

    with pytest.raises(RequestError) as caught:
        neurectomy.plan(nerve="ulnar nerve", side="left", patient={"side": "right"})
    assert caught.value.field == "side"
    assert {c.side for c in neurectomy.plan(nerve="ulnar nerve", patient={"side": "right"}).deficit.cuts} == {"right"}
    assert neurectomy.plan(nerve="ulnar nerve", patient={"side": "right"}).warnings == ()
    unsure = neurectomy.plan(nerve="ulnar nerve")
    assert unsure.warnings and "Side not confirmed" in unsure.warnings[0]
    assert "Side not confirmed" in unsure.to_dict()["warnings"][0]
    assert neurectomy.plan("presacral neurectomy").warnings == ()  # a midline operation has no side to confirm


def test_a_named_procedure_is_not_redone_by_another_method():
    """``plan --procedure "vestibular neurectomy" --method decompression`` said nothing is lost while keeping the
    steps "divide the vestibular fibres" and the surgical risks; an LFCN neurectomy "by decompression" showed a
    perfect cure beside the 63% the evidence gives decompression."""
    import pytest

    from neurectomy.names import RequestError

    for procedure, method in (("vestibular neurectomy", "decompression"), ("lfcn neurectomy", "phenol")):
        with pytest.raises(RequestError) as caught:
            neurectomy.plan(procedure, method=method)
        assert caught.value.field == "method"


def test_end_treatments_need_a_cut_end():
    """``--method phenol --end tmr`` was accepted and titled "phenol neurolysis with targeted muscle
    reinnervation"."""
    import pytest

    from neurectomy.names import RequestError

    with pytest.raises(RequestError) as caught:
        neurectomy.plan(nerve="ulnar nerve", method="phenol", end_treatments=["tmr"])
    assert caught.value.field == "end_treatments"


def test_a_diagnostic_block_is_not_described_as_regrowth():
    """A local-anaesthetic block was summarised as "the basal lamina tubes survive, so fibres regrow"."""
    summary = neurectomy.lesion("sural nerve", method="diagnostic block").summary
    assert "regrow" not in summary and "wears off" in summary


def test_a_loss_partly_taken_for_good_says_so():
    """Brachialis lost to a musculocutaneous cut (0.85) plus a radial phenol block was reported "temporary"."""
    from neurectomy.lesion import Cut

    d = neurectomy.lesion(Cut("musculocutaneous nerve"), also=[Cut("radial nerve", method="phenol")])
    brachialis = next(x for x in d.losses if x.target.id == "brachialis")
    assert brachialis.lasting == "partly permanent" and 0 < brachialis.permanent_lost < brachialis.supply_lost


def test_names_that_fit_several_kinds_are_offered_not_picked():
    """ "biceps" silently meant the skin over the biceps (skin was preferred), so a weak biceps was explained as weak
    skin; "pelvic pain" silently meant levator ani."""
    import pytest

    from neurectomy.names import AmbiguousNameError

    with pytest.raises(AmbiguousNameError) as caught:
        neurectomy.localise(weak=["biceps"])
    assert "biceps brachii" in caught.value.candidates and caught.value.field == "weak"
    with pytest.raises(AmbiguousNameError):
        neurectomy.target("hip")


def test_a_finding_must_fit_its_target():
    """``--numb "biceps brachii"`` was accepted and explained as a numb muscle."""
    import pytest

    from neurectomy.names import RequestError

    with pytest.raises(RequestError) as caught:
        neurectomy.localise(numb=["biceps brachii"])
    assert caught.value.field == "numb"
    with pytest.raises(RequestError):
        neurectomy.localise(paralysed=["skin of lateral thigh"])


def test_target_and_localise_work_on_a_side():
    """``target --side midline`` produced a "midline lateral cutaneous nerve of thigh" whose plan was then
    refused."""
    import pytest

    from neurectomy.names import RequestError

    with pytest.raises(RequestError):
        neurectomy.target("lateral thigh", side="midline")
    with pytest.raises(RequestError):
        neurectomy.localise(numb=["skin of lateral thigh"], side="midline")
    assert neurectomy.target("lateral thigh", side="Right").side == "right"


def test_options_beside_a_cut_object_are_refused_not_ignored():
    """``neurectomy.lesion(Cut("ulnar nerve", at="elbow"), method="decompression")`` ignored the method."""
    import pytest

    from neurectomy.lesion import Cut
    from neurectomy.names import RequestError

    with pytest.raises(RequestError):
        neurectomy.lesion(Cut("ulnar nerve", at="elbow"), method="decompression")


def test_errors_name_the_field_they_came_from():
    """An unknown nerve in ``also`` or ``avoid`` said only "unknown nerve"; localise findings said "unknown
    function" for a typo in ``numb``; very long names took seconds to refuse."""
    with _client() as c:
        r = c.get("/api/lesion", params={"nerve": "femoral nerve", "also": "sural nervx"})
        assert r.status_code == 404 and r.json()["field"] == "also" and r.json()["suggestions"][0] == "sural nerve"
        r = c.get("/api/localise", params={"numb": "skin of lateral thig"})
        assert r.status_code == 404 and r.json()["field"] == "numb"
        r = c.get("/api/target", params={"region": "x" * 20_000})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "region"]
        r = c.get("/api/target", params={"region": "lateral thigh", "coverage": 1e-6})
        assert r.status_code == 422


def test_neurolysis_is_not_silently_decompression():
    """ "neurolysis" meant decompression, though in pain medicine it usually means chemical neurolysis."""
    import pytest

    from neurectomy.names import UnknownNameError

    with pytest.raises(UnknownNameError) as caught:
        neurectomy.lesion("sural nerve", method="neurolysis")
    assert {"chemical neurolysis", "external neurolysis"} <= set(caught.value.suggestions)


# --------------------------------------------------------------------------- gaps found by the mutation run
def test_a_midline_and_a_lateral_cut_on_the_same_path_take_their_union():
    """G3/G4/G25: no test combined a midline and a lateral cut reaching the same target; a mutant that dropped the
    lateral losses survived. The combined lesion takes what each takes, and names both nerves."""
    from neurectomy.lesion import Cut

    plexus = neurectomy.lesion(Cut("coeliac plexus"))
    splanchnic = neurectomy.lesion(Cut("greater splanchnic nerve", side="left"))
    both = neurectomy.lesion(Cut("coeliac plexus"), also=[Cut("greater splanchnic nerve", side="left")])
    pancreas = next(x for x in both.losses if x.target.id == "pancreas")
    assert set(pancreas.cut_by) == {"coeliac_plexus", "greater_splanchnic_nerve"}
    for single in (plexus, splanchnic):
        for x in single.losses:
            assert both.lost(x.target.id) >= x.supply_lost - 1e-12


def test_a_landmark_cut_keeps_its_landmark_name():
    """G2: resolving ``at="elbow"`` to ``at=None`` survived; the name is what the summary and the page show."""
    from neurectomy.api import default_atlas
    from neurectomy.lesion import Cut, resolve_cut

    assert resolve_cut(default_atlas(), Cut("ulnar nerve", at="elbow")).at == "elbow"
    assert "at elbow" in neurectomy.lesion("ulnar nerve", at="elbow").summary


def test_motor_loss_is_intended_only_for_a_selective_motor_procedure():
    """G11: turning the rule's ``and`` into ``or`` made motor loss "favourable" for any disable-function goal; an
    ulnar cut to disable a function still paralyses hand muscles, which is a reason for caution."""
    patient = {"goal": "disable_function", "pain_nrs": 8, "pain_months": 24, "failed_treatments": ["medication"]}
    plan = neurectomy.plan(nerve="ulnar nerve", side="left", patient=patient)
    motor = next(r for r in plan.candidacy.reasons if r.rule == "motor_function")
    assert motor.verdict == "conditional"
    tibial = neurectomy.plan("selective tibial neurotomy", side="left", patient=patient)
    assert next(r for r in tibial.candidacy.reasons if r.rule == "motor_function").verdict == "favourable"


def test_a_synonym_two_records_share_is_refused_not_resolved_to_the_first():
    """Bug: a label given to two records ("skin of ear canal": the anterior and the posterior part of the meatus)
    silently resolved to whichever the loader indexed first; a shared label must list both and pick neither."""
    from neurectomy.atlas import load_atlas
    from neurectomy.names import AmbiguousNameError, normalise

    atlas = load_atlas()
    try:
        atlas.target("skin of ear canal")
    except AmbiguousNameError as error:
        assert len(error.suggestions) == 2
    else:
        raise AssertionError("a label two targets share resolved to one of them")
    for kind, items, look_up in (("nerve", atlas.nerves, atlas.nerve), ("target", atlas.targets, atlas.target)):
        for record in items:
            for label in (record.name, *record.synonyms):
                owners = {i for k, i in atlas.name_index.get(normalise(label), ()) if k == kind}
                if len(owners) == 1:
                    assert look_up(label).id == record.id, (kind, label)


def test_a_nerve_beside_a_named_procedure_is_refused_on_every_surface():
    """Bug: `plan -p lfcn_neurectomy --nerve "ulnar nerve"` cut both nerves under the LFCN title on the CLI and the
    Python API (only the web refused it); the rule now lives in PlanRequest, which every surface builds."""
    import pytest

    from neurectomy.names import RequestError

    with pytest.raises(RequestError) as caught:
        neurectomy.plan("lfcn_neurectomy", nerve="ulnar nerve")
    assert caught.value.field == "nerve"
    code, out, err = _cli("plan", "-p", "lfcn_neurectomy", "--nerve", "ulnar nerve", "--side", "left")
    assert code == 2 and "makes its own cuts" in err and not out
    answer = _client().get("/api/plan", params={"procedure": "lfcn_neurectomy", "nerve": "ulnar nerve"})
    assert answer.status_code == 422 and "makes its own cuts" in answer.text
    # a condition with a nerve plans the nerve (the condition picks no procedure then), so that stays allowed
    neurectomy.plan(condition="meralgia paresthetica", nerve="lateral femoral cutaneous nerve", side="left")


def test_the_spellings_clinicians_type_for_common_conditions_resolve():
    """Bug (cold review of issue 13/15): 'Menieres', "Frey's", 'meralgia parasthetica', 'palmar hyperhydrosis' and
    'primary dysmenorrhea' were refused although each can mean only one condition; they are explicit synonyms now
    (never a fuzzy guess: 'Morton neuroma' still asks which web space)."""
    import pytest

    from neurectomy import conditions
    from neurectomy.names import AmbiguousNameError

    expected = {
        "Menieres": "menieres_disease",
        "Frey's": "freys_syndrome",
        "meralgia parasthetica": "meralgia_paresthetica",
        "palmar hyperhydrosis": "palmar_hyperhidrosis",
        "primary dysmenorrhea": "dysmenorrhoea",
    }
    assert {q: conditions.resolve_condition(q).id for q in expected} == expected
    with pytest.raises(AmbiguousNameError):
        conditions.resolve_condition("Morton neuroma")


def test_the_cohort_table_names_what_it_counts():
    """Bug: the cohort table headed its columns 'function at 1 y / 5 y' and showed 0.00 after a cut with cautery,
    while the plan's course for the same cut shows feeling returning from neighbouring nerves (collateral
    sprouting); the cohort counts fibres reconnected to their own targets, so the columns say so."""
    code, out, err = _cli("simulate", "cohort", "--n", "12000", "--draws", "10", "--inline")
    assert code == 0, err
    assert "reconnected" in out and "function" not in out.split("Reconnected:")[0]
    assert "collateral" in out
    course = neurectomy.plan(nerve="sural nerve", end_treatments=["cautery"], side="left", years=5).timeline.curves
    assert course.reconnected.max() == 0 and course.function[..., -1].max() > 0


def test_distal_to_a_branch_is_read_as_a_branch_even_when_its_name_holds_a_landmark_word():
    """Bug (found by the lesion property test in CI): 'distal to the branch to skin of upper posterior leg (calf)'
    on spinal nerve L5 was read as a landmark phrase ('calf' is part of the 'mid-calf' landmark of a branch far
    below), so the cut was refused as lying past a division; a phrase that names a branch is that branch's exit."""
    at = "distal to the branch to skin of upper posterior leg (calf)"
    distal = neurectomy.lesion("spinal nerve L5", at=at)
    proximal = neurectomy.lesion("spinal nerve L5", at=at.replace("distal", "proximal"))
    assert distal.cuts[0].mm > proximal.cuts[0].mm
    assert distal.lost("skin_calf", "left") < proximal.lost("skin_calf", "left")


def test_search_finds_a_name_as_it_is_being_typed():
    """Bug (CI browser test): after loose fuzzy matches were dropped, the atlas page's live suggestions showed
    nothing for "peron" on the way to "peroneal"; the last word of a query may be the start of a word (3 letters or
    more), and only the last ("lat fem" still finds nothing rather than guessing)."""
    from neurectomy.atlas import load_atlas

    atlas = load_atlas()
    assert atlas.search("peron", 3)[0][1] == "common_fibular_nerve"
    assert atlas.search("lat fem", 3) == []
    assert atlas.search("Guyon", 3)[0][0] == "landmark"
