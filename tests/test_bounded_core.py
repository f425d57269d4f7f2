"""Issue 19, item 3 (bounded work), in the core: per-request time and node limits for targeting and localisation, a
cap on the targets one phrase may stand for, and cancellation. Each test names the finding it guards against."""

from __future__ import annotations

import threading
import time

import pytest

from neurectomy.api import default_atlas
from neurectomy.budget import Budget, Cancelled, WorkLimitError, applied
from neurectomy.localisation import localise, read_findings
from neurectomy.targeting import target

#: Far above every limit set below: only a search that ignores its limit (as before: 214 s for HOSTILE_REGIONS)
#: gets near it.
HANG_S = 60.0


@pytest.fixture(scope="module")
def atlas():  # type: ignore[no-untyped-def]
    return default_atlas()


@pytest.fixture(scope="module")
def hostile_regions(atlas):  # type: ignore[no-untyped-def]
    """30 muscles at 37% coverage and 10 alternatives: a valid request whose exact search ran for 214 s."""
    import random

    muscles = sorted(t.name for t in atlas.targets if t.kind == "muscle")
    return random.Random(1).sample(muscles, 30)


def test_targeting_stops_at_its_time_limit(atlas, hostile_regions) -> None:  # type: ignore[no-untyped-def]
    """Finding: an unauthenticated /api/target ran for minutes (no solver time limit). Now the solve stops at the
    budget's limit with an error naming it, not a silently shorter list."""
    start = time.monotonic()
    with pytest.raises(WorkLimitError) as err:
        target(atlas, hostile_regions, top=10, coverage=0.37, budget=Budget(seconds=1.0))
    assert time.monotonic() - start < HANG_S
    assert err.value.limit == "seconds" and "1 s" in err.value.message


def test_targeting_budget_applies_through_a_context(atlas, hostile_regions) -> None:  # type: ignore[no-untyped-def]
    """An edge bounds everything a request runs (a plan's own targeting too) by applying a budget around it."""
    with applied(Budget(seconds=1.0)), pytest.raises(WorkLimitError):
        target(atlas, hostile_regions, top=10, coverage=0.37)


def test_a_later_solve_on_the_same_thread_gets_its_full_time(atlas, hostile_regions) -> None:  # type: ignore[no-untyped-def]
    """HiGHS keeps one clock per solver object (one per thread): without care, a second request on the same thread
    would be stopped at once by the time the first one used."""
    with pytest.raises(WorkLimitError):
        target(atlas, hostile_regions, top=10, coverage=0.37, budget=Budget(seconds=0.5))
    result = target(atlas, ["skin of lateral thigh"], budget=Budget(seconds=30.0))
    assert result.plans


def test_targeting_stops_when_cancelled(atlas, hostile_regions) -> None:  # type: ignore[no-untyped-def]
    """Finding: work went on after the client disconnected. A cancelled budget interrupts the solver itself."""
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        target(atlas, hostile_regions, top=10, coverage=0.37, budget=Budget(seconds=HANG_S, cancel=cancel))
    assert time.monotonic() - start < HANG_S / 2


def test_a_phrase_standing_for_more_targets_than_the_cap_is_refused(atlas) -> None:  # type: ignore[no-untyped-def]
    """Finding: free text resolved to 35 targets and the search over them never ended. A phrase above the cap is an
    error naming the count and the cap (ambiguous phrases are already refused: AmbiguousNameError)."""
    with pytest.raises(WorkLimitError) as err:
        target(atlas, functions=["vertigo"], budget=Budget(targets=2))
    assert err.value.field == "function" and "5 targets" in str(err.value) and "at most 2" in str(err.value)
    assert target(atlas, functions=["vertigo"], budget=Budget(targets=5)).plans  # at the cap: answered
    with pytest.raises(WorkLimitError) as err:
        read_findings(atlas, lost=["vertigo"], budget=Budget(targets=2))
    assert err.value.field == "lost" and "5 targets" in str(err.value)


def test_localisation_refuses_more_hypotheses_than_its_node_limit(atlas) -> None:  # type: ignore[no-untyped-def]
    """Finding: /api/localise ran for minutes on broad findings. The hypotheses to score are counted before any
    work and refused above the limit, naming how many were needed."""
    findings = read_findings(atlas, numb=["skin of lateral thigh", "skin of medial forearm"])
    assert localise(atlas, findings, budget=Budget(nodes=10**6)).sites
    with pytest.raises(WorkLimitError) as err:
        localise(atlas, findings, budget=Budget(nodes=3))
    assert err.value.limit == "nodes" and "limit of 3" in str(err.value)
