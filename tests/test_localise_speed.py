"""Localisation within bounds (issue 14, item 5; DESIGN §7: p95 < 50 ms per query, hostile queries bounded)."""

from __future__ import annotations

import tracemalloc

from neurectomy.lesion import Cut, lesion
from neurectomy.localisation import FULL, Finding, localise


def test_a_proximal_closed_world_query_stays_within_memory(atlas):
    """A round trip of a C6 spinal-nerve lesion in closed-world mode: every one of its 67 losses handed back as a
    finding. The answer is one lesion (C6 at its origin) out of 26,721 hypotheses; computing it must not take
    hundreds of megabytes (a handful of such requests at once would exhaust the web server's memory). Pairs were
    scored through a dense (pairs x paths) matrix: about 900 MB and over a second of CPU for this query."""
    d = lesion(atlas, Cut("spinal nerve C6", mm=9.7))
    findings = [
        Finding(atlas.target_index[x.target.id], "absent" if x.supply_lost >= FULL else "reduced", "lost")
        for x in d.losses
    ]
    localise(atlas, findings, closed_world=True, next_tests=0)  # caches (pool, level words) outside the measure
    tracemalloc.start()
    try:
        result = localise(atlas, findings, closed_world=True, next_tests=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.sites[0].cuts[0].nerve_id == "spinal_nerve_c6"
    assert peak < 100e6, f"peak {peak / 1e6:.0f} MB"
