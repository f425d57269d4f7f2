"""Cohorts: 1,000,000 simulated patients (kinetics) vs a per-patient Python loop computing the same summary.

Run: ``.venv/bin/python benchmarks/bench_cohort.py [--patients 1000000] [--loop-patients 1000000]``.

Fast path: :func:`neurectomy.regrowth.cohort.simulate_summary` — the compiled kernel in chunks of 500,000 (one per
worker) on a local Dask cluster of two worker processes (this machine has two cores), each chunk returning only
sufficient statistics, so memory stays bounded whatever the cohort size; the cluster is started before the timing
(its start-up is reported separately). Best of 5 runs (``rng=0..4``). For reference, the same cohort is also
timed inline in this process (one core, one chunk): ``ratio_inline_1core``.

Baseline: :func:`loop_summary`, the same model one patient at a time in plain Python, computing the same summary
(per scenario: n; neuroma and deafferentation rates with Wilson 95% intervals; means of function at 1 and 5
years and of pain at 1 year with normal 95% intervals — the columns ``simulate_summary`` returns, by the
formulas of :func:`~neurectomy.regrowth.cohort.summarise`). It takes the same draws as the kernel: the cohort's
seed comes from ``rng`` through :func:`neurectomy.rng.kernel_seeds` (:func:`cohort_seed`), and patient ``i``
uses draws ``i * STRIDE …`` of that seed's SplitMix64 stream (:mod:`neurectomy.regrowth._random`). SplitMix64
is counter based, so the loop's draws are generated in blocks by the package's one generator
(:func:`neurectomy.regrowth._random.uniforms`, timed) and consumed one by one, at about the cost of a
``random.random()`` call each: the baseline is not slowed by a pure-Python generator. By default it runs the
whole cohort of the first fast run (``rng=0``), so the work is the same.

Same output: the loop's summary equals the fast path's for the same ``rng`` and ``n`` — counts exactly, every
other value within a relative 1e-9 (the sums are added in a different order across chunks, and libm's ``log``
and ``cos`` may differ from LLVM's in the last bit). The bounds of a mean's interval may also differ by up to
``1.96 * sqrt(1e-12 / n)`` (about 5e-9 for 166,000 patients, against half-widths of about 1e-3): both sides
compute the variance, as ``simulate_summary`` does, as the mean of squares minus the square of the mean, and
where a value is the same for nearly every patient of a scenario (function at 5 years after a method from which
everyone recovers) that difference of two nearly equal numbers keeps only the last bits of the sums, which depend
on the order of the additions (the fast path itself differs by as much between two chunk sizes). With
``--loop-patients`` below ``--patients`` the fast path is also run (untimed) on that many patients for the
comparison. Peak resident memory of the client process is reported. The last line is one JSON object (DESIGN §9);
the exit status is 1 if the output differs or the bar is not met.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from dask.distributed import Client, LocalCluster

from neurectomy.api import default_atlas
from neurectomy.calibration import Z_NODES
from neurectomy.regrowth._cohort_kernel import STRIDE
from neurectomy.regrowth._random import uniforms
from neurectomy.regrowth.cohort import (
    AGE_RANGE,
    AGE_SLOWING,
    BODY_SIZE_SD,
    HORIZONS_DAYS,
    RATE_HIGH,
    RATE_RANGE,
    STAT_COLUMNS,
    Scenario,
    default_scenarios,
    simulate_summary,
)
from neurectomy.regrowth.kinetics import DEAFFERENTATION_ONSET, NEUROMA_ONSET
from neurectomy.rng import kernel_seeds

RELATIVE_TOLERANCE = 1e-9
VARIANCE_TOLERANCE = 1e-12  # absolute, on a variance computed from sums of squares (see the module docstring)
BLOCK = 20_000  # patients per block of pre-generated draws in the loop (bounded memory)
Z95 = 1.959963984540054


def _wilson(k: float, n: float) -> tuple[float, float]:
    if n == 0:
        return math.nan, math.nan
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def cohort_seed(rng: Any) -> int:
    """The seed of the SplitMix64 stream of the cohort ``simulate_summary(..., rng=rng)`` simulates: ``run_chunks``
    draws the cohort's seed from ``rng``, and each chunk function draws its kernel seed from that (both with
    :func:`neurectomy.rng.kernel_seeds`)."""
    return int(kernel_seeds(int(kernel_seeds(rng, 1)[0]), 1)[0])


def loop_summary(scenarios: Sequence[Scenario], n: int, rng: Any) -> pd.DataFrame:
    """The summary of ``n`` patients, simulated one at a time in plain Python on the kernel's draws."""
    seed = cohort_seed(rng)
    params = [s.parameters() for s in scenarios]
    distances = [s.distances_mm or (0.0,) for s in scenarios]
    k = len(scenarios)
    age_lo, age_hi = AGE_RANGE
    slow, rate_lo, size_sd = AGE_SLOWING.value, RATE_RANGE.value, BODY_SIZE_SD.value
    onset_n, onset_d = NEUROMA_ONSET.value, DEAFFERENTATION_ONSET.value
    h1, h2 = HORIZONS_DAYS
    # per scenario: count, then the sum and the sum of squares of each of STAT_COLUMNS
    acc = [[0.0] * (1 + 2 * len(STAT_COLUMNS)) for _ in scenarios]
    for start in range(0, n, BLOCK):
        size = min(BLOCK, n - start)
        block = uniforms(seed, size * STRIDE, skip=start * STRIDE).tolist()
        for i in range(size):
            draws = iter(block[i * STRIDE : (i + 1) * STRIDE])
            a = min(int(next(draws) * k), k - 1)
            p, dist_choices = params[a], distances[a]
            age = age_lo + (age_hi - age_lo) * next(draws)
            slowing = min(max(1.0 - slow * max(age - 40.0, 0.0), 0.3), 1.0)
            rate = (rate_lo + (RATE_HIGH - rate_lo) * next(draws)) * slowing if p["rate_mm_day"] > 0 else 0.0
            normal = math.sqrt(-2.0 * math.log(1.0 - next(draws))) * math.cos(2.0 * math.pi * next(draws))
            body = min(max(1.0 + size_sd * normal, 0.6), 1.4)
            width = len(dist_choices)
            dist = dist_choices[min(int(next(draws) * width), width - 1)] * body
            node = min(int(next(draws) * len(Z_NODES)), len(Z_NODES) - 1)
            latency = p["latency_days"] * math.exp(p["latency_spread"] * Z_NODES[node])
            travel = dist / rate if rate > 0 else 0.0
            arrive = latency + travel
            mature = max(p["maturation_days"], 1e-9)
            ceiling = p["ceiling"]
            f1 = ceiling * min(max((h1 - arrive) / mature, 0.0), 1.0)
            f2 = ceiling * min(max((h2 - arrive) / mature, 0.0), 1.0)
            neuroma = next(draws) < p["neuroma"]
            nday = -math.log(1.0 - next(draws)) * onset_n if neuroma else math.nan
            deaff = next(draws) < p["deafferentation"]
            dday = -math.log(1.0 - next(draws)) * onset_d if deaff else math.nan
            responder = next(draws) < p["response"]
            event = (neuroma and nday <= h1) or (deaff and dday <= h1)
            back = p["regrowth_pain"] > 0 and ceiling > 0 and h1 >= latency + travel * p["pain_distance"]
            pain = 1.0 if (event or back or not responder) else 0.0
            row = acc[a]
            row[0] += 1.0
            for j, value in enumerate((1.0 if neuroma else 0.0, 1.0 if deaff else 0.0, f1, f2, pain)):
                row[1 + 2 * j] += value
                row[2 + 2 * j] += value * value
    rows = []
    for s, row in zip(scenarios, acc, strict=True):
        count = row[0]
        out: dict[str, Any] = {"scenario": s.name, "n": int(count)}
        for j, col in enumerate(STAT_COLUMNS):
            total, squares = row[1 + 2 * j], row[2 + 2 * j]
            mean = total / count if count else math.nan
            if col in ("neuroma", "deafferentation"):
                out[f"{col}_rate"], (out[f"{col}_lo"], out[f"{col}_hi"]) = mean, _wilson(total, count)
            else:  # sample standard deviation (ddof=1) from the sums, as summarise's std(ddof=1)
                var = max(squares / count - mean * mean, 0.0) * count / max(count - 1, 1) if count else 0.0
                half = Z95 * math.sqrt(var / count) if count else math.nan
                out[f"{col}_mean"], out[f"{col}_lo"], out[f"{col}_hi"] = mean, mean - half, mean + half
        rows.append(out)
    return pd.DataFrame(rows)


