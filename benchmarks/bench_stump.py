"""Growth-cone stump model: the project's engines vs the same rules agent by agent in Mesa (DESIGN §7, bar ≥ 100×).

Run: ``.venv/bin/python benchmarks/bench_stump.py [--replicates 20] [--axons 2000] [--mesa-axons 200] [--days 180]``.

Workload: a surgical cut (tubes severed: cones wander, branch and coil into a neuroma) followed for ``--days`` days
at ``dt = 1`` day — the costly case. Both sides run the same rules (``neurectomy.regrowth.stump.stump_rules``) and
count the same unit of work, one *agent-step* = one growth cone moved one step. The Mesa run is smaller (it is
slow) and is compared per agent-step. Measured in the same run: the Numba engine (default: all cores, replicates
in parallel; also on one thread), the NumPy engine, and Mesa. Best of ``--repeats`` interleaved runs each (after a
warm-up that compiles the Numba kernel); the Mesa repeats use seeds 1, 2, 3, … so that together they are a sample.

Same output (``same_output``). The engines and Mesa draw from different random streams (Numba: SplitMix64 packed
draws; NumPy: ``numpy.random.Generator`` vectorised; Mesa: Python's ``random``, agent by agent in shuffled order),
so no seed makes them agree draw for draw. Two checks instead:

1. Exactly, on deterministic variants of the rules (:func:`deterministic_rules`: every probability 0 or 1, no
   noise in speed, turning, initial heading or branch angle, a nerve of zero width), for a plain cut, a cut with
   TMR (the capture target) and cryoneurolysis (intact tubes). Every rule still acts — sprouting after the
   latency, scar speed, the tropic pull, entry into the distal tube, travel along it, capture, branching up to the
   per-axon cap, the neuroma count — and all three implementations must give the same time series of the fraction
   reached, the neuroma index, sprouts and live cones, and the same agent-steps, within 1e-9.
2. In distribution, on the benchmark workload itself: at days 30, 60, 90, 120 and 180 (those within ``--days``),
   the mean per axon of each of those four series, and the agent-steps per axon, of the Mesa runs (``--repeats``
   × ``--mesa-axons`` axons) against each engine's timed run (``--replicates`` × ``--axons`` axons). Axons do not
   interact, so each mean is an average of independent per-axon values. The variance of a per-axon value is
   estimated from an extra, untimed run of each engine on the same rules (``VARIANCE_REPLICATES`` replicates of
   ``--mesa-axons`` axons, so 99 degrees of freedom; or from the timed run or the Mesa runs where they spread
   more, as for an event too rare to show in every sample), and the difference of the means must be within ``Z_MAX =
   4.5`` standard errors: a two-sided chance of about 2e-5 per comparison when the rules are the same (about 1e-3
   over all 42 comparisons), while a rule that differs moves them by many (measured with the default sizes: a
   branch rate 20% higher by 8 standard errors, a scar speed 20% higher by 9, a turning noise 20% lower by 6).
   Rare events move little in distribution (a distal-entry probability 30% higher: 2.4), which is what the
   exact check above is for.

Every implementation must also count its agent-steps as the sum over steps of the cones alive at the start of the
step (the unit the ratio divides by). The last line is one JSON object (DESIGN §9); the exit status is 1 if an
output differs or the bar is not met.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mesa_stump import simulate_stump_mesa
from neurectomy.regrowth import stump
from neurectomy.regrowth.stump import StumpResult, StumpRules, has_numba, simulate_many, stump_rules

METHOD = "surgical_cut"
CHECK_DAYS = (30, 60, 90, 120, 180)
Z_MAX = 4.5
VARIANCE_REPLICATES = 100
EXACT_TOLERANCE = 1e-9
DETERMINISTIC_CASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("surgical_cut", ()),
    ("surgical_cut", ("tmr",)),
    ("cryoneurolysis", ()),
)
SERIES = ("reached", "neuroma", "sprouts", "active")


def timed(run: Callable[[], StumpResult]) -> tuple[float, StumpResult]:
    """(seconds, result) of one run."""
    t0 = time.perf_counter()
    res = run()
    return time.perf_counter() - t0, res


def deterministic_rules(method: str, end_treatments: Sequence[str] = ()) -> StumpRules:
    """The rules of a method with every random choice made certain (see the module docstring)."""
    r = stump_rules(method, end_treatments)
    return replace(
        r,
        nerve_radius=0.0,
        turn_noise=0.0,
        tube_speed_noise=0.0,
        initial_heading=0.0,
        distal_entry=1.0,
        branch_rate=math.inf,
        branch_angle=0.0,
        sprout_time=0.0,
        latency_spread=0.0,
        seal=0.0,
        aligned=1.0 if r.tubes_intact else 0.0,
        targets=tuple((x, y, radius, math.inf) for x, y, radius, _ in r.targets),
    )


def steps_counted_as_moves(res: StumpResult) -> bool:
    """agent_steps == the cones alive at the start of every step, summed (over replicates too)."""
    return round(float(np.sum(np.atleast_2d(res.active)[:, :-1]))) == res.agent_steps


def exact_check(days: float) -> list[str]:
    """Differences between Numba, NumPy and Mesa on the deterministic variants (empty when they agree)."""
    problems = []
    for method, ends in DETERMINISTIC_CASES:
        rules = deterministic_rules(method, ends)
        mesa = simulate_stump_mesa(method, n_axons=20, days=days, rng=0, rules=rules)
        with mock.patch.object(stump, "stump_rules", lambda *a, _rules=rules, **k: _rules):
            engines = {
                e: simulate_many(method, replicates=2, n_axons=20, days=days, rng=0, engine=e)
                for e in ("numba", "numpy")
            }
        label = f"{method}{' + ' + ' + '.join(ends) if ends else ''}"
        for name, res in engines.items():
            for s in SERIES:
                got, want = getattr(res, s), getattr(mesa, s)
                if not np.allclose(got, want[None, :], rtol=0.0, atol=EXACT_TOLERANCE):
                    day = int(np.flatnonzero(np.any(np.abs(got - want[None, :]) > EXACT_TOLERANCE, axis=0))[0])
                    problems.append(f"{label}: {name} {s} differs from mesa from day {day}")
            if res.agent_steps != 2 * mesa.agent_steps:
                problems.append(f"{label}: {name} agent-steps {res.agent_steps / 2:g} vs mesa {mesa.agent_steps}")
        if float(mesa.reached[-1]) == 0.0 and not ends:
            problems.append(f"{label}: nothing reached its target; the check would not exercise the tubes")
    return problems


def per_axon(res: StumpResult) -> dict[str, np.ndarray]:
    """Per replicate (rows) and day (columns): the four series per axon; agent-steps per axon (one column)."""
    out = {
        "reached": np.atleast_2d(res.reached),
        "neuroma": np.atleast_2d(res.neuroma),
        "sprouts": np.atleast_2d(res.sprouts) / res.n_axons,
        "active": np.atleast_2d(res.active) / res.n_axons,
    }
    out["agent_steps"] = out["active"][:, :-1].sum(axis=1, keepdims=True)
    return out


def distribution_check(
    engine: StumpResult, spread: StumpResult, mesa_runs: Sequence[StumpResult]
) -> tuple[float, list[str]]:
    """(largest |z|, comparisons beyond Z_MAX) of Mesa's per-axon means against the engine's; ``spread`` (many
    replicates of the same engine and rules) gives the variance of a per-axon value."""
    e, v = per_axon(engine), per_axon(spread)
    m = {k: np.concatenate([per_axon(r)[k] for r in mesa_runs]) for k in e}
    n_e, n_m = engine.n_axons * e["reached"].shape[0], sum(r.n_axons for r in mesa_runs)
    cols = [int(np.searchsorted(engine.days, d)) for d in CHECK_DAYS if d <= engine.days[-1]]
    worst, bad = 0.0, []
    for k in e:
        for col in [0] if k == "agent_steps" else cols:
            # the largest of the three estimates (the extra run's, the timed run's and, with several runs,
            # Mesa's): a rare event may be absent from one sample
            var_axon = max(
                float(np.var(v[k][:, col], ddof=1)) * spread.n_axons,
                float(np.var(e[k][:, col], ddof=1)) * engine.n_axons if len(e[k]) > 1 else 0.0,
                float(np.var(m[k][:, col], ddof=1)) * mesa_runs[0].n_axons if len(m[k]) > 1 else 0.0,
            )
            diff = float(np.mean(m[k][:, col]) - np.mean(e[k][:, col]))
            se = math.sqrt(var_axon / n_m + var_axon / n_e)
            z = abs(diff) / se if se > 0 else (0.0 if diff == 0 else math.inf)
            worst = max(worst, z)
            if z > Z_MAX:
                where = "" if k == "agent_steps" else f" on day {engine.days[col]:g}"
                bad.append(f"{k}{where}: z = {z:.1f}")
    return worst, bad


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--axons", type=int, default=2000)
    ap.add_argument("--mesa-axons", type=int, default=200)
    ap.add_argument("--days", type=float, default=180.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if not has_numba():
        sys.exit("bench_stump needs numba (a dependency of neurectomy)")
    threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    kw = {"replicates": args.replicates, "n_axons": args.axons, "days": args.days, "rng": 1}
    t0 = time.perf_counter()
    simulate_many(METHOD, replicates=2, n_axons=10, days=20, rng=0, engine="numba")
    warm_s = time.perf_counter() - t0

    runs: dict[str, Callable[[int], StumpResult]] = {
        "numba": lambda rep: simulate_many(METHOD, engine="numba", threads=threads, **kw),
        "numba_1thread": lambda rep: simulate_many(METHOD, engine="numba", threads=1, **kw),
        "mesa": lambda rep: simulate_stump_mesa(METHOD, n_axons=args.mesa_axons, days=args.days, rng=1 + rep),
    }
    best: dict[str, tuple[float, StumpResult]] = {}
    mesa_runs: list[StumpResult] = []
    for rep in range(args.repeats):  # interleaved, so a busy neighbour slows every engine alike; best of each
        for k, run in runs.items():
            s, res = timed(lambda run=run, rep=rep: run(rep))
            if k == "mesa":
                mesa_runs.append(res)
            if k not in best or s / res.agent_steps < best[k][0] / best[k][1].agent_steps:
                best[k] = (s, res)
    best["numpy"] = timed(lambda: simulate_many(METHOD, engine="numpy", **kw))
    rate = {k: res.agent_steps / s for k, (s, res) in best.items()}

    # same output: units of work, exact agreement on deterministic rules, agreement in distribution
    unit_problems = [k for k, (_, res) in best.items() if not steps_counted_as_moves(res)]
    exact_problems = exact_check(min(args.days, 120.0))
    z = {}
    dist_problems = []
    for k in ("numba", "numpy"):
        spread = simulate_many(
            METHOD, engine=k, replicates=VARIANCE_REPLICATES, n_axons=args.mesa_axons, days=args.days, rng=2
        )
        z[k], bad = distribution_check(best[k][1], spread, mesa_runs)
        dist_problems += [f"{k} vs mesa: {b}" for b in bad]
    same_output = not (unit_problems or exact_problems or dist_problems)

    (numba_s, numba_res), (numpy_s, numpy_res), (mesa_s, mesa_res) = best["numba"], best["numpy"], best["mesa"]
    numba_rate, one_rate, numpy_rate, mesa_rate = rate["numba"], rate["numba_1thread"], rate["numpy"], rate["mesa"]
    ratio = numba_rate / mesa_rate
    print(f"workload: {METHOD}, {args.days:g} days, dt 1 day; cpu cores {os.cpu_count()}, numba threads {threads}")
    print(f"numba warm-up (compile or load cache): {warm_s:.2f} s")
    print(
        f"numba  ({threads} threads): {numba_res.agent_steps:,} agent-steps in {numba_s:.3f} s = "
        f"{numba_rate / 1e6:.1f} M/s ({args.replicates} x {args.axons} axons)"
    )
    print(f"numba  (1 thread):  {one_rate / 1e6:.1f} M/s  (ratio {one_rate / mesa_rate:.0f}x)")
    print(
        f"numpy  engine:      {numpy_res.agent_steps:,} agent-steps in {numpy_s:.2f} s = {numpy_rate / 1e6:.1f} M/s "
        f"(ratio {numpy_rate / mesa_rate:.0f}x)"
    )
    print(
        f"mesa   baseline:    {mesa_res.agent_steps:,} agent-steps in {mesa_s:.2f} s = {mesa_rate / 1e3:.0f} k/s "
        f"({args.mesa_axons} axons)"
    )
    print(
        f"same output: deterministic rules {'identical' if not exact_problems else 'DIFFER'} "
        f"({len(DETERMINISTIC_CASES)} cases, numba/numpy/mesa); workload in distribution: largest |z| "
        f"numba {z['numba']:.2f}, numpy {z['numpy']:.2f} (limit {Z_MAX:g}); agent-steps counted alike: "
        f"{not unit_problems}"
    )
    for p in unit_problems + exact_problems + dist_problems:
        print(f"  differs: {p}")
    print(f"ratio: {ratio:.0f}x (bar >= 100x)")
    passed = bool(same_output and ratio >= 100)
    print(
        json.dumps(
            {
                "benchmark": "stump",
                "baseline": "mesa",
                "ratio": round(ratio, 1),
                "bar": 100,
                "same_output": same_output,
                "deterministic_identical": not exact_problems,
                "max_abs_z_numba": round(z["numba"], 2),
                "max_abs_z_numpy": round(z["numpy"], 2),
                "z_limit": Z_MAX,
                "device": "cpu",
                "engine": "numba",
                "threads": threads,
                "project_agent_steps_per_s": round(numba_rate),
                "mesa_agent_steps_per_s": round(mesa_rate),
                "numba_1thread_agent_steps_per_s": round(one_rate),
                "ratio_1thread": round(one_rate / mesa_rate, 1),
                "numpy_agent_steps_per_s": round(numpy_rate),
                "ratio_numpy": round(numpy_rate / mesa_rate, 1),
                "project_agent_steps": numba_res.agent_steps,
                "mesa_agent_steps": mesa_res.agent_steps,
                "method": METHOD,
                "days": args.days,
                "passed": passed,
            }
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
