"""How /api/target's searches use HiGHS (issue 18, item 6: its p95 under load)."""

from __future__ import annotations

from typing import Any

import pytest

import neurectomy
from neurectomy import targeting


def test_small_milps_are_presolved_not_branched(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug caught: every MILP of a search run without presolve and with the feasibility-jump heuristic, where HiGHS
    spends about 5 ms whatever the model's size (a 6-column model: one node, 3 simplex iterations, 6-10 ms;
    presolved, 0 nodes and 0.2-0.3 ms; 11-48 columns: 3.4 times faster): most of /api/target's time under load
    (bench_web: 33 req/s, p95 661 ms before, on a shared 2-core machine). Large MILPs keep HiGHS's defaults."""
    seen: list[tuple[int, int, str, bool]] = []
    run = targeting._run

    def watched(h: Any, budget: Any) -> None:
        run(h, budget)
        lp = h.getLp()
        if len(lp.integrality_):
            jump = h.getOptionValue("mip_heuristic_run_feasibility_jump")[1]
            seen.append((lp.num_col_, h.getInfo().mip_node_count, h.getOptionValue("presolve")[1], jump))

    monkeypatch.setattr(targeting, "_run", watched)
    for region in ("posterior thigh", "skin of lateral heel"):  # their relaxations are fractional: MILPs follow
        neurectomy.target(regions=[region])
    small = [s for s in seen if s[0] <= targeting.SMALL_MILP_COLUMNS]
    assert small, seen
    assert all(presolve == "on" and not jump for _cols, _nodes, presolve, jump in small), seen
    assert all(nodes == 0 for cols, nodes, _p, _j in small if cols <= 10), seen  # solved by presolve alone
