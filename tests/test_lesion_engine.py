"""The lesion semantics of DESIGN §4 on a fixture atlas small enough to work out by hand."""

from __future__ import annotations

import math

import pytest

from neurectomy.lesion import Cut, PositionError, lesion, lesion_batch
from neurectomy.names import UnknownNameError


def lost(deficit, target_id, side="left"):
    return deficit.lost(target_id, side)


def test_whole_trunk_cut_takes_every_target_it_carries(mini):
    d = lesion(mini, Cut("trunk nerve"))
    assert lost(d, "muscle_x") == pytest.approx(1.0)
    assert lost(d, "skin_only") == pytest.approx(1.0)
    assert lost(d, "skin_shared") == pytest.approx(0.5)
    assert lost(d, "muscle_dual") == pytest.approx(0.75)
    effects = {x.target.id: x.effect for x in d.losses}
    assert effects == {
        "muscle_x": "paralysed",
        "muscle_c6": "paralysed",
        "muscle_dual": "weak",
        "skin_only": "anaesthetic",
        "skin_shared": "hypoaesthetic",
    }


def test_cut_at_landmark_spares_branches_that_left_proximally(mini):
    d = lesion(mini, Cut("trunk", at="elbow"))
    assert d.cuts[0].mm == 30
    assert lost(d, "muscle_x") == 0.0
    assert lost(d, "skin_only") == pytest.approx(1.0)


def test_distal_and_proximal_to_a_branch(mini):
    distal = lesion(mini, Cut("trunk", at="distal to the branch to skin of only region"))
    assert lost(distal, "skin_only") == 0.0
    assert lost(distal, "muscle_dual") == pytest.approx(0.75)
    proximal = lesion(mini, Cut("trunk", at="proximal to the branch to skin of only region"))
    assert lost(proximal, "skin_only") == pytest.approx(1.0)
    by_nerve = lesion(mini, Cut("trunk", at="distal to motor branch"))
    assert lost(by_nerve, "muscle_x") == 0.0 and lost(by_nerve, "skin_only") == pytest.approx(1.0)


def test_plexus_root_cut_weakens_and_root_filter_applies(mini):
    d = lesion(mini, Cut("root a"))
    assert lost(d, "muscle_x") == pytest.approx(0.5)
    assert lost(d, "muscle_c6") == 0.0  # declared C6 only: no C5 route
    assert lost(d, "skin_shared") == pytest.approx(0.25)
    both = lesion(mini, Cut("root a"), Cut("root b"))
    whole = lesion(mini, Cut("trunk"))
    assert {(x.target.id, round(x.supply_lost, 9)) for x in both.losses} == {
        (x.target.id, round(x.supply_lost, 9)) for x in whole.losses
    }


def test_overlapping_cuts_count_once(mini):
    d = lesion(mini, Cut("trunk"), Cut("skin branch"), Cut("trunk", at="wrist"))
    assert lost(d, "skin_only") == pytest.approx(1.0)
    assert lost(d, "skin_shared") == pytest.approx(0.5)


def test_two_suppliers_cut_make_a_region_anaesthetic(mini):
    d = lesion(mini, Cut("skin branch"), Cut("other nerve"))
    assert {x.target.id: x.effect for x in d.sensory}["skin_shared"] == "anaesthetic"


def test_sides_are_separate(mini):
    d = lesion(mini, Cut("skin branch", side="left"), Cut("other nerve", side="right"))
    assert lost(d, "skin_shared", "left") == pytest.approx(0.5)
    assert lost(d, "skin_shared", "right") == pytest.approx(0.5)
    assert {x.side for x in d.losses} == {"left", "right"}


def test_json_groups_are_always_present(mini):
    out = lesion(mini, Cut("motor branch")).to_dict()
    groups = {"cuts", "sensory", "motor", "autonomic", "special", "articular", "visceral", "summary"}
    assert set(out) == groups | {"function", "function_not_modelled", "warnings"}
    assert out["sensory"] == [] and out["visceral"] == []
    item = out["motor"][0]
    assert item["target"] == {"id": "muscle_c6", "name": "muscle of c6"} or item["target"]["id"] == "muscle_x"
    assert {"target", "side", "supply_lost", "effect", "actions"} <= set(item)


def test_bad_positions_and_names_are_explained(mini):
    with pytest.raises(PositionError, match="did you mean"):
        lesion(mini, Cut("trunk", at="elbw"))
    with pytest.raises(PositionError, match="outside"):
        lesion(mini, Cut("trunk", mm=1000))
    with pytest.raises(PositionError):
        lesion(mini, Cut("trunk", at="elbow", mm=3))
    with pytest.raises(UnknownNameError) as info:
        lesion(mini, Cut("trunc nerve"))
    assert "trunk nerve" in info.value.suggestions


def test_batch_equals_single_cuts(mini):
    import numpy as np

    nerves = np.array([mini.nerve_idx(n) for n in ("trunk", "trunk", "root_a", "skin_branch", "other_nerve")])
    mm = np.array([0.0, 30.0, 0.0, 40.0, 59.0])
    matrix = lesion_batch(mini, nerves, mm).toarray()
    for row, (n, p) in enumerate(zip(nerves, mm, strict=True)):
        d = lesion(mini, Cut(mini.nerves[n].id, mm=float(p)))
        for t, target in enumerate(mini.targets):
            assert math.isclose(matrix[row, t], d.lost(target.id), abs_tol=1e-12)


def test_dfs_interval_is_the_subtree(mini):
    trunk = mini.nerve_idx("trunk")
    ids = {mini.nerves[i].id for i in mini.descendants(trunk)}
    assert ids == {"motor_branch", "skin_branch"}