def compare(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[bool, float]:
    """(same columns, scenarios and counts and every value within tolerance; the largest difference as a fraction
    of its tolerance). Tolerance: a relative ``RELATIVE_TOLERANCE``, and for the bounds of a mean's interval also
    ``Z95 * sqrt(VARIANCE_TOLERANCE / n)`` (see the module docstring)."""
    if list(ours.columns) != list(theirs.columns) or list(ours["scenario"]) != list(theirs["scenario"]):
        return False, math.inf
    if list(ours["n"]) != list(theirs["n"]):
        return False, math.inf
    n = ours["n"].to_numpy(dtype=np.float64)
    worst = 0.0
    for col in ours.columns.drop(["scenario", "n"]):
        a, b = ours[col].to_numpy(dtype=np.float64), theirs[col].to_numpy(dtype=np.float64)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            return False, math.inf
        allowed = RELATIVE_TOLERANCE * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        if col.endswith(("_lo", "_hi")) and not col.startswith(("neuroma", "deafferentation")):
            allowed = allowed + Z95 * np.sqrt(VARIANCE_TOLERANCE / np.maximum(n, 1.0))
        ok = ~np.isnan(a)
        worst = max(worst, float((np.abs(a[ok] - b[ok]) / allowed[ok]).max(initial=0.0)))
    return worst <= 1.0, worst


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--loop-patients", type=int, default=None, help="default: --patients")
    args = ap.parse_args()
    n_loop = min(args.loop_patients or args.patients, args.patients)
    scenarios = default_scenarios(default_atlas())
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - t0
    try:
        simulate_summary(400_000, scenarios, rng=1, client=client)  # load the compiled loop in both workers
        runs = []
        summaries = []
        for rep in range(5):
            t0 = time.perf_counter()
            summaries.append(simulate_summary(args.patients, scenarios, rng=rep, client=client, chunk_size=500_000))
            runs.append(time.perf_counter() - t0)
        fast = summaries[0]
        # for reference: the compiled loop alone, one chunk in this process (one core), after loading it here
        simulate_summary(1000, scenarios, rng=1, backend="inline")
        t0 = time.perf_counter()
        simulate_summary(args.patients, scenarios, rng=0, backend="inline", chunk_size=args.patients)
        inline = time.perf_counter() - t0
        if n_loop < args.patients:  # untimed: the fast path on the loop's cohort, for the comparison
            fast = simulate_summary(n_loop, scenarios, rng=0, client=client, chunk_size=500_000)
    finally:
        client.close()
        cluster.close()
    ours = min(runs)
    t0 = time.perf_counter()
    base = loop_summary(scenarios, n_loop, rng=0)
    loop = (time.perf_counter() - t0) / n_loop
    same_output, worst = compare(fast, base)
    per_patient = ours / args.patients
    ratio = loop / per_patient
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shown = ["scenario", "n", "neuroma_rate", "function_1y_mean", "pain_1y_mean"]
    print(summaries[0][shown].round(4).to_string())
    print(
        f"{args.patients:,} patients in {ours:.2f} s ({args.patients / ours:,.0f} patients/s; cluster start-up "
        f"{startup:.1f} s, not timed); per-patient loop {loop * 1e6:.2f} µs/patient ({n_loop:,} patients); "
        f"peak client RSS {rss_mb:.0f} MB"
    )
    print(
        f"for reference, the compiled loop inline on one core: {inline:.2f} s = {loop * args.patients / inline:.0f}x "
        f"the loop"
    )
    print(
        f"same summary from the fast path and the loop ({n_loop:,} patients, rng=0): {same_output} "
        f"(largest difference {worst:.2f} of its tolerance)"
    )
    passed = bool(same_output and ratio >= 50)
    print(
        json.dumps(
            {
                "benchmark": "cohort_1M",
                "baseline": "per-patient Python loop, same draws, same summary",
                "ratio": round(ratio, 1),
                "bar": 50,
                "same_output": same_output,
                "max_diff_over_tolerance": round(worst, 4),
                "relative_tolerance": RELATIVE_TOLERANCE,
                "patients": args.patients,
                "loop_patients": n_loop,
                "seconds": round(ours, 3),
                "patients_per_s": round(args.patients / ours),
                "loop_us_per_patient": round(loop * 1e6, 3),
                "inline_1core_seconds": round(inline, 3),
                "ratio_inline_1core": round(loop * args.patients / inline, 1),
                "cluster_startup_s": round(startup, 2),
                "peak_rss_mb": round(rss_mb),
                "passed": passed,
            }
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
