"""``/api/target``: the least-harm cut sets for painful regions or functions to disable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from neurectomy.budget import active
from neurectomy.requests import DEFAULT_METHOD, DEFAULT_SIDE, TargetRequest
from neurectomy.serialise import response_model
from neurectomy.web.deps import AtlasDep, SettingsDep
from neurectomy.web.errors import FieldError
from neurectomy.web.schemas import NOT_FOUND

router = APIRouter(prefix="/api", tags=["target"])

TextList = Annotated[list[str], Query(max_length=30)]


@router.get("/target", response_model=response_model("target"), responses=NOT_FOUND)
def target(
    http: Request,
    atlas: AtlasDep,
    settings: SettingsDep,
    region: TextList = [],  # noqa: B006
    function: TextList = [],  # noqa: B006
    condition: Annotated[
        str | None, Query(max_length=200, description="a clinical condition or ICD-10-CM code")
    ] = None,
    side: Annotated[
        str | None,
        Query(max_length=20, description=f"left or right; default: the side a region names, else {DEFAULT_SIDE}"),
    ] = None,
    sex: Annotated[
        str | None,
        Query(max_length=10, description="female or male: the other sex's targets are neither costed nor listed"),
    ] = None,
    top: Annotated[int, Query(ge=1, le=50)] = 3,
    spare_motor: bool = False,
    method: Annotated[str, Query(max_length=100, description="how each cut is made")] = DEFAULT_METHOD,
    coverage: Annotated[float, Query(description="share of each target's supply to cut, 0.01-1")] = 1.0,
    avoid: TextList = [],  # noqa: B006
    weight: Annotated[list[str], Query(max_length=10, description="KIND=NUMBER")] = [],  # noqa: B006
    plan: Annotated[bool, Query(description="add each answer's full Plan (as --plan)")] = False,
) -> dict[str, Any]:
    """Ranked cut sets, best first (as ``neurectomy target … --json``)."""
    if top > settings.max_top:
        raise FieldError("top", f"at most {settings.max_top} alternatives")
    request = TargetRequest.build(
        region,
        function,
        condition=condition,
        side=side,
        sex=sex,
        top=top,
        spare_motor=spare_motor,
        method=method,
        coverage=coverage,
        avoid=avoid,
        weights=weight,
        with_plans=plan,
    )
    pool = http.app.state.solve_pool
    if pool is not None:  # in a worker process (settings.search_processes), under this request's budget
        result: dict[str, Any] = pool.target_json(request, active())
        return result
    return request.to_json(atlas)
