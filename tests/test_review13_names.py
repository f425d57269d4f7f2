"""Cold review of issue 13, findings 7, 8, 9, 10, 13 and 15: landmark cuts that took nothing, the posterior
interosseous nerve at the arcade of Frohse, the eponym "Arnold" resolved silently, atlas search for eponyms and
conditions, clinic spellings (sides, ordinals, cranial numbers, distances), the left recurrent laryngeal nerve.

Expected values are written from anatomy (Gray's Anatomy 42nd ed.; Moore's Clinically Oriented Anatomy 9th ed.;
Abrams 1992 and Ikiz 2004 for the superficial radial nerve; Vloka 2001 for the sciatic division), not read off
the program.
"""

from __future__ import annotations

import pytest

from neurectomy.conditions import resolve_condition
from neurectomy.lesion import Cut, PositionError, lesion, resolve_position
from neurectomy.names import AmbiguousNameError, RequestError, canonical, normalise, split_side
from neurectomy.requests import check_side
from neurectomy.serialise import search_json


def lost(atlas, *cuts: Cut) -> set[str]:
    return {x.target.id for x in lesion(atlas, *cuts).losses}


# --------------------------------------------------------------------------- finding 7
def test_no_landmark_cut_takes_nothing_without_saying_so(atlas):
    """Catches finding 7: a cut at a landmark past the nerve's last branch (the superficial radial nerve 'at the
    wrist' after its division, the oculomotor nerve at the superior orbital fissure after its division) printed
    'No skin numbness. No muscle loses its supply.' as if that were the answer. Every landmark of every nerve is cut;
    one that takes nothing must carry a warning, in the summary and in the JSON."""
    silent = []
    for nerve in atlas.nerves:
        for name, _ in nerve.landmarks:
            d = lesion(atlas, Cut(nerve.id, at=name, side="midline" if nerve.midline else "left"))
            if d.losses:
                continue
            out = d.to_dict()
            if not (d.warnings and out["warnings"] and "Warning:" in out["summary"]):
                silent.append(f"{nerve.id} at {name}")
    assert not silent, silent


@pytest.mark.parametrize(
    ("nerve", "at", "expected"),
    [
        # Wartenberg's: the whole dorsoradial hand from the trunk before its division (4.9 cm above the styloid)
        ("superficial branch of radial nerve", "5 cm above the wrist crease", "skin_first_dorsal_web_space"),
        ("superficial branch of radial nerve", "emerges between brachioradialis and ECRL tendons", None),
        # a complete third nerve palsy: both divisions pass the fissure
        ("oculomotor nerve", "superior orbital fissure", "superior_rectus"),
        ("oculomotor nerve", "superior orbital fissure", "inferior_oblique"),
        ("glossopharyngeal nerve", "base of tongue", None),
        ("iliohypogastric nerve", "superficial inguinal ring", None),
        ("intercostal nerve T2", "parasternal", None),
        ("intercostal nerve T4", "sternum", None),
        ("intercostal nerve T6", "parasternal", None),
    ],
)
def test_landmark_cuts_take_what_lies_distal(atlas, nerve, at, expected):
    """Catches finding 7: these cuts took nothing (the landmark lay past the nerve's last branch)."""
    found = lost(atlas, Cut(nerve, at=at))
    assert found, f"{nerve} at {at} takes nothing"
    if expected:
        assert expected in found


@pytest.mark.parametrize(
    ("nerve", "at", "branch"),
    [
        ("superficial branch of radial nerve", "wrist", "medial branch of superficial branch of radial nerve"),
        ("superficial branch of radial nerve", "radial styloid", "lateral branch of superficial branch"),
        ("lateral cutaneous nerve of forearm", "wrist", "anterior branch of lateral cutaneous nerve of forearm"),
        ("medial cutaneous nerve of forearm", "elbow (medial epicondyle)", "posterior branch of medial cutaneous"),
        ("sciatic nerve", "popliteal crease", "tibial nerve"),
    ],
)
def test_a_landmark_past_the_division_names_the_branches(atlas, nerve, at, branch):
    """Catches finding 7: a landmark the nerve reaches only as its branches (it has divided) was taken on the trunk,
    past its branches, and cut nothing; it is an error naming the branches that pass there, never one chosen."""
    with pytest.raises(PositionError) as exc:
        resolve_position(atlas, atlas.nerve_idx(nerve), at, None)
    assert "divides" in str(exc.value) and any(branch in s for s in exc.value.suggestions)


