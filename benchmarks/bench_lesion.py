"""Lesion engine vs a straightforward networkx-descendants implementation, and CLI cold start.

Run: ``.venv/bin/python benchmarks/bench_lesion.py [--cuts 100000] [--baseline-cuts 10000]``.

* engine: ``lesion_batch`` on N random (nerve, position) cuts over the packaged atlas, sparse result.
* baseline: per cut, ``networkx.descendants`` of every branch leaving the cut nerve at or beyond the position,
  then the supply shares of every target those nerves supply (what a Python user would write first). It runs on
  a subset of the same random cuts (it is slow); the ratio compares time per cut.
* cold start: ``neurectomy lesion "sural nerve" --json`` vs ``python -c pass``, medians of 7 runs.
The last line is one JSON object (DESIGN §9).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np

from neurectomy import default_atlas, lesion_batch
from neurectomy.lesion import random_cuts


def build_graph(atlas):
    g = nx.DiGraph()
    for n in atlas.nerves:
        g.add_node(n.id)
    for n in atlas.nerves:
        if n.parent:
            g.add_edge(n.parent, n.id, origin=n.origin_mm)
        for parent, mm in n.also_from:
            g.add_edge(parent, n.id, origin=mm)
    supplies: dict[str, list[tuple[int, float, float]]] = {}
    for ti, t in enumerate(atlas.targets):
        for s in t.supply:
            supplies.setdefault(s.nerve, []).append((ti, s.at_mm, s.share))
    return g, supplies


def baseline_cut(g, supplies, nerve_id, mm):
    hit = set()
    lost: dict[int, float] = {}
    for ti, at, share in supplies.get(nerve_id, ()):
        if at >= mm:
            lost[ti] = lost.get(ti, 0.0) + share
    for child, data in g[nerve_id].items():
        if data["origin"] >= mm:
            hit.add(child)
            hit |= nx.descendants(g, child)
    for nid in hit:
        for ti, _at, share in supplies.get(nid, ()):
            lost[ti] = lost.get(ti, 0.0) + share
    return {t: min(v, 1.0) for t, v in lost.items()}


def median_time(cmd, repeats=7):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cuts", type=int, default=100_000)
    ap.add_argument("--baseline-cuts", type=int, default=10_000)
    args = ap.parse_args()
    atlas = default_atlas()
    nerve, mm = random_cuts(atlas, args.cuts, rng=0)
    lesion_batch(atlas, nerve[:100], mm[:100])  # build arrays outside the timing
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        result = lesion_batch(atlas, nerve, mm)
        runs.append(time.perf_counter() - t0)
    engine_s = min(runs)
    g, supplies = build_graph(atlas)
    k = min(args.baseline_cuts, args.cuts)
    t0 = time.perf_counter()
    base = [baseline_cut(g, supplies, atlas.nerves[n].id, p) for n, p in zip(nerve[:k], mm[:k], strict=True)]
    baseline_s = time.perf_counter() - t0
    same_targets = sum(set(b) == set(result[i].indices.tolist()) for i, b in enumerate(base)) / k
    per_engine = engine_s / args.cuts
    per_base = baseline_s / k
    ratio = per_base / per_engine
    print(f"atlas: {len(atlas.nerves)} nerves, {len(atlas.targets)} targets, {len(atlas.path_target)} supply paths")
    print(
        f"engine: {args.cuts} cuts in {engine_s * 1e3:.1f} ms ({per_engine * 1e6:.3f} µs/cut), "
        f"{result.nnz} nonzero losses"
    )
    print(
        f"networkx baseline: {k} cuts in {baseline_s:.2f} s ({per_base * 1e6:.1f} µs/cut); "
        f"same affected targets on {same_targets:.1%} of cuts (differences: plexus root filters)"
    )
    exe = Path(sys.executable).with_name("neurectomy")
    cli = [str(exe), "lesion", "sural nerve", "--json"]
    subprocess.run(cli, check=True, stdout=subprocess.DEVNULL)  # warm the compiled-atlas cache
    cold = median_time(cli)
    bare = median_time([sys.executable, "-c", "pass"])
    print(
        f"cold start: neurectomy lesion --json {cold * 1e3:.1f} ms vs python -c pass {bare * 1e3:.1f} ms "
        f"= {cold / bare:.1f}x (bar <= 10x)"
    )
    print(
        json.dumps(
            {
                "benchmark": "lesion_batch_100k",
                "baseline": "networkx descendants per cut",
                "ratio": round(ratio, 1),
                "bar": 100,
                "engine_us_per_cut": round(per_engine * 1e6, 4),
                "baseline_us_per_cut": round(per_base * 1e6, 2),
                "cold_start_ratio": round(cold / bare, 2),
                "cold_start_bar": 10,
                "cold_start_ms": round(cold * 1e3, 1),
                "python_pass_ms": round(bare * 1e3, 1),
                "n_cuts": args.cuts,
                "nonzero": int(result.nnz),
                "agreement": round(same_targets, 4),
                "passed": bool(ratio >= 100 and cold / bare <= 10),
            }
        )
    )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
