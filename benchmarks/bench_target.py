"""Targeting: 1,000 random region/function queries, HiGHS (the project) vs the same models in PuLP + CBC.

Run: ``.venv/bin/python benchmarks/bench_target.py [--queries 1000] [--baseline-queries 200]``.

Each query resolves its text, generates candidate cuts, builds the cover model and solves it for the best plan
(``top=1``): median and p95 of that end-to-end time are the latency figures. For the ratio, the same cover model
(the one our solver receives) is built and solved both ways — by :func:`neurectomy.targeting.solve_milp` (HiGHS)
and written in PuLP and solved by its bundled CBC — on a subset of the queries; both optima must be equal.
The last line is one JSON object (DESIGN §9).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import pulp

from neurectomy import default_atlas
from neurectomy import targeting as T


def pulp_solve(model: T.CoverModel) -> float | None:
    """The class-aggregated MILP of ``solve_milp``, written in PuLP and solved by CBC."""
    nc = len(model.candidates)
    covering: list[list[int]] = [[] for _ in model.paths]
    for c, ps in enumerate(model.cand_paths):
        for p in ps:
            covering[p].append(c)
    class_of: dict[tuple[int, ...], int] = {}
    path_class = [class_of.setdefault(tuple(cov), len(class_of)) for cov in covering]
    contrib = model.cost[model.path_target] * model.path_weight
    class_cost = np.bincount(path_class, weights=contrib, minlength=len(class_of))
    prob = pulp.LpProblem("cover", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{c}", cat="Binary") for c in range(nc)]
    y = [pulp.LpVariable(f"y{k}", 0, 1) for k in range(len(class_of))]
    prob += model.cut_cost * pulp.lpSum(x) + pulp.lpSum(float(class_cost[k]) * y[k] for k in range(len(y)))
    for cov, k in class_of.items():
        if class_cost[k] > 0:
            for c in cov:
                prob += y[k] >= x[c]
        prob += y[k] <= pulp.lpSum(x[c] for c in cov)
    for t, f in model.required.items():
        prob += (
            pulp.lpSum(
                float(model.path_weight[p]) * y[path_class[p]]
                for p in range(len(model.paths))
                if model.path_target[p] == t
            )
            >= f - 1e-9
        )
    status = prob.solve(pulp.PULP_CBC_CMD(msg=0))
    if pulp.LpStatus[status] != "Optimal":
        return None
    chosen = [c for c in range(nc) if (x[c].value() or 0) > 0.5]
    return model.objective(chosen)


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


def front_end(atlas, kind: str, text: str) -> T.CoverModel:
    """What ``target`` does before solving (resolution, candidates, model, pruning), to hand the baseline."""
    idx = T.resolve_region(atlas, text) if kind == "region" else T.resolve_function(atlas, text)
    required = dict.fromkeys(idx, 1.0)
    cands = T._candidates(atlas, [p for t in idx for p in atlas.target_paths[t]], lambda n: True)
    full = T.build_model(atlas, cands, T.load_targeting_data()[1], required)
    bound = T._bound(full, 1)
    return T._prune(full, bound) if bound is not None else full


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--baseline-queries", type=int, default=200)
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
    models = [front_end(atlas, kind, text) for kind, text in qs[:k]]
    solver: list[float] = []
    mine = []
    for model in models:  # each solver in its own loop, so CBC's subprocesses do not disturb HiGHS's timing
        t0 = time.perf_counter()
        mine.append(T.solve_milp(model))
        solver.append(time.perf_counter() - t0)
    theirs: list[float] = []
    agree = 0
    for i, model in enumerate(models):
        t0 = time.perf_counter()
        value = pulp_solve(model)
        theirs.append(time.perf_counter() - t0)
        ours_i = mine[i]
        agree += (
            value is not None and ours_i is not None and abs(value - ours_i[1]) < 1e-6 and abs(value - best[i]) < 1e-6
        )
    med, p95 = statistics.median(ours), float(np.percentile(ours, 95))
    base_med = statistics.median(theirs)
    ratio = base_med / statistics.median(solver)
    print(f"{len(qs)} queries: median {med * 1e3:.2f} ms, p95 {p95 * 1e3:.2f} ms, max {max(ours) * 1e3:.1f} ms")
    print(
        f"same models, build + solve ({k} queries): HiGHS median {statistics.median(solver) * 1e3:.2f} ms, "
        f"PuLP + CBC median {base_med * 1e3:.1f} ms; same optimum on {agree}/{k}"
    )
    print(
        json.dumps(
            {
                "benchmark": "target_1000_queries",
                "baseline": "PuLP + CBC, same models",
                "ratio": round(ratio, 1),
                "bar": 10,
                "median_ms": round(med * 1e3, 2),
                "p95_ms": round(p95 * 1e3, 2),
                "p95_bar_ms": 50,
                "solver_median_ms": round(statistics.median(solver) * 1e3, 2),
                "baseline_median_ms": round(base_med * 1e3, 1),
                "same_optimum": f"{agree}/{k}",
                "passed": bool(ratio >= 10 and p95 * 1e3 < 50),
            }
        )
    )


if __name__ == "__main__":
    main()