# --------------------------------------------------------------------------- finding 8
def test_pin_arises_at_the_radial_division_and_enters_supinator_at_the_arcade(atlas):
    """Catches finding 8: 'posterior interosseous nerve at the arcade of Frohse' said the arcade lies before the
    nerve's origin (the PIN started at the distal border of supinator). It arises where the superficial branch does
    and passes under the arcade a few centimetres later; a cut there spares the branches to extensor carpi radialis
    brevis and supinator given before it and paralyses the finger and thumb extensors."""
    pin = atlas.nerve("posterior interosseous nerve")
    srn = atlas.nerve("superficial branch of radial nerve")
    assert (pin.parent, pin.origin_mm) == ("radial_nerve", srn.origin_mm)
    assert 0 < dict(pin.landmarks)["arcade of Frohse"] < dict(pin.landmarks)["distal border of supinator"]
    assert atlas.nerve("deep branch of radial nerve").id == "posterior_interosseous_nerve"
    taken = lost(atlas, Cut("PIN", at="Frohse"))
    assert {"extensor_digitorum", "extensor_pollicis_longus", "extensor_carpi_ulnaris"} <= taken
    assert not {"supinator", "extensor_carpi_radialis_brevis", "extensor_carpi_radialis_longus"} & taken


def test_frohse_on_the_radial_nerve_points_to_the_pin(atlas):
    """Catches finding 8: 'arcade of Frohse' on the radial nerve was unknown with no hint; the radial nerve has
    divided there, so the answer names the posterior interosseous nerve."""
    with pytest.raises(PositionError) as exc:
        resolve_position(atlas, atlas.nerve_idx("radial nerve"), "arcade of Frohse", None)
    assert any("posterior interosseous nerve" in s for s in exc.value.suggestions)


# --------------------------------------------------------------------------- finding 9
@pytest.mark.parametrize("name", ["Arnold's nerve", "Arnold nerve", "nerve of Arnold", "Arnold"])
def test_arnold_names_two_nerves_and_is_never_resolved_silently(atlas, name):
    """Catches finding 9: "Arnold's nerve" resolved to the auricular branch of the vagus, while the occipital
    neuralgia literature (and the conditions data) means the greater occipital nerve."""
    with pytest.raises(AmbiguousNameError) as exc:
        atlas.nerve(name)
    assert {"auricular branch of vagus nerve", "greater occipital nerve"} <= set(exc.value.candidates)


# --------------------------------------------------------------------------- finding 10
@pytest.mark.parametrize(
    ("query", "kind", "ident"),
    [
        ("Arnold", "nerve", "greater_occipital_nerve"),
        ("Arnold", "nerve", "auricular_branch_of_vagus_nerve"),
        ("Guyon", "landmark", "ulnar_nerve@Guyon's canal"),
        ("Hunter", "landmark", "saphenous_nerve@adductor canal"),
        ("Alcock", "landmark", "pudendal_nerve@pudendal canal"),
        ("Struthers", "landmark", "ulnar_nerve@arcade of Struthers"),
        ("Frohse", "landmark", "posterior_interosseous_nerve@arcade of Frohse"),
        ("Frey", "condition", "freys_syndrome"),
        ("Morton", "condition", "mortons_neuroma_third_web_space"),
        ("Jacobson", "nerve", "tympanic_nerve"),
        ("ulner nerve", "nerve", "ulnar_nerve"),
        ("suralnerve", "nerve", "sural_nerve"),
    ],
)
def test_search_finds_eponyms_landmarks_and_conditions(atlas, query, kind, ident):
    """Catches finding 10: Guyon -> greater occipital nerve, Hunter -> uterus, Alcock -> ankle joint, Struthers ->
    uterus, Frohse -> temporal branches, Frey -> ductus deferens, Morton -> third occipital nerve; 'Arnold' did not
    list the greater occipital nerve. Typos are still forgiven."""
    hits = search_json(atlas, query, 10)
    assert {"kind": kind, "id": ident} in [{"kind": h["kind"], "id": h["id"]} for h in hits], hits


@pytest.mark.parametrize(
    ("query", "unrelated"),
    [
        ("Guyon", "greater_occipital_nerve"),
        ("Frey", "ductus_deferens"),
        ("vidian", "inferior_alveolar_nerve"),
        ("vidian", "accessory_nerve"),
        ("Jacobson", "lesser_occipital_nerve"),
        ("Morton", "third_occipital_nerve"),
    ],
)
def test_search_drops_loose_matches(atlas, query, unrelated):
    """Catches finding 10: loose fuzzy matches (a shared letter pattern, 'Frey' ~ 'grey') listed as hits."""
    assert unrelated not in [h["id"] for h in search_json(atlas, query, 10)]


def test_a_landmark_hit_carries_the_cut_it_names(atlas):
    """Catches a landmark hit that could not be cut: its nerve and landmark are the values a cut takes."""
    hit = next(h for h in search_json(atlas, "Guyon", 5) if h["kind"] == "landmark")
    assert lost(atlas, Cut(hit["nerve"], at=hit["at"]))


