"""``/api/atlas/…``, ``/api/procedures`` and ``/api/methods``: browse the anatomy and the clinical tables."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from neurectomy.names import natural_key
from neurectomy.serialise import nerve_json, response_model, search_json
from neurectomy.web.deps import AtlasDep
from neurectomy.web.schemas import NOT_FOUND

router = APIRouter(prefix="/api", tags=["atlas"])


@router.get("/atlas/search", response_model=response_model("search"))
def search(
    atlas: AtlasDep,
    q: Annotated[str, Query(max_length=200, description="words to look for")] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[dict[str, str]]:
    """Nerves and targets by name, synonym or id, typos forgiven (as ``neurectomy atlas search --json``)."""
    return search_json(atlas, q, limit)  # type: ignore[return-value]


@router.get("/atlas/nerves")
def nerves(atlas: AtlasDep) -> list[dict[str, Any]]:
    """Every nerve with its parent, in tree (DFS) order."""
    return [
        {"id": n.id, "name": n.name, "parent": n.parent, "depth": d}
        for n, d in zip(atlas.nerves, atlas.depth, strict=True)
    ]


NameKind = Literal["nerve", "skin", "muscle", "target"]


@router.get("/atlas/names")
def names(
    atlas: AtlasDep,
    kind: Annotated[NameKind, Query(description="nerves, skin regions, muscles or every target")] = "nerve",
) -> list[dict[str, str]]:
    """Every name of one kind with its synonyms, sorted, for the forms' autocompletion (a ``<datalist>``): ``value``
    is the atlas name the requests accept, ``label`` the synonyms a person may type instead, ``id`` the atlas id."""
    items: Any = atlas.nerves if kind == "nerve" else atlas.targets
    out = [
        {"value": x.name, "label": "; ".join(x.synonyms), "id": x.id}
        for x in items
        if kind in ("nerve", "target") or x.kind == kind
    ]
    return sorted(out, key=lambda d: natural_key(d["value"].lower()))  # T2 before T10


@router.get("/atlas/nerves/{name}", response_model=response_model("nerve"), responses=NOT_FOUND)
def nerve(atlas: AtlasDep, name: str) -> dict[str, Any]:
    """One nerve: course, landmarks, branches, targets and sources (as ``neurectomy atlas show --json``)."""
    return dict(nerve_json(atlas, atlas.nerve_idx(name)))


@router.get(
    "/atlas/nerves/{name}/course.svg",
    response_class=Response,
    responses={**NOT_FOUND, 200: {"content": {"image/svg+xml": {}}}},
)
def nerve_course(atlas: AtlasDep, name: str) -> Response:
    """The nerve's course from its roots to its terminal branches, with its landmarks, as a schematic SVG."""
    from neurectomy.course import course_svg

    return Response(course_svg(atlas, name, href=lambda i: f"/atlas/nerves/{i}"), media_type="image/svg+xml")


@router.get("/atlas/stats")
def stats(atlas: AtlasDep) -> dict[str, int]:
    """How much anatomy the atlas holds."""
    from neurectomy.bodymap import atlas_stats

    return atlas_stats(atlas)


@router.get("/procedures", tags=["clinical"])
def procedures() -> list[dict[str, Any]]:
    """The named procedures: indications, cuts, approach, anaesthesia, steps, risks, sources."""
    from neurectomy.procedures import load_procedures

    return [p.model_dump(mode="json") for p in load_procedures().values()]


@router.get("/procedures/{name}", tags=["clinical"], responses=NOT_FOUND)
def procedure(name: str) -> dict[str, Any]:
    """One procedure by id, name or synonym."""
    from neurectomy.procedures import get_procedure

    return get_procedure(name).model_dump(mode="json")


@router.get("/methods", tags=["clinical"])
def methods() -> dict[str, Any]:
    """How a nerve can be interrupted, and the end treatments of a cut stump."""
    from neurectomy.methods import END_TREATMENTS, METHODS

    return {
        "methods": [
            {
                "key": m.key,
                "name": m.name,
                "family": m.family,
                "interrupts": m.interrupts,
                "seddon": m.seddon,
                "sunderland": m.sunderland,
                "basal_lamina_tubes_intact": m.tubes_intact,
                "description": m.description,
                "source": m.source,
                "synonyms": list(m.synonyms),
            }
            for m in METHODS.values()
        ],
        "end_treatments": [
            {
                "key": e.key,
                "name": e.name,
                "stops_regrowth": e.stops_regrowth,
                "description": e.description,
                "source": e.source,
            }
            for e in END_TREATMENTS.values()
        ],
    }
