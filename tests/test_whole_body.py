"""Whole-body atlas (issue 4): floors, landmark cuts, and each named procedure's cut taking what it exists to take
while sparing what it is meant to spare."""

from __future__ import annotations

import pytest

from neurectomy.lesion import Cut, lesion


def test_floors(atlas):
    c = atlas.counts()
    assert c["nerves"] >= 600 and c["muscles"] >= 200 and c["skin_regions"] >= 150
    assert c["joints"] >= 40 and c["viscera_glands"] >= 15 and c["special_organs"] >= 4
    from neurectomy.bodymap import skin_regions_without_chart

    assert skin_regions_without_chart(atlas) == 0


def _functions(d, group):
    return {x.target.id: x.supply_lost for x in d.group(group)}


def test_vestibular_nerve_in_the_internal_acoustic_meatus_takes_balance_not_hearing(atlas):
    d = lesion(atlas, Cut("vestibular nerve", at="internal acoustic meatus"))
    lost = {x.target.function for x in d.special}
    assert lost == {"balance"}
    assert not d.motor and not d.sensory


def test_presacral_nerve_at_the_sacral_promontory_takes_uterine_pain_not_cervix_or_muscle(atlas):
    d = lesion(atlas, Cut("presacral nerve", at="aortic bifurcation"))
    visceral = _functions(d, "visceral")
    assert visceral["uterus"] == pytest.approx(1.0)
    assert visceral.get("cervix_of_uterus", 0.0) == 0.0
    assert visceral.get("erectile_tissue", 0.0) == 0.0  # erection runs with the pelvic splanchnic nerves
    assert not d.motor and not d.sensory


@pytest.mark.parametrize(
    ("level", "lost", "spared"),
    [
        # the trunk cut at R2 alone leaves the palm's route through the nerve of Kuntz (kuntz1927), which the
        # operation divides by extending the cut along the 2nd rib (see test_operated_anatomy.py)
        ("2nd rib (R2)", {"sweat_glands_of_face", "cutaneous_vessels_of_face"}, {"dilator_pupillae"}),
        ("3rd rib (R3)", {"sweat_glands_of_palm"}, {"sweat_glands_of_face", "cutaneous_vessels_of_face"}),
    ],
)
def test_thoracic_sympathicotomy_takes_sweating_not_somatic_function(atlas, level, lost, spared):
    nerve = (
        "sympathetic trunk between T1 and T2 ganglia"
        if level.startswith("2")
        else "sympathetic trunk between T2 and T3 ganglia"
    )
    d = lesion(atlas, Cut(nerve, at=level))
    autonomic = _functions(d, "autonomic") | _functions(d, "visceral")
    for t in lost:
        assert autonomic.get(t, 0) == pytest.approx(1.0), t
    for t in spared:
        assert autonomic.get(t, 0) == 0.0, t
    assert not d.motor and not d.sensory


def test_stellate_ganglion_cut_gives_horner_syndrome(atlas):
    d = lesion(atlas, Cut("stellate ganglion"))
    visceral = _functions(d, "visceral") | _functions(d, "autonomic")
    assert visceral["superior_tarsal_muscle"] > 0 and visceral["dilator_pupillae"] > 0


def test_medial_branch_takes_the_facet_joints_not_skin(atlas):
    d = lesion(atlas, Cut("L4 medial branch"))
    joints = _functions(d, "articular")
    assert joints["facet_joint_l4_l5"] == pytest.approx(0.5) and joints["facet_joint_l5_s1"] == pytest.approx(0.5)
    assert not d.sensory


def test_interdigital_nerve_takes_toe_skin_not_muscle(atlas):
    d = lesion(atlas, Cut("third common plantar digital nerve"))
    assert d.sensory and not d.motor
    assert all("toe" in x.target.name for x in d.sensory)


def test_selective_motor_neurectomy_takes_the_calf_not_the_sole(atlas):
    d = lesion(
        atlas,
        Cut("nerve to soleus"),
        Cut("nerve to medial head of gastrocnemius"),
        Cut("nerve to lateral head of gastrocnemius"),
    )
    assert {x.target.id for x in d.motor} == {"soleus", "gastrocnemius_medial_head", "gastrocnemius_lateral_head"}
    assert not d.sensory


def test_a_limb_nerve_cut_takes_sweating_with_the_skin(atlas):
    d = lesion(atlas, Cut("median nerve", at="carpal tunnel"))
    skin = {x.target.id: x.supply_lost for x in d.sensory}
    sweat = {
        x.target.id.removeprefix("sudomotor_"): x.supply_lost
        for x in d.autonomic
        if x.target.id.startswith("sudomotor_")
    }
    assert skin and sweat == skin
    assert all(x.effect.startswith(("loss of sweating", "reduction of sweating")) for x in d.sudomotor)
    assert not lesion(atlas, Cut("nerve to soleus")).sudomotor  # a muscular branch carries no sudomotor fibres
