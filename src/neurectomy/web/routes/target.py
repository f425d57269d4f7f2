"""``/api/target``: the least-harm cut sets for painful regions or functions to disable."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from neurectomy.web import services
from neurectomy.web.deps import AtlasDep, SettingsDep
from neurectomy.web.errors import FieldError
from neurectomy.web.schemas import TargetOut, documented

router = APIRouter(prefix="/api", tags=["target"])

TextList = Annotated[list[str], Query(max_length=30)]


@router.get("/target", response_model=None, responses=documented(TargetOut))
def target(
    atlas: AtlasDep,
    settings: SettingsDep,
    region: TextList = [],  # noqa: B006
    function: TextList = [],  # noqa: B006
    side: Literal["left", "right", "midline"] = "left",
    top: Annotated[int, Query(ge=1, le=50)] = 3,
    spare_motor: bool = False,
    method: TextList = [],  # noqa: B006
    coverage: Annotated[float, Query(gt=0, le=1)] = 1.0,
    avoid: TextList = [],  # noqa: B006
    weight: Annotated[list[str], Query(max_length=10, description="KIND=NUMBER")] = [],  # noqa: B006
    plan: Annotated[bool, Query(description="add each answer's full Plan (as --plan)")] = False,
) -> dict[str, Any]:
    """Ranked cut sets, best first (as ``neurectomy target … --json``)."""
    if top > settings.max_top:
        raise FieldError("top", f"at most {settings.max_top} alternatives")
    result = services.target(
        atlas,
        region,
        function,
        side=side,
        top=top,
        spare_motor=spare_motor,
        methods=method,
        coverage=coverage,
        avoid=avoid,
        weights=weight,
    )
    out: dict[str, Any] = result.to_dict()
    if plan:
        for item, p in zip(out["plans"], result.plans, strict=True):
            item["plan"] = services.full_plan(atlas, p).to_dict()
    return out
