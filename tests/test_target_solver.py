"""How /api/target's searches use HiGHS (issue 18, item 6: its p95 under load)."""

from __future__ import annotations

import os
from typing import Any

import highspy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import neurectomy
from neurectomy import targeting
from tests.test_targeting import _check_milp_against_bruteforce

QUERIES = (
    {"regions": ["skin of lateral thigh"]},
    {"regions": ["skin of lateral heel"]},
    {"functions": ["knee pain"]},
    {"functions": ["palmar sweating"]},
)


def _watch_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, str, bool]]:
    """Every HiGHS run of the searches: (columns, MIP nodes, presolve, feasibility jump); nodes -1 for an LP."""
    seen: list[tuple[int, int, str, bool]] = []
    run = targeting._run

    def watched(h: Any, budget: Any, **kw: Any) -> None:
        run(h, budget, **kw)
        lp = h.getLp()
        mip = any(v == highspy.HighsVarType.kInteger for v in lp.integrality_)
        jump = h.getOptionValue("mip_heuristic_run_feasibility_jump")[1]
        nodes = h.getInfo().mip_node_count if mip else -1
        seen.append((lp.num_col_, nodes, h.getOptionValue("presolve")[1], jump))

    monkeypatch.setattr(targeting, "_run", watched)
    return seen


def test_fractional_relaxations_are_branched_on_relaxations_not_handed_to_the_mip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bug caught: every fractional relaxation handed to HiGHS's MIP solver, which spends 2-9 ms on these models
    however few nodes they need (knee pain's third plan: 1 node, about 9 ms; palmar sweating's second and third:
    2-4 ms each), most of /api/target's time under load. Branching on warm-started relaxations answers the same
    searches with no MIP run; each of these searches has a fractional relaxation (more relaxations than plans)."""
    seen = _watch_runs(monkeypatch)
    for query in QUERIES:
        before = len(seen)
        result = neurectomy.target(**query)
        assert len(seen) - before > len(result.plans), (query, seen[before:])
    assert all(nodes == -1 for _c, nodes, _p, _j in seen), seen


def test_past_its_node_limit_the_branching_hands_over_to_the_mip_with_the_same_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bug caught: the hand-over to HiGHS's MIP (past ``BRANCH_NODES``) answering differently from the branching,
    or running small MILPs without presolve and with the feasibility-jump heuristic, where HiGHS spends about 5 ms
    whatever the model's size (a 6-column model: one node, 3 simplex iterations, 6-10 ms; presolved, 0 nodes and
    0.2-0.3 ms). Large MILPs keep HiGHS's defaults."""
    expected = [neurectomy.target(**q).to_dict() for q in QUERIES]
    monkeypatch.setattr(targeting, "BRANCH_NODES", 0)
    seen = _watch_runs(monkeypatch)
    got = [neurectomy.target(**q).to_dict() for q in QUERIES]
    costs = [[p["cost"] for p in r["plans"]] for r in got]
    assert costs == [[pytest.approx(p["cost"]) for p in r["plans"]] for r in expected]
    mips = [s for s in seen if s[1] != -1]
    small = [s for s in mips if s[0] <= targeting.SMALL_MILP_COLUMNS]
    assert small and len(small) < len(mips), seen  # both kinds were handed over
    assert all(presolve == "on" and not jump for _cols, _nodes, presolve, jump in small), seen
    assert all(presolve == "off" and jump for _cols, _nodes, presolve, jump in mips if _cols > 100), seen


def _routed_model(roots: int, parents: list[int], leaf_targets: dict[int, int], costs: list[float], **kw: Any):
    """A cover model shaped like the atlas: ``roots`` spinal roots all joining one trunk, a tree of nerves below it
    (``parents[i]`` is nerve i's parent, -1 for the trunk), and one path per (root, leaf nerve) pair supplying the
    leaf's target. Candidates: each root, then each nerve; a cut interrupts every path running through it. A root
    and a nerve cross (each takes paths the other does not); a nerve and its branches are nested."""
    import numpy as np

    leaves = sorted(leaf_targets)
    paths = [(r, leaf) for r in range(roots) for leaf in leaves]

    def through(nerve: int, leaf: int) -> bool:
        while leaf != -1:
            if leaf == nerve:
                return True
            leaf = parents[leaf]
        return False

    cand_paths = [tuple(i for i, (r, _leaf) in enumerate(paths) if r == root) for root in range(roots)]
    cand_paths += [tuple(i for i, (_r, leaf) in enumerate(paths) if through(n, leaf)) for n in range(len(parents))]
    return targeting.CoverModel(
        candidates=tuple(targeting.Candidate(i, 0.0, 0.0, ps) for i, ps in enumerate(cand_paths)),
        paths=tuple(range(len(paths))),
        cand_paths=tuple(cand_paths),
        path_target=np.array([leaf_targets[leaf] for _r, leaf in paths]),
        path_weight=np.full(len(paths), 1.0 / roots),
        targets=tuple(range(len(costs))),
        cost=np.array(costs),
        **kw,
    )


