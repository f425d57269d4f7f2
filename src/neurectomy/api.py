"""The Python API: the same objects the CLI prints and the web app serves (DESIGN §5).

Each function builds the request value of :mod:`neurectomy.requests` (where validation and defaults live) and runs
it on the packaged atlas, or on ``atlas=`` if given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from neurectomy.atlas.graph import Atlas
from neurectomy.atlas.load import load_atlas
from neurectomy.lesion import Cut, Deficit
from neurectomy.requests import (
    DEFAULT_METHOD,
    DEFAULT_SIDE,
    LesionRequest,
    LocaliseRequest,
    PlanRequest,
    TargetRequest,
    parse_cut,
)

if TYPE_CHECKING:
    from neurectomy.localisation import Localisation
    from neurectomy.planning import Plan
    from neurectomy.targeting import TargetingResult

__all__ = ["default_atlas", "lesion", "localise", "parse_cut", "plan", "target"]


@lru_cache(maxsize=4)
def default_atlas() -> Atlas:
    """The packaged atlas, compiled once per process (and cached on disk between processes)."""
    return load_atlas()


def lesion(
    nerve: str | Cut,
    *,
    at: str | None = None,
    mm: float | None = None,
    side: str = DEFAULT_SIDE,
    method: str = DEFAULT_METHOD,
    also: Iterable[str | Cut] = (),
    atlas: Atlas | None = None,
) -> Deficit:
    """What is lost when ``nerve`` (and any ``also`` cuts) are interrupted by ``method``.

    >>> d = lesion("sural nerve", side="right")
    >>> d.cuts[0].nerve_name, d.motor, d.sensory[0].side
    ('sural nerve', (), 'right')
    >>> lost = {x.target.name: x.effect for x in lesion("femoral nerve", at="inguinal ligament").motor}
    >>> lost["rectus femoris"], "adductor longus" in lost
    ('paralysed', False)
    >>> lesion("ulnar nerve", at="elbow", method="decompression").losses
    ()
    """
    request = LesionRequest.build(nerve, at=at, mm=mm, side=side, method=method, also=also)
    return request.run(atlas or default_atlas())


def plan(
    procedure: str | None = None,
    *,
    condition: str | None = None,
    nerve: str | None = None,
    at: str | None = None,
    mm: float | None = None,
    side: str | None = None,
    method: str | None = None,
    end_treatments: Iterable[str] | None = None,
    also: Iterable[str | Cut] = (),
    patient: Any = None,
    years: float | None = None,
    atlas: Atlas | None = None,
) -> Plan:
    """A full :class:`~neurectomy.planning.Plan` for a named procedure or a nerve.

    ``patient`` is a :class:`~neurectomy.candidacy.Patient`, a dict of its fields or a path to a YAML file. Without
    ``side``, the patient's side is used; with neither, left is assumed and the plan's ``warnings`` say so.
    ``condition`` (a name or ICD-10-CM code, see :mod:`neurectomy.conditions`) plans the condition's usual named
    procedure (or the one given, which must be one of its named procedures).

    >>> plan(condition="meralgia paresthetica", side="left").procedure.id
    'lfcn_decompression'
    """
    request = PlanRequest.build(
        procedure,
        condition=condition,
        nerve=nerve,
        at=at,
        mm=mm,
        side=side,
        method=method,
        end_treatments=end_treatments,
        also=also,
        patient=patient,
        years=years,
    )
    return request.run(atlas or default_atlas())


def target(
    regions: Iterable[str] | str = (),
    functions: Iterable[str] | str = (),
    *,
    condition: str | None = None,
    side: str | None = None,
    sex: str | None = None,
    top: int = 3,
    spare_motor: bool = False,
    method: str = DEFAULT_METHOD,
    coverage: float = 1.0,
    avoid: Iterable[str] = (),
    weights: Iterable[str] | Mapping[str, float] | None = None,
    atlas: Atlas | None = None,
) -> TargetingResult:
    """Ranked least-harm cut sets for painful regions or functions to disable (see :mod:`neurectomy.targeting`).

    ``condition`` (a name or ICD-10-CM code) adds the regions and functions the condition means; a region may be a
    web-space phrase, whose side is then the request's side (left if none is named); a code that names a side
    (``H81.01``: right) sets it. ``sex`` ("female"/"male") leaves the other sex's targets out.

    >>> best = target("posterior thigh").plans[0]
    >>> [c.nerve_name for c in best.cuts]
    ['posterior cutaneous nerve of thigh']
    >>> [c.nerve_name for c in target(condition="Morton's neuroma of the third web space").plans[0].cuts]
    ['third common plantar digital nerve']
    """
    request = TargetRequest.build(
        regions,
        functions,
        condition=condition,
        side=side,
        sex=sex,
        top=top,
        spare_motor=spare_motor,
        method=method,
        coverage=coverage,
        avoid=avoid,
        weights=weights,
    )
    return request.run(atlas or default_atlas())


def localise(
    numb: Iterable[str] = (),
    weak: Iterable[str] = (),
    spared: Iterable[str] = (),
    *,
    hypo: Iterable[str] = (),
    paralysed: Iterable[str] = (),
    lost: Iterable[str] = (),
    mrc: Iterable[str] | Mapping[str, int] = (),
    side: str = DEFAULT_SIDE,
    top: int = 3,
    closed_world: bool = False,
    next_tests: int = 3,
    atlas: Atlas | None = None,
) -> Localisation:
    """Where is the lesion? Ranked sites (with posterior probabilities) and the best next tests.

    >>> r = localise(numb=["skin of lateral thigh"], spared=["rectus femoris"])
    >>> r.sites[0].cuts[0].nerve_name
    'lateral cutaneous nerve of thigh'
    """
    request = LocaliseRequest.build(
        numb=numb,
        hypo=hypo,
        weak=weak,
        paralysed=paralysed,
        lost=lost,
        spared=spared,
        mrc=mrc,
        side=side,
        top=top,
        closed_world=closed_world,
        next_tests=next_tests,
    )
    return request.run(atlas or default_atlas())
