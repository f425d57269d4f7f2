"""Calls into the Python API shared by the JSON routes and the pages; core errors become :class:`FieldError`.

Every result is the core object itself, so ``.to_dict()`` gives the DESIGN §5 contract unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from neurectomy import api
from neurectomy.atlas.graph import Atlas
from neurectomy.lesion import Cut, Deficit, PositionError, Side, resolve_cut
from neurectomy.web.errors import FieldError


def check_method(method: str | None) -> None:
    """Raise ``UnknownNameError`` (404) for a method the core does not know."""
    if method:
        from neurectomy.methods import get_method

        get_method(method)


def _position_field(exc: PositionError, at: str | None, mm: float | None) -> str:
    text = str(exc)
    if text.startswith("side"):
        return "side"
    if mm is not None and (at is None or "either" in text):
        return "mm"
    return "at"


def lesion(
    atlas: Atlas,
    nerve: str,
    at: str | None = None,
    mm: float | None = None,
    side: Side = "left",
    method: str = "surgical_cut",
    also: Sequence[str] = (),
) -> Deficit:
    """``neurectomy.lesion(...)``, the primary cut checked first so an error names its own field."""
    check_method(method)
    try:
        resolve_cut(atlas, Cut(nerve, at=at, mm=mm, side=side, method=method))
    except PositionError as exc:
        raise FieldError(_position_field(exc, at, mm), str(exc), suggestions=exc.suggestions) from None
    try:
        return api.lesion(nerve, at=at, mm=mm, side=side, method=method, also=also, atlas=atlas)
    except PositionError as exc:
        raise FieldError("also", str(exc), suggestions=exc.suggestions) from None


def parse_weights(items: Sequence[str]) -> dict[str, float] | None:
    """``KIND=NUMBER`` items, as the CLI's ``--weight``."""
    if not items:
        return None
    out: dict[str, float] = {}
    for item in items:
        key, _, value = item.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            raise FieldError("weight", f"write KIND=NUMBER (e.g. muscle=5), not {item!r}") from None
    return out


def target(
    atlas: Atlas,
    regions: Sequence[str] = (),
    functions: Sequence[str] = (),
    *,
    side: Side = "left",
    top: int = 3,
    spare_motor: bool = False,
    methods: Sequence[str] = (),
    coverage: float = 1.0,
    avoid: Sequence[str] = (),
    weights: Sequence[str] = (),
) -> Any:
    """``neurectomy.target(...)`` (a :class:`~neurectomy.targeting.TargetingResult`)."""
    from neurectomy.targeting import InfeasibleTargetError

    if not regions and not functions:
        raise FieldError("region", "give at least one region or function")
    for m in methods:
        check_method(m)
    w = parse_weights(weights)
    field = "region" if regions else "function"
    try:
        return api.target(
            regions,
            functions,
            side=side,
            top=top,
            spare_motor=spare_motor,
            methods=list(methods) or None,
            coverage=coverage,
            avoid=avoid,
            weights=w,
            atlas=atlas,
        )
    except InfeasibleTargetError as exc:
        raise FieldError(field, str(exc)) from None


def full_plan(atlas: Atlas, cut_plan: Any) -> Any:
    """A ranked cut set turned into a Plan (as the CLI's ``target --plan``)."""
    from neurectomy.planning import make_plan

    cuts = [Cut(c.nerve_id, mm=c.mm, side=c.side, method=c.method) for c in cut_plan.cuts]
    first = cuts[0]
    return make_plan(atlas, nerve=first.nerve, mm=first.mm, side=first.side, method=first.method, also=cuts[1:])


def plan(
    atlas: Atlas,
    procedure: str | None = None,
    nerve: str | None = None,
    at: str | None = None,
    mm: float | None = None,
    side: Side = "left",
    method: str | None = None,
    end_treatments: Sequence[str] | None = None,
    also: Sequence[str] = (),
    patient: Any = None,
    days: Any = None,
) -> Any:
    """A :class:`~neurectomy.planning.Plan` for a procedure or a nerve (plus further cuts)."""
    from neurectomy.api import parse_cut
    from neurectomy.planning import make_plan
    from neurectomy.procedures import get_procedure

    if not procedure and not nerve:
        raise FieldError("procedure", "give a procedure or a nerve")
    proc = get_procedure(procedure) if procedure else None
    check_method(method)
    if end_treatments:
        from neurectomy.methods import get_end_treatment

        for e in end_treatments:
            get_end_treatment(e)
    if nerve:
        try:
            resolve_cut(atlas, Cut(nerve, at=at, mm=mm, side=side))
        except PositionError as exc:
            raise FieldError(_position_field(exc, at, mm), str(exc), suggestions=exc.suggestions) from None
    try:
        extra = [parse_cut(spec, side) for spec in also]
        return make_plan(
            atlas,
            procedure=proc,
            nerve=nerve or None,
            at=at,
            mm=mm,
            side=side,
            method=method,
            end_treatments=end_treatments,
            also=extra,
            patient=patient,
            days=days,
        )
    except PositionError as exc:
        raise FieldError("also", str(exc), suggestions=exc.suggestions) from None


def localise(
    atlas: Atlas,
    *,
    numb: Sequence[str] = (),
    hypo: Sequence[str] = (),
    weak: Sequence[str] = (),
    paralysed: Sequence[str] = (),
    lost: Sequence[str] = (),
    spared: Sequence[str] = (),
    side: Side = "left",
    top: int = 3,
    closed_world: bool = False,
) -> Any:
    """``neurectomy.localise(...)``: ranked sites."""
    if not (numb or hypo or weak or paralysed or lost):
        raise FieldError("numb", "give at least one finding (numb, hypo, weak, paralysed or lost)")
    return api.localise(
        numb,
        weak,
        spared,
        hypo=hypo,
        paralysed=paralysed,
        lost=lost,
        side=side,
        top=top,
        closed_world=closed_world,
        atlas=atlas,
    )


def nerve_dict(atlas: Atlas, name: str) -> dict[str, Any]:
    """A nerve as ``neurectomy atlas show NERVE --json`` prints it."""
    return atlas.nerve_to_dict(atlas.nerve_idx(name))


def search(atlas: Atlas, text: str, limit: int = 10) -> list[dict[str, str]]:
    """As ``neurectomy atlas search TEXT --json``."""
    if not text.strip():
        return []
    return [{"kind": k, "id": i, "name": n} for k, i, n in atlas.search(text, limit=limit)]


def procedure_dicts() -> list[dict[str, Any]]:
    """Every named procedure as plain JSON."""
    from neurectomy.procedures import load_procedures

    return [p.model_dump(mode="json") for p in load_procedures().values()]
