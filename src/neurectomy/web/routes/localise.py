"""``/api/localise``: where is the lesion? Ranked sites explaining the findings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from neurectomy.requests import DEFAULT_SIDE, LocaliseRequest
from neurectomy.serialise import localise_json, response_model
from neurectomy.web.deps import AtlasDep, SettingsDep
from neurectomy.web.errors import FieldError
from neurectomy.web.schemas import NOT_FOUND

router = APIRouter(prefix="/api", tags=["localise"])

Findings = Annotated[list[str], Query(max_length=40)]


@router.get("/localise", response_model=response_model("localise"), responses=NOT_FOUND)
def localise(
    atlas: AtlasDep,
    settings: SettingsDep,
    numb: Findings = [],  # noqa: B006
    hypo: Findings = [],  # noqa: B006
    weak: Findings = [],  # noqa: B006
    paralysed: Findings = [],  # noqa: B006
    lost: Findings = [],  # noqa: B006
    spared: Findings = [],  # noqa: B006
    mrc: Annotated[list[str], Query(max_length=40, description="MUSCLE=GRADE (MRC 0-5)")] = [],  # noqa: B006
    side: Annotated[str, Query(max_length=20, description="left, right or midline")] = DEFAULT_SIDE,
    top: Annotated[int, Query(ge=1, le=50)] = 3,
    closed_world: bool = False,
    next_tests: Annotated[int, Query(ge=0, le=20, description="how many next tests to suggest")] = 3,
) -> dict[str, Any]:
    """Ranked lesion sites (as ``neurectomy localise … --json``)."""
    if top > settings.max_top:
        raise FieldError("top", f"at most {settings.max_top} alternatives")
    sites = LocaliseRequest.build(
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
    ).run(atlas)
    return dict(localise_json(sites))
