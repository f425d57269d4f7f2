"""Lesion engine vs a straightforward networkx-descendants implementation, and CLI cold start.

Run: ``.venv/bin/python benchmarks/bench_lesion.py [--cuts 100000] [--baseline-cuts 10000]``.

* engine: ``lesion_batch`` on N random (nerve, position) cuts over the packaged atlas, sparse result.
* baseline: what a Python user would write first, with the same semantics (DESIGN §4). Once, before timing, the
  nerve graph is built in networkx and every supply of every target is split into its routes up to a tree root
  (equal shares at each plexus merge, ``also_from``; routes filtered by the target's roots), each route a
  ``{nerve: exit mm}`` dict — the counterpart of the engine's precomputed loss rows, also built before timing.
  Per cut: ``networkx.descendants`` of every branch leaving the cut nerve at or beyond the position, then, for
  every route of every supply on those nerves (and on the cut nerve itself), its share is lost if the route
  leaves the cut nerve at or beyond the position; shares are summed per target and capped at 1. It runs on the
  first ``--baseline-cuts`` of the same random cuts (it is slow); the ratio compares time per cut.
* same output: on every baseline cut, and on every boundary cut (each nerve at its origin, at each exit of a
  supply path, where ``at or beyond`` matters, and at its end), the set of targets and every ``supply_lost`` value
  must equal the engine's row for that cut within 1e-9 (``same_output``).
* cold start: ``neurectomy lesion "sural nerve" --json`` vs ``python -c pass``, medians of 7 runs.

The last line is one JSON object (DESIGN §9); the exit status is 1 if the output differs or a bar is not met.
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

from neurectomy.api import default_atlas
from neurectomy.atlas.graph import SupplyArrays
from neurectomy.lesion import lesion_batch, random_cuts

TOLERANCE = 1e-9

Route = tuple[int, float, dict[str, float]]  # (target index, share of its supply, {nerve id: exit mm})


def build_baseline(atlas) -> tuple[nx.DiGraph, dict[str, list[Route]]]:
    """The nerve graph and, per supplying nerve, the routes of the supplies it receives."""
    g = nx.DiGraph()
    for n in atlas.nerves:
        g.add_node(n.id, roots={r.upper() for r in n.roots})
    for n in atlas.nerves:
        if n.parent:
            g.add_edge(n.parent, n.id, origin=n.origin_mm)
        for parent, mm in n.also_from:
            g.add_edge(parent, n.id, origin=mm)

    def up(nid: str, exit_mm: float) -> list[tuple[float, dict[str, float], str]]:
        """(weight, exits, root) of every route from ``nid`` (left at ``exit_mm``) up to a root."""
        parents = list(g.predecessors(nid))
        if not parents:
            return [(1.0, {nid: exit_mm}, nid)]
        out = []
        for parent in parents:
            for w, exits, root in up(parent, g.edges[parent, nid]["origin"]):
                out.append((w / len(parents), {nid: exit_mm, **exits}, root))
        return out

    routes: dict[str, list[Route]] = {}
    for ti, t in enumerate(atlas.targets):
        wanted = {r.upper() for r in t.roots}
        for s in t.supply:
            found = up(s.nerve, s.at_mm)
            if wanted:
                found = [r for r in found if wanted & g.nodes[r[2]]["roots"]]
            total = sum(w for w, _, _ in found)
            routes.setdefault(s.nerve, []).extend((ti, s.share * w / total, exits) for w, exits, _ in found)
    return g, routes


def baseline_cut(g: nx.DiGraph, routes: dict[str, list[Route]], nerve_id: str, mm: float) -> dict[int, float]:
    """Supply lost per target (target index -> share) by one cut at ``mm`` on ``nerve_id``."""
    hit = {nerve_id}
    for child, data in g[nerve_id].items():
        if data["origin"] >= mm:
            hit.add(child)
            hit |= nx.descendants(g, child)
    lost: dict[int, float] = {}
    for nid in hit:
        for ti, share, exits in routes.get(nid, ()):
            e = exits.get(nerve_id)
            if e is not None and e >= mm:
                lost[ti] = lost.get(ti, 0.0) + share
    return {t: min(v, 1.0) for t, v in lost.items()}


def compare(result, base: list[dict[int, float]]) -> tuple[int, float]:
    """(cuts whose targets or values differ, largest absolute difference of a supply_lost value)."""
    bad = 0
    worst = 0.0
    for i, b in enumerate(base):
        lo, hi = result.indptr[i], result.indptr[i + 1]
        row = dict(zip(result.indices[lo:hi].tolist(), result.data[lo:hi].tolist(), strict=True))
        if set(row) != set(b):
            bad += 1
            continue
        diff = max((abs(row[t] - v) for t, v in b.items()), default=0.0)
        worst = max(worst, diff)
        bad += diff > TOLERANCE
    return bad, worst


def median_time(cmd, repeats=7):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cuts", type=int, default=100_000)
    ap.add_argument("--baseline-cuts", type=int, default=10_000)
    args = ap.parse_args()
    atlas = default_atlas()
    nerve, mm = random_cuts(atlas, args.cuts, rng=0)
    t0 = time.perf_counter()
    SupplyArrays.build(atlas)
    engine_setup_s = time.perf_counter() - t0
    lesion_batch(atlas, nerve[:100], mm[:100])  # build the atlas's cached arrays outside the timing
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        result = lesion_batch(atlas, nerve, mm)
        runs.append(time.perf_counter() - t0)
    engine_s = min(runs)
    t0 = time.perf_counter()
    g, routes = build_baseline(atlas)
    baseline_setup_s = time.perf_counter() - t0
    k = min(args.baseline_cuts, args.cuts)
    ids = [atlas.nerves[n].id for n in nerve[:k].tolist()]
    positions = mm[:k].tolist()
    t0 = time.perf_counter()
    base = [baseline_cut(g, routes, n, p) for n, p in zip(ids, positions, strict=True)]
    baseline_s = time.perf_counter() - t0
    differing, worst = compare(result, base)
    # boundary cuts (untimed): exactly at every distinct exit, at the origin and at the end of every nerve
    edge = [(i, e) for i, n in enumerate(atlas.nerves) for e in {0.0, n.length_mm, *(x for x, _ in atlas.suffixes[i])}]
    edge_result = lesion_batch(atlas, [i for i, _ in edge], [e for _, e in edge])
    edge_differing, edge_worst = compare(edge_result, [baseline_cut(g, routes, atlas.nerves[i].id, e) for i, e in edge])
    same_output = differing == 0 and edge_differing == 0
    per_engine = engine_s / args.cuts
    per_base = baseline_s / k
    ratio = per_base / per_engine
    print(f"atlas: {len(atlas.nerves)} nerves, {len(atlas.targets)} targets, {len(atlas.path_target)} supply paths")
    print(
        f"engine: {args.cuts} cuts in {engine_s * 1e3:.1f} ms ({per_engine * 1e6:.3f} µs/cut), "
        f"{result.nnz} nonzero losses; loss rows built once in {engine_setup_s * 1e3:.0f} ms (not timed)"
    )
    print(
        f"networkx baseline: {k} cuts in {baseline_s:.2f} s ({per_base * 1e6:.1f} µs/cut); graph and routes built "
        f"once in {baseline_setup_s * 1e3:.0f} ms (not timed)"
    )
    print(
        f"same output: {k - differing}/{k} cuts with the same targets and supply_lost within {TOLERANCE:g} "
        f"(largest difference {worst:.2e}); boundary cuts {len(edge) - edge_differing}/{len(edge)} "
        f"(largest difference {edge_worst:.2e})"
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
    passed = bool(same_output and ratio >= 100 and cold / bare <= 10)
    print(
        json.dumps(
            {
                "benchmark": "lesion_batch_100k",
                "baseline": "networkx descendants per cut, same semantics (plexus routes, root filters)",
                "ratio": round(ratio, 1),
                "bar": 100,
                "same_output": same_output,
                "engine_us_per_cut": round(per_engine * 1e6, 4),
                "baseline_us_per_cut": round(per_base * 1e6, 2),
                "compared_cuts": k,
                "differing_cuts": differing,
                "max_abs_diff": max(worst, edge_worst),
                "boundary_cuts": len(edge),
                "differing_boundary_cuts": edge_differing,
                "tolerance": TOLERANCE,
                "engine_setup_ms": round(engine_setup_s * 1e3, 1),
                "baseline_setup_ms": round(baseline_setup_s * 1e3, 1),
                "cold_start_ratio": round(cold / bare, 2),
                "cold_start_bar": 10,
                "cold_start_ms": round(cold * 1e3, 1),
                "python_pass_ms": round(bare * 1e3, 1),
                "n_cuts": args.cuts,
                "nonzero": int(result.nnz),
                "passed": passed,
            }
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
