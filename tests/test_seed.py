"""One test per sentence of the source text (shared/reference/seed-neurectomy.txt), asserting the behaviour that
makes the sentence true. The first test checks that every sentence has its test."""

from __future__ import annotations

import re

import numpy as np
import pytest

import neurectomy
from neurectomy.evidence import compare, for_procedure
from neurectomy.methods import get_end_treatment, get_method, neuroma_risk
from neurectomy.procedures import get_procedure, load_procedures
from neurectomy.regrowth.kinetics import timeline

from .conftest import SHARED

SENTENCES = [s.strip() for s in (SHARED / "seed-neurectomy.txt").read_text(encoding="utf-8").splitlines() if s.strip()]
PATIENT = {
    "pain_nrs": 8,
    "pain_months": 24,
    "failed_treatments": ["medication", "physiotherapy"],
    "numbness_acceptable": True,
}


def test_every_sentence_has_a_test():
    assert len(SENTENCES) == 21
    names = [n for n in globals() if re.match(r"test_s\d\d_", n)]
    assert sorted(int(n[6:8]) for n in names) == list(range(1, 22))


def test_s01_a_nerve_or_a_section_of_it_is_severed_or_removed():
    assert SENTENCES[0].startswith("Neurectomy is a surgical procedure")
    cut, resection = get_method("surgical cut"), get_method("resection")
    assert cut.interrupts and resection.interrupts and cut.family == resection.family == "surgical"
    assert neurectomy.lesion("sural nerve", method="resection").sensory


def test_s02_cutting_a_sensory_nerve_severs_its_basal_lamina_tubes():
    plan = neurectomy.plan(nerve="sural nerve", method="surgical_cut")
    assert plan.deficit.sensory and not plan.deficit.motor
    assert plan.to_dict()["method"]["basal_lamina_tubes_intact"] is False


def test_s03_without_tubes_regrowth_is_not_channelled_and_neuroma_or_deafferentation_pain_develop_over_time(atlas):
    d = neurectomy.lesion("sural nerve")
    c = timeline(atlas, d, get_method("surgical_cut")).curves
    assert c.reconnected.max() <= 0.1 + 1e-9  # not channelled back
    assert np.all(np.diff(c.neuroma_risk, axis=-1) >= 0) and c.neuroma_risk[:, -1].min() > c.neuroma_risk[:, 1].max()
    assert c.deafferentation_risk[:, -1].min() > 0


def test_s04_the_neurolytic_is_preferred_over_the_surgical_sensory_block():
    assert neuroma_risk(get_method("phenol")) < neuroma_risk(get_method("surgical_cut"))
    plan = neurectomy.plan(nerve="sural nerve", patient=PATIENT)
    rule = next(r for r in plan.candidacy.reasons if r.rule == "neurolytic_first")
    assert rule.verdict == "conditional" and any("neurolytic" in a for a in plan.alternatives)


def test_s05_for_rare_severe_chronic_pain_after_failed_treatment_and_for_twitching_blushing_or_sweating():
    mild = neurectomy.plan(nerve="sural nerve", patient={**PATIENT, "pain_nrs": 3})
    assert next(r for r in mild.candidacy.reasons if r.rule == "indication").verdict == "conditional"
    functions = " ".join(f for p in load_procedures().values() for f in p.functions_disabled).lower()
    for word in ("twitch", "blush", "sweat"):
        assert word in functions


def test_s06_a_peripheral_nerve_is_cut_or_removed():
    assert SENTENCES[5].startswith("A neurectomy, also known as nerve resection")
    for name in ("nerve resection", "neurectomy"):
        assert get_method(name).interrupts
    d = neurectomy.lesion("common fibular nerve", at="fibular neck", side="right")
    assert d.cuts[0].side == "right" and d.motor


def test_s07_relieve_neuropathic_pain_or_permanently_disable_a_function():
    goals = {p.goal for p in load_procedures().values()}
    assert goals == {"pain_relief", "disable_function"}
    permanent = neurectomy.plan("ets_r3_palmar_hyperhidrosis").timeline
    full = permanent.lost > 0.999
    assert full.any() and permanent.curves.function[full, -1].max() <= 0.1 + 1e-9
    assert permanent.curves.reconnected.max() <= 0.1 + 1e-9


def test_s08_when_treatments_failed_numbness_acceptable_best_without_motor_function():
    untried = neurectomy.plan(nerve="sural nerve", patient={**PATIENT, "failed_treatments": []})
    assert next(r for r in untried.candidacy.reasons if r.rule == "other_treatments_failed").verdict == "conditional"
    refuses = neurectomy.plan(nerve="sural nerve", patient={**PATIENT, "numbness_acceptable": False})
    assert refuses.candidacy.verdict == "not indicated"
    motor = neurectomy.plan(nerve="femoral nerve", patient=PATIENT)
    assert next(r for r in motor.candidacy.reasons if r.rule == "motor_function").verdict == "conditional"


def test_s09_common_uses_are_listed():
    assert SENTENCES[8] == "Common Uses"
    categories = {p.category for p in load_procedures().values()}
    assert {"pain_sensory", "sympathetic", "special_sense", "interdigital"} <= categories


