"""``/api/plan``: a full Plan (cuts, deficit, timeline, candidacy, risks, evidence) and its report."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from neurectomy.web import services
from neurectomy.web.deps import AtlasDep
from neurectomy.web.schemas import PlanOut, PlanRequest, documented

router = APIRouter(prefix="/api", tags=["plan"])

Text = Annotated[str | None, Query(max_length=200)]


@router.get("/plan", response_model=None, responses=documented(PlanOut))
def plan(
    atlas: AtlasDep,
    procedure: Annotated[str | None, Query(max_length=200, description="a named procedure")] = None,
    nerve: Annotated[str | None, Query(max_length=200, description="cut this nerve instead")] = None,
    at: Text = None,
    mm: Annotated[float | None, Query(ge=0, le=5000)] = None,
    side: Literal["left", "right", "midline"] = "left",
    method: Annotated[str | None, Query(max_length=100)] = None,
    end: Annotated[list[str] | None, Query(max_length=6, description="end treatment(s) of the stump")] = None,
    also: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
) -> dict[str, Any]:
    """A plan without patient facts (as ``neurectomy plan … --json``)."""
    return services.plan(atlas, procedure, nerve, at, mm, side, method, end or None, also).to_dict()  # type: ignore[no-any-return]


@router.post("/plan", response_model=None, responses=documented(PlanOut))
def plan_with_patient(atlas: AtlasDep, body: PlanRequest) -> dict[str, Any]:
    """A plan with candidacy for the patient described in the body."""
    return services.plan(  # type: ignore[no-any-return]
        atlas,
        body.procedure,
        body.nerve,
        body.at,
        body.mm,
        body.side,
        body.method,
        body.end_treatments,
        body.also,
        body.patient,
    ).to_dict()
