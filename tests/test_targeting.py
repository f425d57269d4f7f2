"""Targeting (issue 6): textbook checks, MILP = brute force (hard and soft models), k-best, constraints."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from neurectomy.lesion import Cut, lesion
from neurectomy.names import UnknownNameError, normalise
from neurectomy.targeting import (
    Candidate,
    CoverModel,
    InfeasibleTargetError,
    solve_bruteforce,
    solve_milp,
    target,
)

from .anatomy_rule import matches_any, resolve
from .conftest import SHARED

CHECKS = yaml.safe_load((SHARED / "anatomy-checks.yaml").read_text())["targets"]
_IGNORED = {"the", "of", "nerve"}


def _core(name: str) -> str:
    return " ".join(w for w in normalise(name).split() if w not in _IGNORED)


def _cut_matches(atlas, cut_id: str, cut_name: str, alternatives: str) -> bool:
    for alt in alternatives.split("|"):
        resolved = resolve(atlas, alt)
        if resolved is not None and resolved.id == cut_id:
            return True
        if matches_any(cut_name, alt):
            return True
    return False


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.get("region") or c.get("function"))
def test_targeting_check(atlas, check):
    if "region" in check:
        result = target(atlas, regions=[check["region"]])
    else:
        result = None
        for alt in check["function"].split("|"):
            try:
                result = target(atlas, functions=[alt])
                break
            except UnknownNameError:
                continue
        assert result is not None
    best = result.plans[0]
    cut_ids = [(c.nerve_id, c.nerve_name) for c in best.cuts]
    assert any(_cut_matches(atlas, i, n, alt) for i, n in cut_ids for alt in check["expect_cut_any"]), cut_ids
    forbidden = {_core(f) for f in check.get("forbid_cut", [])}
    for _, name in cut_ids:
        assert _core(name) not in forbidden, f"{name} is forbidden"
    covered = {x.target.id: x.supply_lost for x in best.covers}
    assert all(covered.get(t.id, 0) >= 1 - 1e-9 for t in result.required)


@st.composite
def cover_models(draw, soft: bool = False):
    """Small random cover models: hard ones as :func:`target` builds them (required coverage, costs per target)
    and, with ``soft``, the penalty models :func:`localise` builds (observed loss levels with a penalty per unit of
    mismatch, spared targets that cost at least the penalty, one cost for every unmentioned target), mirroring
    ``build_model``."""
    n_cand = draw(st.integers(1, 7))
    n_paths = draw(st.integers(1, 10))
    n_targets = draw(st.integers(1, 5))
    cand_paths = tuple(
        tuple(sorted(draw(st.sets(st.integers(0, n_paths - 1), min_size=1, max_size=n_paths)))) for _ in range(n_cand)
    )
    covered = sorted({p for ps in cand_paths for p in ps})
    path_target = np.array([draw(st.integers(0, n_targets - 1)) for _ in range(n_paths)])
    path_weight = np.array([draw(st.floats(0.05, 1.0)) for _ in range(n_paths)])
    cost = np.array([draw(st.floats(0, 10)) for _ in range(n_targets)])
    observed: dict[int, float] = {}
    penalty = 0.0
    if soft:
        penalty = draw(st.floats(0, 20))
        unmentioned = draw(st.sampled_from([None, 0.2, penalty]))
        if unmentioned is not None:
            cost[:] = unmentioned
        level = st.one_of(st.sampled_from([1.0, 0.5]), st.floats(0, 1))
        observed = {t: draw(level) for t in draw(st.sets(st.integers(0, n_targets - 1), min_size=1))}
    required_targets = draw(st.sets(st.integers(0, n_targets - 1), max_size=1 if soft else 2)) - set(observed)
    required = {}
    for t in required_targets:
        reachable = sum(path_weight[p] for p in covered if path_target[p] == t)
        if reachable > 0:
            required[t] = float(draw(st.floats(0.01, 1.0)) * reachable)
    for t in [*required, *observed]:
        cost[t] = 0.0
    if soft:
        for t in draw(st.sets(st.integers(0, n_targets - 1))) - set(observed) - set(required):
            cost[t] = max(penalty, cost[t])  # spared
    return CoverModel(
        candidates=tuple(Candidate(i, 0.0, 0.0, ps) for i, ps in enumerate(cand_paths)),
        paths=tuple(range(n_paths)),
        cand_paths=cand_paths,
        path_target=path_target,
        path_weight=path_weight,
        targets=tuple(range(n_targets)),
        cost=cost,
        required=required,
        observed=observed,
        penalty=penalty,
        cut_cost=draw(st.floats(0, 2)),
    )


def _check_milp_against_bruteforce(model):
    """Same optimal cost (the sets may differ where costs tie), the MILP's set really costs what it reports, and
    the same again for the best set that is neither the first nor a superset of it."""
    milp = solve_milp(model)
    brute = solve_bruteforce(model, max_cuts=len(model.candidates))
    assert (milp is None) == (brute is None)
    if milp is None:
        return
    assert model.objective(sorted(milp[0])) == pytest.approx(milp[1])
    assert milp[1] == pytest.approx(brute[1], abs=1e-6), (sorted(milp[0]), sorted(brute[0]))
    second_milp = solve_milp(model, exclude=[milp[0]])
    second_brute = solve_bruteforce(model, max_cuts=len(model.candidates), exclude=[milp[0]])
    assert (second_milp is None) == (second_brute is None)
    if second_milp is not None:
        assert not second_milp[0] >= milp[0]
        assert second_milp[1] == pytest.approx(second_brute[1], abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(model=cover_models())
def test_milp_equals_bruteforce(model):
    _check_milp_against_bruteforce(model)


@settings(max_examples=150, deadline=None)
@given(model=cover_models(soft=True))
def test_milp_equals_bruteforce_on_soft_models(model):
    """The penalty models of :func:`localise`: a cut that overshoots an observed level must pay for it."""
    assert model.observed
    _check_milp_against_bruteforce(model)


def test_milp_pays_for_overshooting_an_observed_level():
    """Regression (review of issue "One truth per request"): with only ``interrupted <= OR(cuts)`` for soft targets
    the MILP could count a fully cut target as losing just its observed half, hiding the overshoot, and pick the
    cut (true cost 0.5 + 10 * 0.5) over cutting nothing (10 * 0.5)."""
    model = CoverModel(
        candidates=(Candidate(0, 0.0, 0.0, (0,)),),
        paths=(0,),
        cand_paths=((0,),),
        path_target=np.array([0]),
        path_weight=np.array([1.0]),
        targets=(0,),
        cost=np.array([0.0]),
        required={},
        observed={0: 0.5},
        penalty=10.0,
        cut_cost=0.5,
    )
    assert solve_milp(model) == (frozenset(), pytest.approx(5.0))
    assert solve_bruteforce(model) == (frozenset(), pytest.approx(5.0))


def test_alternatives_are_ranked_and_distinct(atlas):
    result = target(atlas, regions=["cheek"], top=4)
    costs = [p.cost for p in result.plans]
    assert costs == sorted(costs) and len(result.plans) == 4
    sets = {tuple(sorted((c.nerve_id, c.mm) for c in p.cuts)) for p in result.plans}
    assert len(sets) == 4


def test_cut_is_the_most_distal_that_covers(atlas):
    best = target(atlas, regions=["posterior thigh"]).plans[0]
    cut = best.cuts[0]
    d = lesion(atlas, Cut(cut.nerve_id, mm=cut.mm))
    assert d.lost("skin_posterior_thigh") == pytest.approx(1.0) or any(
        "posterior thigh" in x.target.name and x.supply_lost == pytest.approx(1.0) for x in d.sensory
    )
    beyond = lesion(atlas, Cut(cut.nerve_id, mm=min(cut.mm + 1.0, atlas.nerve(cut.nerve_id).length_mm)))
    assert (
        not any("posterior thigh" in x.target.name and x.supply_lost > 0.999 for x in beyond.sensory)
        or cut.mm == atlas.nerve(cut.nerve_id).length_mm
    )


def test_spare_motor_and_avoid_constraints(atlas):
    plain = target(atlas, functions=["L4-L5 facet"])
    assert any(x.target.kind == "muscle" for x in plain.plans[0].collateral)  # multifidus goes with the branch
    with pytest.raises(InfeasibleTargetError, match="spare-motor"):
        target(atlas, functions=["L4-L5 facet"], spare_motor=True)
    avoided = target(atlas, regions=["posterior thigh"], avoid=["posterior cutaneous nerve of thigh"])
    names = {c.nerve_name for p in avoided.plans for c in p.cuts}
    assert "posterior cutaneous nerve of thigh" not in names
    with pytest.raises(InfeasibleTargetError, match="cannot cover"):
        target(atlas, regions=["posterior thigh"], avoid=["posterior cutaneous nerve of thigh"], spare_motor=True)


def test_weights_are_user_overridable(atlas):
    default = target(atlas, functions=["vertigo"]).plans[0]
    assert [c.nerve_name for c in default.cuts] == ["vestibular nerve"]
    many_cuts_cheap = target(atlas, functions=["vertigo"], weights={"cut": 0.0}).plans[0]
    assert many_cuts_cheap.cost == pytest.approx(0.0)
    with pytest.raises(UnknownNameError):
        target(atlas, functions=["vertigo"], weights={"brain": 1.0})


def test_unknown_region_gets_suggestions(atlas):
    with pytest.raises(UnknownNameError) as info:
        target(atlas, regions=["foreheed"])
    assert info.value.suggestions


def test_target_and_localise_cli_json():
    run = [sys.executable, "-m", "neurectomy"]
    out = subprocess.run(
        [*run, "target", "--region", "forehead", "--json", "--top", "2"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    plan = d["plans"][0]
    assert {"cuts", "covers", "collateral", "cost"} <= set(plan)
    assert set(plan["cuts"][0]) >= {"nerve", "at", "side", "method"} and set(plan["cuts"][0]["nerve"]) == {"id", "name"}
    loc = subprocess.run(
        [*run, "localise", "--numb", "skin of lateral thigh", "--json"], capture_output=True, text=True, check=False
    )
    sites = json.loads(loc.stdout)["sites"]
    assert {"cuts", "level", "posterior", "explains", "predicts_not_found", "contradicts"} <= set(sites[0])
    bad = subprocess.run(
        [
            *run,
            "target",
            "--region",
            "posterior thigh",
            "--avoid",
            "posterior cutaneous nerve of thigh",
            "--spare-motor",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "cannot cover" in bad.stderr
