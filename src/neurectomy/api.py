"""The Python API: the same objects the CLI prints and the web app serves (DESIGN §5)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from neurectomy.atlas.graph import Atlas
from neurectomy.atlas.load import load_atlas
from neurectomy.lesion import SIDES, Cut, Deficit, PositionError, Side
from neurectomy.lesion import lesion as _lesion

_SPEC = re.compile(r"^(?:(?P<side>left|right|midline)\s*:\s*)?(?P<nerve>[^@]+?)\s*(?:@\s*(?P<where>.+))?$", re.I)
_MM = re.compile(r"^(?P<mm>\d+(?:\.\d+)?)\s*mm$", re.I)


@lru_cache(maxsize=4)
def default_atlas() -> Atlas:
    """The packaged atlas, compiled once per process (and cached on disk between processes)."""
    return load_atlas()


def parse_cut(spec: str | Cut, side: Side = "left", method: str = "surgical_cut") -> Cut:
    """A cut from text: ``"[side:]NERVE[@LANDMARK | @N mm]"``.

    >>> parse_cut("right: ulnar nerve @ 120 mm")
    Cut(nerve='ulnar nerve', at=None, mm=120.0, side='right', method='surgical_cut')
    >>> parse_cut("median nerve@carpal tunnel").at
    'carpal tunnel'
    """
    if isinstance(spec, Cut):
        return spec
    match = _SPEC.match(spec.strip())
    if not match:
        raise PositionError(f"cannot read the cut {spec!r}; write [side:]NERVE[@LANDMARK|@N mm]")
    where = match["where"]
    mm_match = _MM.match(where) if where else None
    chosen = (match["side"] or side).lower()
    if chosen not in SIDES:
        raise PositionError(f"side must be one of {', '.join(SIDES)}, not {chosen!r}")
    return Cut(
        nerve=match["nerve"].strip(),
        at=None if (where is None or mm_match) else where.strip(),
        mm=float(mm_match["mm"]) if mm_match else None,
        side=chosen,  # type: ignore[arg-type]
        method=method,
    )


def lesion(
    nerve: str | Cut,
    *,
    at: str | None = None,
    mm: float | None = None,
    side: Side = "left",
    method: str = "surgical_cut",
    also: Iterable[str | Cut] = (),
    atlas: Atlas | None = None,
) -> Deficit:
    """What is lost when ``nerve`` (and any ``also`` cuts) are cut.

    >>> d = lesion("sural nerve", side="right")
    >>> d.cuts[0].nerve_name, d.motor, d.sensory[0].side
    ('sural nerve', (), 'right')
    >>> lost = {x.target.name: x.effect for x in lesion("femoral nerve", at="inguinal ligament").motor}
    >>> lost["rectus femoris"], "adductor longus" in lost
    ('paralysed', False)
    """
    first = nerve if isinstance(nerve, Cut) else Cut(nerve, at=at, mm=mm, side=side, method=method)
    cuts = [first, *(parse_cut(spec, side, method) for spec in also)]
    return _lesion(atlas or default_atlas(), *cuts)


def plan(
    procedure: str | None = None,
    *,
    nerve: str | None = None,
    at: str | None = None,
    mm: float | None = None,
    side: Side = "left",
    method: str | None = None,
    end_treatments: Iterable[str] | None = None,
    patient: Any = None,
    atlas: Atlas | None = None,
) -> Any:
    """A full :class:`~neurectomy.planning.Plan` for a named procedure or a nerve.

    ``patient`` is a :class:`~neurectomy.candidacy.Patient`, a dict of its fields or a path to a YAML file.
    """
    from pathlib import Path

    from neurectomy.candidacy import Patient, load_patient
    from neurectomy.planning import make_plan

    if isinstance(patient, str | Path):
        patient = load_patient(patient)
    elif isinstance(patient, dict):
        patient = Patient.model_validate(patient)
    return make_plan(
        atlas or default_atlas(),
        procedure=procedure,
        nerve=nerve,
        at=at,
        mm=mm,
        side=side,
        method=method,
        end_treatments=end_treatments,
        patient=patient,
    )


def target(
    regions: Iterable[str] | str = (),
    functions: Iterable[str] | str = (),
    *,
    side: Side = "left",
    top: int = 3,
    spare_motor: bool = False,
    methods: Iterable[str] | None = None,
    coverage: float = 1.0,
    avoid: Iterable[str] = (),
    weights: dict[str, float] | None = None,
    atlas: Atlas | None = None,
) -> Any:
    """Ranked least-harm cut sets for painful regions or functions to disable (see :mod:`neurectomy.targeting`).

    >>> best = target("posterior thigh").plans[0]
    >>> [c.nerve_name for c in best.cuts]
    ['posterior cutaneous nerve of thigh']
    """
    from neurectomy.targeting import target as _target

    regions = [regions] if isinstance(regions, str) else list(regions)
    functions = [functions] if isinstance(functions, str) else list(functions)
    return _target(
        atlas or default_atlas(),
        regions,
        functions,
        side=side,
        top=top,
        spare_motor=spare_motor,
        methods=list(methods) if methods else None,
        coverage=coverage,
        avoid=list(avoid),
        weights=weights,
    )


def localise(
    numb: Iterable[str] = (),
    weak: Iterable[str] = (),
    spared: Iterable[str] = (),
    *,
    hypo: Iterable[str] = (),
    paralysed: Iterable[str] = (),
    lost: Iterable[str] = (),
    side: Side = "left",
    top: int = 3,
    closed_world: bool = False,
    atlas: Atlas | None = None,
) -> Any:
    """Where is the lesion? Ranked cut sites explaining numb regions, weak muscles and lost functions.

    >>> sites = localise(numb=["skin of lateral thigh"])
    >>> sites[0].cuts[0].nerve_name
    'lateral cutaneous nerve of thigh'
    """
    from neurectomy.targeting import localise as _localise

    return _localise(
        atlas or default_atlas(),
        list(numb),
        list(hypo),
        list(weak),
        list(paralysed),
        list(lost),
        list(spared),
        side=side,
        top=top,
        closed_world=closed_world,
    )


def lesion_json(
    nerve: str, at: str | None, mm: float | None, side: Side, also: Iterable[str], method: str = "surgical_cut"
) -> dict[str, Any]:
    """The JSON object of ``neurectomy lesion … --json`` (DESIGN §5)."""
    return lesion(nerve, at=at, mm=mm, side=side, also=also, method=method).to_dict()
