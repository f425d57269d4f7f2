"""The k best cut sets from one HiGHS model with exclusion rows added in place (issue 18, item 6)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from neurectomy import targeting
from neurectomy.api import default_atlas
from neurectomy.targeting import Candidate, CoverModel, solve_bruteforce, solve_k_best, solve_milp

QUERIES = (["knee pain"], ["palmar sweating"], ["skin of lateral heel"], ["posterior thigh"])


def _model(text: str) -> CoverModel:
    atlas = default_atlas()
    required_idx = targeting.resolve_function(atlas, text)
    seed = [p for t in required_idx for p in atlas.target_paths[t]]
    cands = targeting._candidates(atlas, seed, lambda n: True)
    _, weights, _ = targeting.load_targeting_data()
    return targeting.targeting_model(atlas, cands, weights, dict.fromkeys(required_idx, 1.0))


@pytest.mark.parametrize("text", [q[0] for q in QUERIES])
def test_k_best_in_place_equals_rebuilt_models(text: str) -> None:
    """Bug caught: the incremental top-k (one model, an exclusion row added per answer, the cut columns made
    integer for branch and bound and continuous again afterwards) answering other costs than rebuilding the model
    with every exclusion row: a row lost or added twice, or integrality left on so the next relaxation is a MILP
    on a stale model, or an excluded set (or a superset) returned again."""
    model = _model(text)
    k = 4
    fast = solve_k_best(model, k)
    slow: list[tuple[frozenset[int], float]] = []
    for _ in range(k):
        r = solve_milp(model, exclude=[c for c, _ in slow])
        if r is None:
            break
        slow.append(r)
    assert [round(v, 9) for _, v in fast] == [round(v, 9) for _, v in slow]
    for i, (chosen, value) in enumerate(fast):
        assert value == pytest.approx(model.objective(sorted(chosen)))
        assert not any(chosen >= earlier for earlier, _ in fast[:i])


def test_k_best_after_branch_and_bound_relaxes_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug caught: after a fractional relaxation went to branch and bound, the cut columns left integer, so every
    later answer of the same search paid a MILP (HiGHS's ~5-15 ms start-up) instead of its relaxation."""
    kinds: list[bool] = []
    run = targeting._run

    def watched(h: Any, budget: Any, **kw: Any) -> None:
        kinds.append(bool(len(h.getLp().integrality_)) and any(int(v) for v in h.getLp().integrality_))
        run(h, budget, **kw)

    monkeypatch.setattr(targeting, "_run", watched)
    monkeypatch.setattr(targeting, "BRANCH_NODES", 0)  # fractional relaxations go straight to HiGHS's MIP
    solve_k_best(_model("palmar sweating"), 4)
    assert True in kinds, kinds  # a MILP was needed
    first_mip = kinds.index(True)
    assert kinds[first_mip + 1] is False, kinds  # the next answer starts from the relaxation again


def test_k_best_after_branching_frees_the_cuts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug caught: a branch's fixings (a cut held at 0 or 1) left on the solver after branching, so the next
    answer of the same search is found in a corner of the problem: the k best must cost the same as when HiGHS's
    MIP answers each fractional relaxation, and every cut is back in [0, 1] afterwards."""
    model = _model("palmar sweating")
    branched = solve_k_best(model, 4)
    lp = targeting._highs().getLp()
    nc = len(model.candidates)
    assert list(lp.col_lower_[:nc]) == [0.0] * nc and list(lp.col_upper_[:nc]) == [1.0] * nc
    monkeypatch.setattr(targeting, "BRANCH_NODES", 0)
    assert [round(v, 9) for _, v in branched] == [round(v, 9) for _, v in solve_k_best(model, 4)]


def test_k_best_matches_brute_force_on_a_small_cover() -> None:
    """Bug caught: an exclusion row that forbids more than the excluded set and its supersets (e.g. any set
    sharing a cut), skipping a cheaper alternative that brute force finds."""
    cands = tuple(Candidate(i, 10.0, 0.0, ps) for i, ps in enumerate([(0,), (1,), (0, 1), (0, 1, 2), (1, 2)]))
    model = CoverModel(
        candidates=cands,
        paths=(0, 1, 2),
        cand_paths=tuple(c.paths for c in cands),
        path_target=np.array([0, 0, 1]),
        path_weight=np.array([0.5, 0.5, 1.0]),
        targets=(0, 1),
        cost=np.array([0.0, 3.0]),
        required={0: 1.0},
    )
    fast = solve_k_best(model, 4)
    brute: list[tuple[frozenset[int], float]] = []
    for _ in range(4):
        r = solve_bruteforce(model, max_cuts=5, exclude=[c for c, _ in brute])
        if r is None:
            break
        brute.append(r)
    assert [round(v, 9) for _, v in fast] == [round(v, 9) for _, v in brute]
