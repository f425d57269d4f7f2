"""Strength profiles: the shipped table (:mod:`neurectomy.strength`) vs recomputing the models in MuJoCo per lesion.

Run: ``.venv/bin/python benchmarks/bench_function.py [--lesions 10000] [--baseline-every 100] [--seed 17]``
(the baseline needs the ``strength`` extra: ``mujoco`` and ``myo-sim``).

Lesions: ``--lesions`` random single cuts from :func:`neurectomy.lesion.random_cuts` (uniform over nerves and along
each nerve), redrawn until the cut takes supply from at least one muscle the models contain, so every lesion has a
strength profile. The lesion engine's deficit is computed once per lesion, outside both timings.

Table path (timed per lesion, as ``lesion --json`` runs it): :func:`neurectomy.strength.actuator_losses` for each
side plus :func:`neurectomy.strength.strength_lost` — the per-actuator loss (muscle parts resolved along their supply
paths) and the sparse matrix–vector product over the posture grid, in plain Python. Also reported: the same 10,000
profiles in one call of the vectorised :func:`neurectomy.strength.strength_lost_batch` (NumPy).

Baseline, in the same run: for every ``--baseline-every``-th lesion, the torque capacities are recomputed in MuJoCo
exactly as ``tools/build_strength_table.py`` does (every motion, every posture: ``mj_forward``, the actuator moment
through the coupled coordinates, ``mju_muscleGain``), then each actuator is scaled by the force it keeps. The ratio
compares the median time per lesion of the baseline with the table path's median on the same lesions.

Same output (``same_output``): on every baseline lesion, every motion's strength lost agrees within 2e-3 (the table
stores torques rounded to 0.001 N·m); and the batch path equals the per-lesion path within 1e-9 on all lesions.
Cold start: ``neurectomy lesion "femoral nerve" --json`` (a limb lesion: the table is read) against the same command
for the sural nerve (no muscle: the table is not read) and ``python -c pass``, medians of 7 runs.

The last line is one JSON object; the exit status is 1 if an output differs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from neurectomy.api import default_atlas
from neurectomy.lesion import Cut, lesion, random_cuts
from neurectomy.strength import actuator_losses, strength_lost, strength_lost_batch, table

ROOT = Path(__file__).resolve().parents[1]


def draw(n: int, seed: int) -> list:
    atlas = default_atlas()
    tbl = table()
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        nerves, mm = random_cuts(atlas, 4 * n, rng=rng)
        for k, x in zip(nerves, mm, strict=True):
            d = lesion(atlas, Cut(atlas.nerves[int(k)].id, mm=float(x)))
            if any(loss.target.id in tbl.by_muscle for loss in d.motor):
                out.append(d)
                if len(out) == n:
                    break
    return out


def table_profile(d) -> tuple[dict, dict]:
    lost = actuator_losses(d, "left")
    return lost, strength_lost(lost)


def mujoco_profile(models: dict, tool, lost: dict) -> dict[str, float]:
    """Recompute every motion's capacities in MuJoCo and apply the lesion's actuator losses."""
    out = {}
    for name, motion in tool.MOTIONS.items():
        key = motion[0]
        _, torque, names = tool.motion_torques(key, models[key], motion)
        cap = np.maximum(torque, 0.0)
        keep = np.array([lost.get(tool._actuator_key(key, a) or "", 0.0) for a in names])
        totals = cap.sum(axis=1)
        out[name] = float(np.mean(np.minimum(1.0, (cap @ keep) / totals)))
    return out


def median_time(cmd: list[str], repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesions", type=int, default=10_000)
    parser.add_argument("--baseline-every", type=int, default=100)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()

    deficits = draw(args.lesions, args.seed)
    tbl = table()
    times, profiles, losses = [], [], []
    for d in deficits:
        t = time.perf_counter()
        lost, prof = table_profile(d)
        times.append(time.perf_counter() - t)
        profiles.append(prof)
        losses.append(lost)
    names = tbl.actuator_names
    matrix = np.array([[lost.get(a, 0.0) for a in names] for lost in losses])
    t = time.perf_counter()
    batch = strength_lost_batch(matrix)
    batch_s = time.perf_counter() - t
    single = np.array([[p[m.name] for m in tbl.motions] for p in profiles])
    batch_same = bool(np.allclose(batch, single, atol=1e-9))

    sys.path.insert(0, str(ROOT / "tools"))
    import warnings

    import build_strength_table as tool

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        models = {k: tool._load(k) for k in tool.MODELS}
    base_times, table_times, worst = [], [], 0.0
    for i in range(0, len(deficits), args.baseline_every):
        t = time.perf_counter()
        ref = mujoco_profile(models, tool, losses[i])
        base_times.append(time.perf_counter() - t)
        table_times.append(times[i])
        worst = max(worst, max(abs(ref[m] - profiles[i][m]) for m in ref))
    same_output = batch_same and worst <= 2e-3

    cli = [str(Path(sys.executable).with_name("neurectomy")), "lesion"]
    subprocess.run([*cli, "sural nerve", "--json"], check=True, stdout=subprocess.DEVNULL)  # warm the atlas cache
    cold_limb = median_time([*cli, "femoral nerve", "--json"])
    cold_sensory = median_time([*cli, "sural nerve", "--json"])
    bare = median_time([sys.executable, "-c", "pass"])

    ms = np.array(times) * 1e3
    ratio = statistics.median(base_times) / statistics.median(table_times)
    print(
        f"{len(deficits)} lesions: table p50 {np.percentile(ms, 50):.3f} ms, p95 {np.percentile(ms, 95):.3f} ms per "
        f"profile; batch {batch_s * 1e3:.1f} ms for all; MuJoCo per lesion (median of {len(base_times)}) "
        f"{statistics.median(base_times) * 1e3:.0f} ms: {ratio:.0f}x; largest difference {worst:.2e}"
    )
    print(
        f"cold start: femoral {cold_limb * 1e3:.0f} ms, sural {cold_sensory * 1e3:.0f} ms, "
        f"python -c pass {bare * 1e3:.0f} ms"
    )
    print(
        json.dumps(
            {
                "benchmark": "function",
                "lesions": len(deficits),
                "table_p50_ms": round(float(np.percentile(ms, 50)), 4),
                "table_p95_ms": round(float(np.percentile(ms, 95)), 4),
                "batch_ms": round(batch_s * 1e3, 2),
                "baseline_lesions": len(base_times),
                "mujoco_median_ms": round(statistics.median(base_times) * 1e3, 1),
                "mujoco_p95_ms": round(float(np.percentile(np.array(base_times) * 1e3, 95)), 1),
                "ratio": round(ratio, 1),
                "max_difference": worst,
                "cold_start_limb_ms": round(cold_limb * 1e3, 1),
                "cold_start_sensory_ms": round(cold_sensory * 1e3, 1),
                "python_pass_ms": round(bare * 1e3, 1),
                "cold_start_ratio": round(cold_limb / bare, 2),
                "load_average": os.getloadavg()[0],
                "same_output": same_output,
            }
        )
    )
    return 0 if same_output else 1


if __name__ == "__main__":
    raise SystemExit(main())
