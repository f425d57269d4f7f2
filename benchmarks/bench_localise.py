"""Localisation: 500 random one- and two-lesion cases, ``localise`` vs brute-force enumeration of the same hypotheses.

Run: ``.venv/bin/python benchmarks/bench_localise.py [--cases 500] [--baseline-every 5] [--seed 14]``.

Cases: ``--cases`` random lesions from :func:`neurectomy.lesion.random_cuts` (uniform over nerves and along each
nerve, so roots, rami, trunks and cords are drawn as often as digital branches): even-numbered cases are one cut,
odd-numbered cases two cuts (a lesion of two nerves, :func:`neurectomy.lesion.lesion` of both cuts); a cut that
takes nothing away is drawn again. Each deficit becomes findings as an examiner would record them: every lost
target *absent* (all of its supply lost: numb, paralysed, a lost function) or *reduced* (part of it: reduced
feeling, weak), and up to ``NORMALS`` targets of the same body region that the lesion spares (muscles or skin,
drawn at random) *examined normal*. Every fourth case (``index % 4 == 3``) is asked in closed-world mode
(everything not mentioned was examined and is normal, all 549 targets scored); the others in open-world mode
(targets not mentioned were not examined).

Latency (bar: p95 < 50 ms per query): ``localise(atlas, findings, closed_world=…)`` as the CLI, API and web call
it (``top=3``, ``next_tests=3``: the ranking and the best next tests), every case timed once, after one untimed
call that builds the atlas's cached hypothesis pool (:func:`neurectomy.localisation.pool`, its build time
reported). ``p95_ms_open`` and ``p95_ms_closed`` split the cases by mode; ``p95_ms_ranking`` is the ranking alone
(``next_tests=0``).

Baseline, in the same run: brute force over the same hypothesis set, scored directly from supply-path unions as
``tests/test_localise.py::_brute`` defines it — every distinct single-lesion site of the pool that takes away at
least one abnormal finding, and every pair of such sites of which neither interrupts everything the other does;
for each hypothesis, the union of the paths it interrupts, the supply each target loses (the sum of the path
weights, as :func:`neurectomy.lesion.lesion` adds them), its category (absent, reduced, normal), the
log-likelihood of every observed finding and the log prior; then the posterior over the set. It is slow on
proximal lesions (tens of thousands of pairs), so it runs on every ``--baseline-every``-th case (by default 100
of the 500: 50 single and 50 two-lesion cases, a quarter of them closed-world), and the ratio compares the
median time per case of the brute force with ``localise``'s ranking (``next_tests=0``) on those same cases.

Same output (``same_output``), on every baseline case: (1) the same number of hypotheses; (2) the same ``TOP``
best posteriors, in order, within 1e-9; (3) ``localise``'s first site is a hypothesis with the largest brute-force
posterior (the same top hypothesis; a tie is counted as agreement only when the posteriors are equal within
1e-9), and each of its top sites has the posterior that brute force gives that hypothesis; (4) each of the top
sites' cuts, handed to :func:`neurectomy.lesion.lesion` at the position the site reports, takes away the same
supply from every target as the brute-force path union of that hypothesis (within 1e-9). Reported for
information on all cases: how often the first site reproduces the drawn lesion's category on every examined
target (``recovered_*``).

The last line is one JSON object (DESIGN §9); the exit status is 1 if an output differs or the p95 bar is missed.
Both sides run on the two cores of this machine, so a busy machine slows both; the load average at the start is
reported (``load_average``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurectomy.api import default_atlas
from neurectomy.atlas.graph import Atlas
from neurectomy.lesion import Cut, Deficit, lesion, random_cuts
from neurectomy.localisation import (
    FULL,
    OBSERVATION,
    TWO_LESIONS,
    Finding,
    Localisation,
    Pool,
    localise,
    pool,
)

TOLERANCE = 1e-9
TOP = 5
NORMALS = 4
P95_BAR_MS = 50.0
CATEGORY = {"absent": 0, "reduced": 1, "normal": 2}


@dataclass(frozen=True)
class Case:
    cuts: tuple[Cut, ...]
    findings: tuple[Finding, ...]
    closed_world: bool


def _cut(atlas: Atlas, nerve: int, mm: float) -> Cut:
    n = atlas.nerves[nerve]
    return Cut(n.id, mm=float(mm), side="midline" if n.midline else "left")


def _loss_by_target(deficit: Deficit, atlas: Atlas) -> dict[int, float]:
    out: dict[int, float] = {}
    for x in deficit.losses:
        t = atlas.target_index[x.target.id]
        out[t] = max(out.get(t, 0.0), x.supply_lost)
    return out


def cases(atlas: Atlas, n: int, seed: int) -> list[Case]:
    """``n`` random cases: even indices one cut, odd indices two; every fourth closed-world."""
    rng = np.random.default_rng(seed)
    by_file: dict[str, list[int]] = {}
    for t, target in enumerate(atlas.targets):
        if target.kind in ("muscle", "skin"):
            by_file.setdefault(target.file, []).append(t)
    out: list[Case] = []
    while len(out) < n:
        k = 1 if len(out) % 2 == 0 else 2
        cuts: list[Cut] = []
        while len(cuts) < k:
            nerve, mm = random_cuts(atlas, 1, rng=rng)
            cut = _cut(atlas, int(nerve[0]), float(mm[0]))
            if lesion(atlas, cut).losses:
                cuts.append(cut)
        lost = _loss_by_target(lesion(atlas, *cuts), atlas)
        findings = {
            t: Finding(t, "absent" if v >= FULL else "reduced", "lost" if v >= FULL else "reduced")
            for t, v in lost.items()
            if v > TOLERANCE
        }
        files = sorted({atlas.targets[t].file for t in findings})
        spared = sorted({s for f in files for s in by_file.get(f, ()) if s not in lost})
        if spared:
            for s in rng.choice(spared, size=min(NORMALS, len(spared)), replace=False).tolist():
                findings[s] = Finding(s, "normal", "normal")
        out.append(Case(tuple(cuts), tuple(findings[t] for t in sorted(findings)), len(out) % 4 == 3))
    return out


# --------------------------------------------------------------------------- the baseline
def brute(atlas: Atlas, P: Pool, findings: Sequence[Finding], closed_world: bool) -> dict[tuple[int, ...], float]:
    """Posterior of every one- and two-lesion hypothesis that takes away an abnormal finding, by enumeration."""
    obs = {f.target: f.observed for f in findings}
    if closed_world:
        for t in range(len(atlas.targets)):
            obs.setdefault(t, "normal")
    examined = np.array(sorted(obs), dtype=np.int64)
    loglik = np.log(np.array([OBSERVATION[obs[int(t)]] for t in examined]))  # (examined, predicted category)
    rows = np.arange(len(examined))
    abnormal = {t for t, o in obs.items() if o != "normal"}
    path_target = np.asarray(atlas.path_target, dtype=np.int64)
    path_weight = np.asarray(atlas.path_weight, dtype=np.float64)
    touching = [i for i, w in enumerate(P.windows) if any(atlas.path_target[p] in abnormal for p in w.paths)]

    def log_likelihood(paths: Sequence[int]) -> float:
        idx = np.fromiter(paths, dtype=np.int64, count=len(paths))
        loss = np.bincount(path_target[idx], weights=path_weight[idx], minlength=len(atlas.targets))[examined]
        cat = np.where(loss >= FULL, 0, np.where(loss > 1e-9, 1, 2))
        return float(loglik[rows, cat].sum())

    w = P.weight
    z1, z2 = w.sum(), (w.sum() ** 2 - (w**2).sum()) / 2.0
    scores: dict[tuple[int, ...], float] = {}
    for i in touching:
        scores[(i,)] = log_likelihood(P.windows[i].paths) + math.log((1.0 - TWO_LESIONS) * w[i] / z1)
    for i, j in itertools.combinations(touching, 2):
        a, b = set(P.windows[i].paths), set(P.windows[j].paths)
        if a <= b or b <= a:
            continue
        scores[(i, j)] = log_likelihood(sorted(a | b)) + math.log(TWO_LESIONS * w[i] * w[j] / z2)
    if not scores:
        return {}
    top = max(scores.values())
    total = sum(math.exp(v - top) for v in scores.values())
    return {k: math.exp(v - top) / total for k, v in scores.items()}


def union_loss(atlas: Atlas, P: Pool, key: tuple[int, ...]) -> dict[int, float]:
    out: dict[int, float] = {}
    for p in sorted({p for c in key for p in P.windows[c].paths}):
        t = atlas.path_target[p]
        out[t] = out.get(t, 0.0) + atlas.path_weight[p]
    return out


def compare(
    atlas: Atlas, P: Pool, index: dict[tuple[int, float, float], int], result: Localisation, base: dict
) -> dict[str, bool]:
    """The checks (1)-(4) of the module docstring for one case."""
    keys = []
    for site in result.sites:
        keys.append(
            tuple(sorted(index[(atlas.nerve_index[c.nerve_id], c.window_mm[0], c.window_mm[1])] for c in site.cuts))
        )
    best = sorted(base.values(), reverse=True)
    got = [s.posterior for s in result.sites]
    posteriors = len(got) == min(TOP, len(best)) and all(
        abs(x - y) <= TOLERANCE for x, y in zip(got, best, strict=False)
    )
    top = (
        bool(keys)
        and keys[0] in base
        and abs(base[keys[0]] - best[0]) <= TOLERANCE
        and all(k in base and abs(base[k] - s.posterior) <= TOLERANCE for k, s in zip(keys, result.sites, strict=True))
    )
    cuts_ok = True
    for key, site in zip(keys, result.sites, strict=True):
        found = _loss_by_target(lesion(atlas, *(Cut(c.nerve_id, mm=c.mm, side=c.side) for c in site.cuts)), atlas)
        want = {t: v for t, v in union_loss(atlas, P, key).items() if v > TOLERANCE}
        cuts_ok &= set(found) == set(want) and all(abs(found[t] - min(v, 1.0)) <= TOLERANCE for t, v in want.items())
    return {
        "hypotheses": result.hypotheses == len(base),
        "posteriors": posteriors,
        "top": top,
        "cuts": cuts_ok,
    }


def recovered(atlas: Atlas, case: Case, result: Localisation) -> bool:
    """Does the first site predict the category the drawn lesion gives every examined target?"""
    if not result.sites:
        return False
    site = result.sites[0]
    found = _loss_by_target(lesion(atlas, *(Cut(c.nerve_id, mm=c.mm, side=c.side) for c in site.cuts)), atlas)
    truth = _loss_by_target(lesion(atlas, *case.cuts), atlas)
    examined = range(len(atlas.targets)) if case.closed_world else [f.target for f in case.findings]

    def cat(v: float) -> int:
        return 0 if v >= FULL else 1 if v > 1e-9 else 2

    return all(cat(found.get(t, 0.0)) == cat(truth.get(t, 0.0)) for t in examined)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=500)
    ap.add_argument("--baseline-every", type=int, default=5)
    ap.add_argument("--seed", type=int, default=14)
    args = ap.parse_args()
    load = os.getloadavg()[0]
    atlas = default_atlas()
    t0 = time.perf_counter()
    P = pool(atlas)
    pool_s = time.perf_counter() - t0
    index = {(w.nerve, w.lo_mm, w.hi_mm): i for i, w in enumerate(P.windows)}
    qs = cases(atlas, args.cases, args.seed)
    localise(atlas, qs[0].findings, closed_world=qs[0].closed_world)  # warm imports (SciPy) outside the timing
    full: list[float] = []
    ranking: list[float] = []
    results: list[Localisation] = []
    for case in qs:
        t0 = time.perf_counter()
        results.append(localise(atlas, case.findings, closed_world=case.closed_world))
        full.append(time.perf_counter() - t0)
    for case in qs:
        t0 = time.perf_counter()
        localise(atlas, case.findings, closed_world=case.closed_world, next_tests=0)
        ranking.append(time.perf_counter() - t0)
    chosen = list(range(0, len(qs), max(1, args.baseline_every)))
    base_times: list[float] = []
    checks: dict[str, int] = {"hypotheses": 0, "posteriors": 0, "top": 0, "cuts": 0}
    differing: list[int] = []
    for i in chosen:
        case = qs[i]
        t0 = time.perf_counter()
        base = brute(atlas, P, case.findings, case.closed_world)
        base_times.append(time.perf_counter() - t0)
        ranked = localise(atlas, case.findings, closed_world=case.closed_world, top=TOP, next_tests=0)
        ok = compare(atlas, P, index, ranked, base)
        for k, v in ok.items():
            checks[k] += v
        if not all(ok.values()):
            differing.append(i)
    same_output = not differing
    singles = [i for i in range(len(qs)) if len(qs[i].cuts) == 1]
    pairs = [i for i in range(len(qs)) if len(qs[i].cuts) == 2]
    rec_single = sum(recovered(atlas, qs[i], results[i]) for i in singles)
    rec_pair = sum(recovered(atlas, qs[i], results[i]) for i in pairs)

    def p95(xs: Sequence[float]) -> float:
        return float(np.percentile(xs, 95)) * 1e3 if len(xs) else float("nan")

    closed = [full[i] for i in range(len(qs)) if qs[i].closed_world]
    opened = [full[i] for i in range(len(qs)) if not qs[i].closed_world]
    ours_subset = [ranking[i] for i in chosen]
    ratio = statistics.median(base_times) / statistics.median(ours_subset)
    hypotheses = [r.hypotheses for r in results]
    print(
        f"atlas: {len(atlas.nerves)} nerves, {len(atlas.targets)} targets; {len(P.windows)} distinct lesion sites "
        f"(pool built in {pool_s * 1e3:.0f} ms, not timed); load average {load:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{len(qs)} cases ({len(singles)} single, {len(pairs)} two-lesion; {len(closed)} closed-world), "
        f"{statistics.median(hypotheses):.0f} hypotheses median, {max(hypotheses)} max"
    )
    print(
        f"localise (top 3 + 3 next tests): median {statistics.median(full) * 1e3:.2f} ms, p95 {p95(full):.2f} ms "
        f"(open {p95(opened):.2f}, closed {p95(closed):.2f}), max {max(full) * 1e3:.0f} ms; ranking alone: "
        f"median {statistics.median(ranking) * 1e3:.2f} ms, p95 {p95(ranking):.2f} ms"
    )
    print(
        f"brute force on {len(chosen)} cases (every {args.baseline_every}th): median "
        f"{statistics.median(base_times) * 1e3:.1f} ms, total {sum(base_times):.1f} s; localise ranking on the same "
        f"cases: median {statistics.median(ours_subset) * 1e3:.2f} ms; ratio {ratio:.1f}x"
    )
    print(
        "same output on "
        + ", ".join(f"{k} {v}/{len(chosen)}" for k, v in checks.items())
        + (f"; differing cases {differing[:10]}" if differing else "")
    )
    print(
        f"first site reproduces the drawn lesion: single {rec_single}/{len(singles)}, "
        f"two-lesion {rec_pair}/{len(pairs)}"
    )
    passed = bool(same_output and p95(full) < P95_BAR_MS)
    print(
        json.dumps(
            {
                "benchmark": "localise_500_cases",
                "baseline": "brute-force enumeration of the same one- and two-lesion hypotheses (path unions)",
                "ratio": round(ratio, 1),
                "bar": P95_BAR_MS,
                "bar_metric": "p95_ms (localise per query, top 3 + 3 next tests)",
                "same_output": same_output,
                "p95_ms": round(p95(full), 2),
                "median_ms": round(statistics.median(full) * 1e3, 2),
                "max_ms": round(max(full) * 1e3, 1),
                "p95_ms_open": round(p95(opened), 2),
                "p95_ms_closed": round(p95(closed), 2),
                "p95_ms_ranking": round(p95(ranking), 2),
                "baseline_cases": len(chosen),
                "baseline_median_ms": round(statistics.median(base_times) * 1e3, 2),
                "ranking_median_ms_same_cases": round(statistics.median(ours_subset) * 1e3, 2),
                "same_hypotheses": f"{checks['hypotheses']}/{len(chosen)}",
                "same_posteriors": f"{checks['posteriors']}/{len(chosen)}",
                "same_top": f"{checks['top']}/{len(chosen)}",
                "cuts_reproduce": f"{checks['cuts']}/{len(chosen)}",
                "tolerance": TOLERANCE,
                "recovered_single": f"{rec_single}/{len(singles)}",
                "recovered_two": f"{rec_pair}/{len(pairs)}",
                "cases": len(qs),
                "closed_world_cases": len(closed),
                "hypotheses_median": statistics.median(hypotheses),
                "hypotheses_max": max(hypotheses),
                "pool_ms": round(pool_s * 1e3, 1),
                "load_average": round(load, 2),
                "passed": passed,
            }
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
