"""Targeting: 1,000 random region/function queries, HiGHS (the project) vs the same models in PuLP + CBC, and in
HiGHS at its default settings (``scipy.optimize.milp`` and ``highspy``).

Run: ``.venv/bin/python benchmarks/bench_target.py [--queries 1000] [--baseline-queries 200] [--top 3]``.

Latency: each query resolves its text, generates candidate cuts, builds the cover model and solves it for the best
plan (``target(..., top=1)``): median and p95 of that end-to-end time (bar: p95 < 50 ms).

Ratios: on the first ``--baseline-queries`` queries, the cover model our solver receives (after the same
candidate generation and pruning as ``target``) is handed to every solver, each timed in its own loop, build and
solve included:

* ours: :func:`neurectomy.targeting.solve_milp` (HiGHS via ``highspy``, one solver per thread, ``threads=1``,
  ``presolve="off"``, the LP relaxation first);
* PuLP + CBC (the DESIGN bar, ≥ 10×): the MILP written in PuLP and solved by its bundled CBC (a subprocess
  per solve, as PuLP runs it);
* ``scipy.optimize.milp`` at default settings (HiGHS in-process, a new solver per call, default presolve and
  threads): ``ratio_scipy_milp``;
* ``highspy`` at default settings (one ``Highs`` object reused, default presolve and threads):
  ``ratio_highspy_default``.

Every baseline solves the same MILP as ``solve_milp`` — its own columns and rows, taken by :func:`formulation`
from the model the solver passes to HiGHS — with the banner off and ``mip_rel_gap = 0`` (the project's own
exactness setting, so all solvers prove the same optimum; the default gap of 1e-4 could stop short of it).

Same output (``same_output``), checked on every compared model: (1) every solver's cut set has the same exact
cost (``CoverModel.objective``, within 1e-6) as ``solve_milp``'s, and as the best plan of ``target``; (2) the k
best alternatives (``--top``, each excluding the previous cut sets and their supersets) have the same costs from
every solver on the unpruned model as the plans of ``target(..., top=k)``; (3) on models of at most
``BRUTE_MAX_CANDIDATES`` candidates, brute force over every cut set of up to ``BRUTE_MAX_CUTS`` cuts finds the
same optimum (or, where the optimum needs more cuts, nothing cheaper).
The last line is one JSON object (DESIGN §9); the exit status is 1 if an output differs or a bar is not met.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import pulp
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csc_matrix, csr_matrix, vstack

from neurectomy import targeting as T
from neurectomy.api import default_atlas

TOLERANCE = 1e-6
BRUTE_MAX_CANDIDATES = 14
BRUTE_MAX_CUTS = 4

Solution = tuple[frozenset[int], float] | None


@dataclass(frozen=True)
class Formulation:
    """min cost @ v, row_lo <= A v <= row_hi, lower <= v <= upper; the first ``nc`` columns are the binary cuts."""

    nc: int
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    a: csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray


def formulation(model: T.CoverModel, exclude: Sequence[frozenset[int]] = ()) -> Formulation:
    """The MILP of :func:`neurectomy.targeting.solve_milp`, as arrays: the solver's own relaxation
    (``targeting._formulation``: a binary ``x_c`` per candidate, a ``y_k`` per class of paths interrupted by exactly
    the same candidates, their rows), taken from the ``HighsLp`` it passes to HiGHS, so every baseline solves the
    same problem by construction; plus ``sum(x_c : c in S) <= |S| - 1`` for every excluded set ``S`` (what
    ``solve_milp`` adds for ``exclude``). Infinite bounds are ``numpy.inf``."""
    lp, nc = T._formulation(model)
    ncol = lp.num_col_
    a = csc_matrix(
        (np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_), np.asarray(lp.a_matrix_.start_)),
        shape=(lp.num_row_, ncol),
    ).tocsr()
    row_lo, row_hi = np.asarray(lp.row_lower_, dtype=float), np.asarray(lp.row_upper_, dtype=float)
    if exclude:
        rows = [np.isin(np.arange(ncol), sorted(chosen)).astype(float) for chosen in exclude]
        a = vstack([a, csr_matrix(np.array(rows))]).tocsr()
        row_lo = np.append(row_lo, [-np.inf] * len(exclude))
        row_hi = np.append(row_hi, [len(chosen) - 1.0 for chosen in exclude])
    inf = highspy.kHighsInf

    def finite(v: np.ndarray) -> np.ndarray:
        return np.where(v >= inf, np.inf, np.where(v <= -inf, -np.inf, v))

    cost = np.asarray(lp.col_cost_, dtype=float)
    lower, upper = finite(np.asarray(lp.col_lower_, dtype=float)), finite(np.asarray(lp.col_upper_, dtype=float))
    return Formulation(nc, cost, lower, upper, a, finite(row_lo), finite(row_hi))


def _solution(model: T.CoverModel, x: Sequence[float], nc: int) -> Solution:
    chosen = frozenset(c for c in range(nc) if x[c] > 0.5)
    return chosen, model.objective(sorted(chosen))


def pulp_solve(model: T.CoverModel, exclude: Sequence[frozenset[int]] = ()) -> Solution:
    """The MILP written in PuLP and solved by its bundled CBC."""
    f = formulation(model, exclude)
    prob = pulp.LpProblem("cover", pulp.LpMinimize)
    v = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(f.nc)]
    bound = [None if not np.isfinite(b) else float(b) for b in (*f.lower, *f.upper)]
    n = len(f.cost)
    v += [pulp.LpVariable(f"y{j}", bound[j], bound[n + j]) for j in range(f.nc, n)]
    prob += pulp.lpSum(float(f.cost[j]) * v[j] for j in range(len(v)))
    for r in range(f.a.shape[0]):
        lo, hi = f.a.indptr[r], f.a.indptr[r + 1]
        expr = pulp.lpSum(float(val) * v[j] for j, val in zip(f.a.indices[lo:hi], f.a.data[lo:hi], strict=True))
        if np.isfinite(f.row_lo[r]):
            prob += expr >= float(f.row_lo[r])
        if np.isfinite(f.row_hi[r]):
            prob += expr <= float(f.row_hi[r])
    status = prob.solve(pulp.PULP_CBC_CMD(msg=0))
    if pulp.LpStatus[status] != "Optimal":
        return None
    return _solution(model, [x.value() or 0.0 for x in v], f.nc)


def scipy_solve(model: T.CoverModel, exclude: Sequence[frozenset[int]] = ()) -> Solution:
    """The MILP solved by ``scipy.optimize.milp`` (HiGHS) at default settings, except ``mip_rel_gap = 0``."""
    f = formulation(model, exclude)
    integrality = np.zeros(len(f.cost))
    integrality[: f.nc] = 1
    res = milp(
        f.cost,
        integrality=integrality,
        bounds=Bounds(f.lower, f.upper),
        constraints=LinearConstraint(f.a, f.row_lo, f.row_hi) if f.a.shape[0] else None,
        options={"mip_rel_gap": 0.0},
    )
    if res.status != 0:
        return None
    return _solution(model, res.x, f.nc)


def default_highs() -> Any:
    """A ``highspy.Highs`` at default settings (banner and log off, ``mip_rel_gap = 0``)."""
    sys.stdout.flush()
    saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    try:
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    return h


def highspy_solver() -> Callable[..., Solution]:
    h = default_highs()

    def solve(model: T.CoverModel, exclude: Sequence[frozenset[int]] = ()) -> Solution:
        """The MILP passed to one reused ``Highs`` object at default settings."""
        f = formulation(model, exclude)
        csc = f.a.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = len(f.cost), f.a.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = f.cost, f.lower, f.upper
        inf = highspy.kHighsInf
        lp.row_lower_ = np.where(np.isfinite(f.row_lo), f.row_lo, -inf)
        lp.row_upper_ = np.where(np.isfinite(f.row_hi), f.row_hi, inf)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
        lp.a_matrix_.index_ = csc.indices.astype(np.int32)
        lp.a_matrix_.value_ = csc.data.astype(np.float64)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * f.nc + [highspy.HighsVarType.kContinuous] * (
            len(f.cost) - f.nc
        )
        h.clearModel()
        h.passModel(lp)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return _solution(model, h.getSolution().col_value, f.nc)

    return solve


def queries(atlas, n: int, rng: np.random.Generator) -> list[tuple[str, str]]:
    skin = [t.name for t in atlas.targets if t.kind == "skin"]
    joints = [t.name for t in atlas.targets if t.kind == "joint"]
    functions = sorted({f.name for f in T.load_targeting_data()[0].values()})
    out = []
    for _ in range(n):
        u = rng.random()
        if u < 0.7:
            out.append(("region", skin[rng.integers(len(skin))]))
        elif u < 0.85:
            out.append(("function", functions[rng.integers(len(functions))]))
        else:
            out.append(("function", joints[rng.integers(len(joints))]))
    return out


def front_end(atlas, kind: str, text: str) -> tuple[T.CoverModel, T.CoverModel]:
    """What ``target`` does before solving for ``top=1``: (the full model, the pruned model it solves)."""
    idx = T.resolve_region(atlas, text) if kind == "region" else T.resolve_function(atlas, text)
    required = dict.fromkeys(idx, 1.0)
    cands = T._candidates(atlas, [p for t in idx for p in atlas.target_paths[t]], lambda n: True)
    full = T.targeting_model(atlas, cands, T.load_targeting_data()[1], required)
    bound = T._bound(full, 1)
    return full, (T._prune(full, bound) if bound is not None else full)


def k_best(model: T.CoverModel, solve: Callable[..., Solution], k: int) -> list[float]:
    """Costs of the k best cut sets, each excluding the previous sets and their supersets."""
    found: list[tuple[frozenset[int], float]] = []
    for _ in range(k):
        result = solve(model, exclude=[c for c, _ in found])
        if result is None:
            break
        found.append(result)
    return [cost for _, cost in found]


def same(a: Sequence[float], b: Sequence[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= TOLERANCE for x, y in zip(a, b, strict=True))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--baseline-queries", type=int, default=200)
    ap.add_argument("--top", type=int, default=3)
    args = ap.parse_args()
    atlas = default_atlas()
    qs = queries(atlas, args.queries, np.random.default_rng(0))
    T.target(atlas, regions=["cheek"])  # start HiGHS once, outside the timing
    ours: list[float] = []
    best: list[float] = []
    for kind, text in qs:
        t0 = time.perf_counter()
        result = T.target(atlas, **{("regions" if kind == "region" else "functions"): [text]}, top=1)
        ours.append(time.perf_counter() - t0)
        best.append(result.plans[0].cost)
    k = min(args.baseline_queries, len(qs))
    fulls, models = zip(*(front_end(atlas, kind, text) for kind, text in qs[:k]), strict=True)
    solvers: dict[str, Callable[..., Solution]] = {
        "ours": T.solve_milp,
        "pulp_cbc": pulp_solve,
        "scipy_milp": scipy_solve,
        "highspy_default": highspy_solver(),
    }
    for solve in solvers.values():  # warm each solver's imports and first-call costs outside the timing
        solve(models[0])
    times: dict[str, list[float]] = {}
    costs: dict[str, list[float | None]] = {}
    for name, solve in solvers.items():  # each solver in its own loop, so CBC's subprocesses disturb no other
        times[name], costs[name] = [], []
        for model in models:
            t0 = time.perf_counter()
            found = solve(model)
            times[name].append(time.perf_counter() - t0)
            costs[name].append(None if found is None else found[1])
    # (1) the same optimum from every solver, equal to target's best plan
    agree = sum(all(c[i] is not None and abs(c[i] - best[i]) <= TOLERANCE for c in costs.values()) for i in range(k))
    # (2) the same k best costs from every solver on the unpruned model, equal to target(..., top=k)
    kbest_agree = 0
    for i, (kind, text) in enumerate(qs[:k]):
        plans = T.target(atlas, **{("regions" if kind == "region" else "functions"): [text]}, top=args.top).plans
        want = [p.cost for p in plans]
        kbest_agree += all(same(k_best(fulls[i], solve, args.top), want) for solve in solvers.values())
    # (3) brute force on small models
    brute_n = brute_agree = 0
    for model in models:
        nc = len(model.candidates)
        if nc > BRUTE_MAX_CANDIDATES:
            continue
        brute_n += 1
        found = T.solve_bruteforce(model, max_cuts=min(nc, BRUTE_MAX_CUTS))
        optimum = T.solve_milp(model)
        assert optimum is not None
        if len(optimum[0]) <= BRUTE_MAX_CUTS:
            brute_agree += found is not None and abs(found[1] - optimum[1]) <= TOLERANCE
        else:
            brute_agree += found is None or found[1] >= optimum[1] - TOLERANCE
    same_output = agree == k and kbest_agree == k and brute_agree == brute_n
    med, p95 = statistics.median(ours), float(np.percentile(ours, 95))
    median_ms = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    ratio = {name: median_ms[name] / median_ms["ours"] for name in solvers}
    print(f"{len(qs)} queries: median {med * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms, max {max(ours) * 1e3:.1f} ms")
    print(f"same models, build + solve, medians over {k} queries:")
    for name in solvers:
        print(f"  {name:16s} {median_ms[name]:8.3f} ms  ({ratio[name]:.1f}x ours)")
    print(
        f"same optimum from every solver (and target's best plan) on {agree}/{k}; same {args.top} best costs "
        f"on {kbest_agree}/{k}; brute force agrees on {brute_agree}/{brute_n} small models"
    )
    passed = bool(same_output and ratio["pulp_cbc"] >= 10 and p95 * 1e3 < 50)
    print(
        json.dumps(
            {
                "benchmark": "target_1000_queries",
                "baseline": "PuLP + CBC, same models",
                "ratio": round(ratio["pulp_cbc"], 1),
                "bar": 10,
                "same_output": same_output,
                "ratio_scipy_milp": round(ratio["scipy_milp"], 1),
                "ratio_highspy_default": round(ratio["highspy_default"], 1),
                "median_ms": round(med * 1e3, 2),
                "p95_ms": round(p95 * 1e3, 2),
                "p95_bar_ms": 50,
                "solver_median_ms": round(median_ms["ours"], 3),
                "baseline_median_ms": round(median_ms["pulp_cbc"], 2),
                "scipy_milp_median_ms": round(median_ms["scipy_milp"], 2),
                "highspy_default_median_ms": round(median_ms["highspy_default"], 2),
                "same_optimum": f"{agree}/{k}",
                "same_k_best": f"{kbest_agree}/{k}",
                "k": args.top,
                "bruteforce_agrees": f"{brute_agree}/{brute_n}",
                "passed": passed,
            }
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