# --------------------------------------------------------------------------- finding 13
@pytest.mark.parametrize(
    ("name", "nerve_id"),
    [
        ("3rd occipital nerve", "third_occipital_nerve"),
        ("CN 7", "facial_nerve"),
        ("cranial nerve 12", "hypoglossal_nerve"),
        ("MABC", "medial_cutaneous_nerve_of_forearm"),
        ("LABC", "lateral_cutaneous_nerve_of_forearm"),
    ],
)
def test_clinic_numbers_and_abbreviations(atlas, name, nerve_id):
    """Catches finding 13: ordinals in digits, cranial nerves by arabic number and MABC were unknown."""
    assert atlas.nerve(name).id == nerve_id


@pytest.mark.parametrize(
    ("nerve", "phrase", "landmark", "delta"),
    [
        ("ulnar nerve", "2cm prox to medial epicondyle", "medial epicondyle", -20),
        ("ulnar nerve", "2 cm prox. to the medial epicondyle", "medial epicondyle", -20),
        ("median nerve", "five cm above the wrist", "wrist", -50),
        ("tibial nerve", "popliteal crease", "popliteal crease", 0),
        ("sciatic nerve", "7 cm above the popliteal crease", None, None),
    ],
)
def test_distance_phrases_as_surgeons_write_them(atlas, nerve, phrase, landmark, delta):
    """Catches finding 13: "2cm prox to …", "five cm above …" and the popliteal crease were refused."""
    idx = atlas.nerve_idx(nerve)
    mm, _ = resolve_position(atlas, idx, phrase, None)
    if landmark is not None:
        base, _ = resolve_position(atlas, idx, landmark, None)
        assert mm == pytest.approx(base + delta)
    else:  # sciatic: 7 cm above the crease is before its division (a mean 6 cm above the crease, Vloka 2001)
        assert mm <= atlas.nerve(nerve).length_mm


@pytest.mark.parametrize(("value", "side"), [("R", "right"), ("lt", "left"), ("L", "left"), ("Rt", "right")])
def test_side_short_forms(value, side):
    """Catches finding 13: --side R and --side lt were refused."""
    assert check_side(value) == side


@pytest.mark.parametrize("value", ["bilat", "bilateral", "both", "upper"])
def test_a_side_that_is_not_one_side_is_refused(value):
    """Catches a guess: 'bilateral' names two sides and is never taken as one."""
    with pytest.raises(RequestError):
        check_side(value)


@pytest.mark.parametrize(
    ("text", "side", "rest"),
    [
        ("L. ulnar n.", "left", "ulnar n."),
        ("left ulnar nerve", "left", "ulnar nerve"),
        ("right lateral thigh", "right", "lateral thigh"),
        ("ulnar nerve, right", "right", "ulnar nerve"),
        ("lateral thigh", None, "lateral thigh"),
        ("L4-5 facet pain", None, "L4-5 facet pain"),
    ],
)
def test_a_side_word_in_a_name_is_split_off(text, side, rest):
    """Finding 13: the side a name carries, for the request to use (and to refuse when it contradicts --side)."""
    assert split_side(text) == (side, rest)


@pytest.mark.parametrize(
    ("text", "condition_id"),
    [
        ("occipital neuralgias", "occipital_neuralgia"),
        ("hemifacial spasms", "hemifacial_spasm"),
        ("blepharospasms", "blepharospasm"),
        ("Menieres disease", "menieres_disease"),
    ],
)
def test_condition_plurals_and_accents(text, condition_id):
    """Catches finding 13: plural condition names were unknown; accents ("Ménière") split words in two."""
    assert resolve_condition(text).id == condition_id


def test_accents_are_folded_and_plurals_made_singular():
    """Catches 'Ménière' normalised as 'm ni re'."""
    assert normalise("Ménière's") == "meniere s"
    assert canonical("occipital neuralgias") == "occipital neuralgia"


# --------------------------------------------------------------------------- finding 15
def test_left_recurrent_laryngeal_distances_are_refused(atlas):
    """Catches finding 15: the left recurrent laryngeal nerve was measured on the right course (the left hooks
    under the aortic arch and is longer), so a distance on the left was silently wrong (refused now) and a position in
    mm silently measured on the right course (a warning now)."""
    assert "right course" in lesion(atlas, Cut("recurrent laryngeal nerve", mm=50, side="left")).to_dict()["summary"]
    with pytest.raises(PositionError, match="right"):
        lesion(atlas, Cut("recurrent laryngeal nerve", at="2 cm proximal to the ligament of Berry", side="left"))
    assert lost(atlas, Cut("recurrent laryngeal nerve", at="inferior thyroid artery", side="left"))
    assert lost(atlas, Cut("recurrent laryngeal nerve", at="2 cm proximal to the ligament of Berry", side="right"))
