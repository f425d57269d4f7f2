"""The conditions table (issue 13, item 1): loading, validation and look-up of clinical conditions.

Expected values are written from anatomy and the ICD-10-CM tabular list, not read off the program.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from neurectomy import conditions
from neurectomy.datafile import DataFileError
from neurectomy.names import AmbiguousNameError, UnknownNameError
from neurectomy.procedures import load_procedures


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "conditions.yaml"
    path.write_text(body, encoding="utf-8")
    return path


GOOD = """conditions:
  - id: x
    name: x condition
    regions: [skin_lateral_thigh]
    procedures: [lfcn_neurectomy]
    source: gray42
"""


def test_every_condition_region_is_an_atlas_target(atlas):
    """Catches a condition whose region id is misspelt or was renamed in the atlas (it would fail only when asked)."""
    assert conditions.check_conditions(atlas) == []


def test_every_condition_procedure_exists_and_the_table_is_not_empty():
    """Catches a procedure key that is not in procedures_data.yaml slipping past the load-time check."""
    table = conditions.load()
    procedures = load_procedures()
    assert len(table) >= 30
    assert all(key in procedures for c in table.values() for key in c.procedures)


def test_unknown_procedure_key_is_refused_at_load_with_its_line(tmp_path):
    """Catches a data file naming a procedure that does not exist being accepted (a plan would fail later)."""
    path = _write(tmp_path, GOOD.replace("lfcn_neurectomy", "lfcn_neurectomi"))
    with pytest.raises(DataFileError) as err:
        conditions.load(path)
    problem = err.value.problems[0]
    assert (problem.record, problem.field, problem.line) == ("x", "procedures.0", 5)
    assert "lfcn_neurectomy" in problem.message  # the suggestion


def test_unknown_function_and_missing_meaning_are_refused(tmp_path):
    """Catches a condition that means nothing (no region, no function) or names a function targeting lacks."""
    with pytest.raises(DataFileError, match="at least one region"):
        conditions.load(_write(tmp_path, GOOD.replace("    regions: [skin_lateral_thigh]\n", "")))
    with pytest.raises(DataFileError, match="no targeting function 'sneezing'"):
        conditions.load(_write(tmp_path, GOOD.replace("regions: [skin_lateral_thigh]", "functions: [sneezing]")))


def test_unknown_field_and_duplicate_id_are_refused(tmp_path):
    """Catches a typo'd field name (silently ignored) and a repeated id (the later record would win)."""
    with pytest.raises(DataFileError, match="procedurs"):
        conditions.load(_write(tmp_path, GOOD.replace("procedures:", "procedurs:")))
    with pytest.raises(DataFileError, match="duplicate condition id"):
        conditions.load(_write(tmp_path, GOOD + GOOD.removeprefix("conditions:\n")))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meralgia paresthetica", "meralgia_paresthetica"),
        ("Meralgia Paraesthetica", "meralgia_paresthetica"),
        ("G57.1", "meralgia_paresthetica"),
        ("g57.12", "meralgia_paresthetica"),  # left lower limb: a billable code under the category
        ("M54.81", "occipital_neuralgia"),
        ("Arnold's neuralgia", "occipital_neuralgia"),
        ("Morton's neuroma of the third web space", "mortons_neuroma_third_web_space"),
        ("Mortons neuroma, 3rd web space", "mortons_neuroma_third_web_space"),
        ("L74.512", "palmar_hyperhidrosis"),
        ("L74.52", "freys_syndrome"),
        ("H81.0", "menieres_disease"),
        ("Meniere's disease", "menieres_disease"),
        ("N94.6", "dysmenorrhoea"),
        ("painful periods", "dysmenorrhoea"),
        ("L4-5 facet pain", "lumbar_facet_pain_l4_l5"),
        ("C2-C3 facet pain", "cervical_facet_pain_c2_c3"),
        ("third occipital headache", "cervical_facet_pain_c2_c3"),
        ("G24.5", "blepharospasm"),
        ("G51.3", "hemifacial_spasm"),
        ("post-herniorrhaphy inguinodynia", "post_herniorrhaphy_inguinodynia"),
        ("Alcock canal syndrome", "pudendal_neuralgia"),
        ("scissoring gait", "adductor_spasticity"),
    ],
)
def test_condition_names_synonyms_and_codes_resolve(text, expected):
    """Catches a clinic name, a synonym or an ICD-10-CM code (category or billable) that does not find its condition."""
    if expected == "freys_syndrome" and "freys_syndrome" not in conditions.load():
        pytest.skip("Frey's syndrome needs the tympanic neurectomy of the cranial nerve work")
    assert conditions.resolve_condition(text).id == expected


