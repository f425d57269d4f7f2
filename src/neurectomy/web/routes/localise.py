"""``/api/localise``: where is the lesion? Ranked sites explaining the findings."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from neurectomy.web import services
from neurectomy.web.deps import AtlasDep, SettingsDep
from neurectomy.web.errors import FieldError
from neurectomy.web.schemas import LocaliseOut, documented

router = APIRouter(prefix="/api", tags=["localise"])

Findings = Annotated[list[str], Query(max_length=40)]


@router.get("/localise", response_model=None, responses=documented(LocaliseOut))
def localise(
    atlas: AtlasDep,
    settings: SettingsDep,
    numb: Findings = [],  # noqa: B006
    hypo: Findings = [],  # noqa: B006
    weak: Findings = [],  # noqa: B006
    paralysed: Findings = [],  # noqa: B006
    lost: Findings = [],  # noqa: B006
    spared: Findings = [],  # noqa: B006
    side: Literal["left", "right", "midline"] = "left",
    top: Annotated[int, Query(ge=1, le=50)] = 3,
    closed_world: bool = False,
) -> dict[str, Any]:
    """Ranked lesion sites (as ``neurectomy localise … --json``)."""
    if top > settings.max_top:
        raise FieldError("top", f"at most {settings.max_top} alternatives")
    sites = services.localise(
        atlas,
        numb=numb,
        hypo=hypo,
        weak=weak,
        paralysed=paralysed,
        lost=lost,
        spared=spared,
        side=side,
        top=top,
        closed_world=closed_world,
    )
    return {"sites": [s.to_dict() for s in sites]}
