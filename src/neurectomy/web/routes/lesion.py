"""``/api/lesion``: what is lost when nerves are cut (the ``neurectomy lesion --json`` object)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from neurectomy.requests import DEFAULT_METHOD, DEFAULT_SIDE, LesionRequest
from neurectomy.serialise import response_model
from neurectomy.web.deps import AtlasDep
from neurectomy.web.schemas import NOT_FOUND

router = APIRouter(prefix="/api", tags=["lesion"])

NerveQ = Annotated[str, Query(min_length=1, max_length=200, description="nerve name, synonym or id")]
AtQ = Annotated[str | None, Query(max_length=200, description="landmark, or 'distal to the branch to X'")]
MmQ = Annotated[float | None, Query(ge=0, le=5000, description="position in mm from the nerve's origin")]
SideQ = Annotated[str, Query(max_length=20, description="left, right or midline")]
MethodQ = Annotated[str, Query(min_length=1, max_length=100, description="how the nerve is interrupted")]
#: An SVG, or the 404 of an unknown name.
SVG: dict[int | str, dict[str, Any]] = {**NOT_FOUND, 200: {"content": {"image/svg+xml": {}}}}
AlsoQ = Annotated[list[str], Query(max_length=20, description="further cuts: [side:]NERVE[@LANDMARK|@N mm]")]


async def lesion_request(
    nerve: NerveQ,
    at: AtQ = None,
    mm: MmQ = None,
    side: SideQ = DEFAULT_SIDE,
    method: MethodQ = DEFAULT_METHOD,
    also: AlsoQ = [],  # noqa: B006 (FastAPI copies query defaults)
) -> LesionRequest:
    """The cuts every lesion route reads from its query (one list of parameters, so the JSON and the two charts
    cannot drift apart); a wrong side or method is a 422 naming the field, an unknown name is found when it runs.
    Async because it only parses text: a plain function would cost a thread hop per request (test_web_overhead)."""
    return LesionRequest.build(nerve, at=at, mm=mm, side=side, method=method, also=also)


LesionDep = Annotated[LesionRequest, Depends(lesion_request)]


@router.get("/lesion", response_model=response_model("lesion"), responses=NOT_FOUND)
def lesion(atlas: AtlasDep, req: LesionDep) -> dict[str, Any]:
    """Numb skin, weak or paralysed muscles and every other loss of one or several cuts."""
    return req.run(atlas).to_dict()


@router.get("/lesion/bodymap.svg", response_class=Response, responses=SVG)
def lesion_bodymap(atlas: AtlasDep, req: LesionDep) -> Response:
    """The body-map chart of the lesion (anaesthetic and hypoaesthetic skin) as a standalone SVG."""
    from neurectomy.web.views import bodymap_svg

    return Response(bodymap_svg(req.run(atlas), atlas), media_type="image/svg+xml")


@router.get("/lesion/course.svg", response_class=Response, responses=SVG)
def lesion_course(atlas: AtlasDep, req: LesionDep) -> Response:
    """The course of the (first) cut nerve from its roots to its terminal branches, the cut marked and the branches
    it takes away highlighted, as a standalone SVG."""
    from neurectomy.course import course_svg

    deficit = req.run(atlas)
    first = deficit.cuts[0].nerve_id if deficit.cuts else req.cuts[0].nerve
    svg = course_svg(atlas, first, deficit, side=deficit.cuts[0].side if deficit.cuts else None, href=_nerve_href)
    return Response(svg, media_type="image/svg+xml")


def _nerve_href(nerve_id: str) -> str:
    return f"/atlas/nerves/{nerve_id}"