@pytest.mark.parametrize(
    ("text", "candidates"),
    [
        ("Morton's neuroma", {"mortons_neuroma_second_web_space", "mortons_neuroma_third_web_space"}),
        ("G57.6", {"mortons_neuroma_third_web_space", "baxters_neuropathy"}),
        ("hyperhidrosis", {"palmar_hyperhidrosis", "axillary_hyperhidrosis", "plantar_hyperhidrosis"}),
        ("lumbar facet pain", {"lumbar_facet_pain_l4_l5", "lumbar_facet_pain_l5_s1"}),
    ],
)
def test_a_name_shared_by_several_conditions_is_refused_with_them(text, candidates):
    """Catches silent guessing: "Morton's neuroma" does not say which web space, "G57.6" is Morton's or Baxter's."""
    table = conditions.load()
    with pytest.raises(AmbiguousNameError) as err:
        conditions.resolve_condition(text)
    assert {table_id for table_id, c in table.items() if c.name in err.value.candidates} >= candidates


def test_an_unknown_condition_gets_suggestions():
    """Catches a typo giving a bare "unknown" with no way forward."""
    with pytest.raises(UnknownNameError) as err:
        conditions.resolve_condition("meralgia parestetica")
    assert any("meralgia" in s.lower() for s in err.value.suggestions)


def test_icd_codes_are_checked_or_absent():
    """Catches an ICD-10-CM code given without the source it was checked against."""
    for c in conditions.load().values():
        if c.icd10cm is not None:
            assert "ICD-10-CM" in c.icd10cm.source
            assert all(code.startswith(c.icd10cm.code) for code in c.icd10cm.billable)


def test_mortons_third_web_space_means_the_skin_its_neurectomy_treats():
    """Catches the condition and the named operation disagreeing about the territory of the third web space (the
    facing plantar sides of the third and fourth toes)."""
    c = conditions.resolve_condition("Morton's neuroma, third web space")
    assert set(c.regions) == {"skin_plantar_toe3_lateral", "skin_plantar_toe4_medial"}
    assert set(load_procedures()["mortons_neurectomy"].treats) == set(c.regions)
    assert c.procedures == ("mortons_neurectomy",)


@pytest.mark.parametrize(
    ("text", "targets", "side"),
    [
        ("third web space of the left foot", {"skin_plantar_toe3_lateral", "skin_plantar_toe4_medial"}, "left"),
        ("right 2nd web space foot", {"skin_plantar_toe2_lateral", "skin_plantar_toe3_medial"}, "right"),
        ("first dorsal web space of the foot", {"skin_dorsal_hallux_lateral", "skin_dorsal_toe2_medial"}, None),
        ("first dorsal web space of the hand", {"skin_first_dorsal_web_space"}, None),
        ("second web space of the hand", {"skin_palmar_index_ulnar_side", "skin_palmar_middle_radial_side"}, None),
        ("fourth plantar web space", {"skin_plantar_toe4_lateral", "skin_plantar_toe5_medial"}, None),
    ],
)
def test_web_space_phrases_mean_the_facing_digit_sides(text, targets, side):
    """Catches a web space mapped to the wrong digits (web space n lies between digits n and n+1)."""
    found = conditions.region_phrase(text)
    assert found is not None
    assert set(found.targets) == targets
    assert found.side == side


def test_a_web_space_without_hand_or_foot_is_an_error_asking_which():
    """Catches "first dorsal web space" being planned on both the hand and the foot (issue 13, Why)."""
    with pytest.raises(AmbiguousNameError) as err:
        conditions.region_phrase("first dorsal web space")
    assert any("hand" in c for c in err.value.candidates) and any("foot" in c for c in err.value.candidates)
