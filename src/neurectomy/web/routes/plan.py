"""``/api/plan``: a full Plan (cuts, deficit, timeline, candidacy, risks, evidence) and its report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from neurectomy.requests import PlanRequest
from neurectomy.serialise import response_model
from neurectomy.web.deps import AtlasDep
from neurectomy.web.schemas import NOT_FOUND, PlanBody

router = APIRouter(prefix="/api", tags=["plan"])

Text = Annotated[str | None, Query(max_length=200)]


@router.get("/plan", response_model=response_model("plan"), responses=NOT_FOUND)
def plan(
    atlas: AtlasDep,
    procedure: Annotated[str | None, Query(max_length=200, description="a named procedure")] = None,
    condition: Annotated[
        str | None, Query(max_length=200, description="a clinical condition or ICD-10-CM code")
    ] = None,
    nerve: Annotated[str | None, Query(max_length=200, description="cut this nerve (not with a procedure)")] = None,
    at: Text = None,
    mm: Annotated[float | None, Query(ge=0, le=5000)] = None,
    side: Annotated[
        str | None, Query(max_length=20, description="left or right; if omitted, left with a warning")
    ] = None,
    method: Annotated[str | None, Query(max_length=100)] = None,
    end: Annotated[list[str] | None, Query(max_length=6, description="end treatment(s) of the stump")] = None,
    also: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006
) -> dict[str, Any]:
    """A plan without patient facts (as ``neurectomy plan … --json``). A nerve beside a procedure is refused (422):
    the procedure makes its own cuts."""
    fields = PlanBody(
        procedure=procedure,
        condition=condition,
        nerve=nerve,
        at=at,
        mm=mm,
        side=side,
        method=method,
        end_treatments=end,
        also=also,
    )
    return _request(fields).to_json(atlas)


@router.post("/plan", response_model=response_model("plan"), responses=NOT_FOUND)
def plan_with_patient(atlas: AtlasDep, body: PlanBody) -> dict[str, Any]:
    """A plan with candidacy for the patient described in the body."""
    return _request(body).to_json(atlas)


def _request(body: PlanBody) -> PlanRequest:
    """The one request both routes build: the body's fields are :meth:`PlanRequest.build`'s keywords (the GET's
    query parameters are gathered into the same body first), so the two routes cannot forward different options."""
    fields = dict(body)
    return PlanRequest.build(fields.pop("procedure"), **fields)