def test_s10_neuropathic_pain_not_responding_to_decompression():
    entrapped = neurectomy.plan(nerve="ulnar nerve", at="elbow", patient={**PATIENT, "entrapment": True})
    rule = next(r for r in entrapped.candidacy.reasons if r.rule == "decompression_alternative")
    assert rule.verdict == "conditional" and any("decompression" in a for a in entrapped.alternatives)
    done = neurectomy.plan(
        nerve="ulnar nerve", at="elbow", patient={**PATIENT, "entrapment": True, "failed_treatments": ["decompression"]}
    )
    assert next(r for r in done.candidacy.reasons if r.rule == "decompression_alternative").verdict == "favourable"


def test_s11_it_can_block_sweating_or_muscle_cramps():
    sweat = neurectomy.plan("ets_r3_palmar_hyperhidrosis").deficit
    assert any("palm" in x.target.name and x.effect.startswith("loss") for x in sweat.autonomic)
    cramps = neurectomy.plan("selective_tibial_neurotomy").deficit
    assert {"soleus"} <= {x.target.name for x in cramps.motor}


def test_s12_vestibular_dysfunction_and_mortons_neuroma():
    vertigo = neurectomy.plan("vestibular_neurectomy").deficit
    assert vertigo.special and all("balance" in (x.target.function or "") for x in vertigo.special)
    morton = neurectomy.plan("mortons_neurectomy").deficit
    assert morton.sensory and any("toe" in x.target.name for x in morton.sensory)


def test_s13_vestibular_neurectomy_relieves_vertigo_while_preserving_hearing():
    d = neurectomy.plan("vestibular_neurectomy").deficit
    assert not any("hearing" in (x.target.function or "") for x in d.special)
    whole = neurectomy.lesion("vestibulocochlear nerve")
    assert any("hearing" in (x.target.function or "") for x in whole.special)
    assert any("hearing" in r["name"] for r in neurectomy.plan("vestibular_neurectomy").risks)


def test_s14_endoscopic_spine_neurectomy_for_facet_joint_pain():
    p = neurectomy.plan("endoscopic_medial_branch_neurotomy")
    assert any("facet" in x.target.name for x in p.deficit.articular)
    assert not p.deficit.sensory
    assert "endoscop" in (p.procedure.imaging_guidance + p.procedure.name + " ".join(p.procedure.steps)).lower()


def test_s15_presacral_neurectomy_removes_uterine_pain_afferents():
    d = neurectomy.plan("presacral_neurectomy").deficit
    lost = {x.target.id: x.supply_lost for x in d.visceral}
    assert lost.get("uterus", 0) > 0.99
    assert lost.get("cervix_of_uterus", 0) < 0.5
    assert "dysmenorrhea" in " ".join(get_procedure("presacral_neurectomy").indications).lower()


def test_s16_entrapment_neurectomy_for_meralgia_paresthetica():
    p = neurectomy.plan("lfcn_neurectomy")
    assert any("lateral thigh" in x.target.name and x.effect == "anaesthetic" for x in p.deficit.sensory)
    assert "meralgia" in " ".join(p.procedure.indications).lower()


def test_s17_numbness_along_the_area_supplied_by_the_nerve():
    d = neurectomy.lesion("sural nerve")
    assert d.sensory and all(x.effect in ("anaesthetic", "hypoaesthetic") for x in d.sensory)
    assert "numb" in d.summary


def test_s18_in_meralgia_neurectomy_beats_decompression_on_pain_relief():
    groups = compare("lfcn_neurectomy", "lfcn_decompression", "complete pain relief")
    assert groups
    a, b = groups[0].a[0], groups[0].b[0]
    assert a.value.x > b.value.x  # E001 85% vs E002 63%
    assert for_procedure("lfcn_neurectomy")


def test_s19_risks_neuroma_weakness_and_site_specific_hearing_loss_and_infection():
    generic = neurectomy.plan(nerve="femoral nerve")
    names = " ".join(r["name"] for r in generic.risks)
    assert "neuroma" in names and "weakness" in names and "infection" in names
    vestibular = [r for r in neurectomy.plan("vestibular_neurectomy").risks if "hearing" in r["name"]]
    assert vestibular and all(r["site_specific"] for r in vestibular)


@pytest.mark.parametrize("name", sorted(load_procedures()))
def test_s20_general_anaesthesia_imaging_guidance_incision_and_cut(name):
    p = get_procedure(name)
    assert p.anaesthesia and p.anaesthesia_source and p.imaging_guidance and p.incision and p.cuts
    if p.method in ("surgical_cut", "resection") and p.category not in ("special_sense",):
        assert "general" in p.anaesthesia.lower() or p.anaesthesia_source.startswith("estimate")


def test_s21_cauterising_the_end_prevents_regrowth(atlas):
    d = neurectomy.lesion("sural nerve")
    plain = timeline(atlas, d, get_method("surgical_cut")).curves
    burned = timeline(atlas, d, get_method("surgical_cut"), [get_end_treatment("cautery")]).curves
    assert plain.reconnected.max() > 0 and burned.reconnected.max() == 0
    assert burned.neuroma_risk[:, -1].max() < plain.neuroma_risk[:, -1].max()