def test_crossing_cuts_of_one_costed_class_may_both_be_chosen() -> None:
    """Bug caught: merging every cut that covers a class into one row ``y_k >= sum(x_c)`` (not only nested ones)
    forbids choosing two crossing cuts (neither takes all the paths of the other) that share a costed path:
    here target 0 has only cut A, target 1 only cut B, and both also take path 2 (collateral), so the only plan is
    {A, B}; with the wrong row the MILP finds none."""
    import numpy as np

    model = targeting.CoverModel(
        candidates=(targeting.Candidate(0, 0.0, 0.0, (0, 2)), targeting.Candidate(1, 0.0, 0.0, (1, 2))),
        paths=(0, 1, 2),
        cand_paths=((0, 2), (1, 2)),
        path_target=np.array([0, 1, 2]),
        path_weight=np.ones(3),
        targets=(0, 1, 2),
        cost=np.array([0.0, 0.0, 1.0]),
        required={0: 1.0, 1: 1.0},
        cut_cost=0.5,
    )
    milp = targeting.solve_milp(model)
    assert milp is not None
    assert milp == (frozenset({0, 1}), pytest.approx(2.0))


def test_nested_cuts_of_one_class_still_reach_the_optimum() -> None:
    """Bug caught: a row per group of nested cuts that drops a cut from the model: the only plan that spares
    the costly target 2 is the inner cut B (nested in A, which also takes path 2)."""
    import numpy as np

    model = targeting.CoverModel(
        candidates=(targeting.Candidate(0, 0.0, 0.0, (0, 1, 2)), targeting.Candidate(1, 0.0, 0.0, (0, 1))),
        paths=(0, 1, 2),
        cand_paths=((0, 1, 2), (0, 1)),
        path_target=np.array([0, 1, 2]),
        path_weight=np.ones(3),
        targets=(0, 1, 2),
        cost=np.array([0.0, 1.0, 5.0]),
        required={0: 1.0},
        cut_cost=0.5,
    )
    assert targeting.solve_milp(model) == (frozenset({1}), pytest.approx(1.5))
    assert targeting.solve_milp(model, exclude=[frozenset({1})]) == (frozenset({0}), pytest.approx(6.5))


@st.composite
def routed_models(draw: st.DrawFn) -> targeting.CoverModel:
    roots = draw(st.integers(1, 3))
    n = draw(st.integers(1, 5))
    parents = [draw(st.integers(-1, i - 1)) for i in range(n)]
    n_targets = draw(st.integers(1, 4))
    leaf_targets = {i: draw(st.integers(0, n_targets - 1)) for i in range(n) if i not in parents}
    costs = [draw(st.floats(0, 10)) for _ in range(n_targets)]
    supplied = sorted(set(leaf_targets.values()))
    required = {t: draw(st.floats(0.1, 1.0)) for t in draw(st.sets(st.sampled_from(supplied), max_size=2))}
    for t in required:
        costs[t] = 0.0
    return _routed_model(roots, parents, leaf_targets, costs, required=required, cut_cost=draw(st.floats(0, 2)))


@settings(max_examples=200, deadline=None)
@given(model=routed_models())
def test_milp_equals_bruteforce_on_rooted_trees(model: targeting.CoverModel) -> None:
    """Bug caught: rows that lose or misprice an optimum on atlas-shaped models (roots crossing a tree of nerves,
    where most cuts of a class are nested along one nerve), or a branching that prunes one: the best and second
    best (excluding the first and its supersets) must cost what brute force finds, by branching on relaxations
    and by HiGHS's MIP alike."""
    _check_milp_against_bruteforce(model)
    default = targeting.BRANCH_NODES
    targeting.BRANCH_NODES = 0
    try:
        _check_milp_against_bruteforce(model)
    finally:
        targeting.BRANCH_NODES = default


def test_knee_pain_model_has_a_row_per_nested_group_not_per_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug caught: a row ``y_k >= x_c`` for every cut covering every costed class: knee pain's model had 1,244 rows
    (HiGHS then spent about 46 ms on its three plans, most of /api/target's p95 under load); with one row per group
    of nested cuts it has under 400, and the same plans."""
    seen: list[int] = []
    formulation = targeting._formulation

    def watched(model: targeting.CoverModel) -> Any:
        lp, nc = formulation(model)
        seen.append(lp.num_row_)
        return lp, nc

    monkeypatch.setattr(targeting, "_formulation", watched)
    neurectomy.target(functions=["knee pain"])
    assert seen and max(seen) < 400, seen


def test_the_web_app_runs_blas_on_one_thread_per_request() -> None:
    """Bug caught: the server left OpenBLAS at one thread per core while it answers several requests at once in
    threads; OpenBLAS's threads then fought the requests for the two cores (knee pain 13-47 ms instead of about
    9 ms in-process under load). Checked in a fresh process, where nothing has loaded numpy before the app is
    created (limiting BLAS then did nothing: threadpoolctl only sees libraries already loaded). ``blas_threads``
    sets it, and is not ignored."""
    import json
    import subprocess
    import sys

    script = (
        "import json, sys\n"
        "from neurectomy.web.app import create_app\n"
        "from neurectomy.web.settings import Settings\n"
        "from threadpoolctl import threadpool_info\n"
        "create_app(Settings(blas_threads=int(sys.argv[1])))\n"
        "print(json.dumps(sorted({i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas'})))\n"
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"}
    for n in (1, 2):
        out = subprocess.run([sys.executable, "-c", script, str(n)], capture_output=True, text=True, env=env)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout.strip().splitlines()[-1]) == [n]
