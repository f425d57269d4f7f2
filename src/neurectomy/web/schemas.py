"""Pydantic models of the JSON contracts (DESIGN §5), for the OpenAPI schema and request bodies.

The routes return the core objects' ``to_dict()`` unchanged; these models describe that shape (extra keys
allowed) so ``/docs`` documents it and schemathesis can check it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from neurectomy.candidacy import Patient

SideName = Literal["left", "right", "midline"]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Ref(_Open):
    id: str
    name: str


class CutOut(_Open):
    nerve: Ref
    at: str | None
    mm: float
    side: SideName
    method: str


class LossOut(_Open):
    target: Ref
    side: SideName
    supply_lost: float = Field(ge=0, le=1)
    effect: str
    kind: str
    cut_by: list[str]
    actions: list[str] | None = None
    area_cm2: float | None = None
    autonomous_zone: bool | None = None
    function: str | None = None


class DeficitOut(_Open):
    """``neurectomy lesion … --json``."""

    cuts: list[CutOut]
    sensory: list[LossOut]
    motor: list[LossOut]
    autonomic: list[LossOut]
    special: list[LossOut]
    articular: list[LossOut]
    visceral: list[LossOut]
    summary: str


class PlannedCutOut(_Open):
    nerve: Ref
    at: str | None
    mm: float
    window_mm: list[float]
    side: SideName


class LossItemOut(_Open):
    target: Ref
    kind: str
    supply_lost: float
    effect: str
    cost: float


class CutPlanOut(_Open):
    cuts: list[PlannedCutOut]
    covers: list[LossItemOut]
    collateral: list[LossItemOut]
    cost: float


class TargetOut(_Open):
    """``neurectomy target … --json``."""

    required: list[Ref]
    side: SideName
    plans: list[CutPlanOut]
    weights: dict[str, float]


class SiteOut(_Open):
    cuts: list[PlannedCutOut]
    explains: list[str]
    unexplained: list[str]
    extra: list[str]
    score: float


class LocaliseOut(_Open):
    """``neurectomy localise … --json``."""

    sites: list[SiteOut]


class PlanOut(_Open):
    """``neurectomy plan … --json``: a :class:`~neurectomy.planning.Plan`."""

    procedure: dict[str, Any] | None
    cuts: list[CutOut]
    method: dict[str, Any]
    deficit: DeficitOut
    timeline: dict[str, Any]
    candidacy: dict[str, Any] | None
    alternatives: list[str]
    risks: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    created: str
    notice: str


class SearchHit(_Open):
    kind: str
    id: str
    name: str


class NerveOut(_Open):
    """``neurectomy atlas show NERVE --json``."""

    id: str
    name: str
    synonyms: list[str]
    parent: str | None
    length_mm: float
    landmarks: list[dict[str, Any]]
    branches: list[str]
    targets: list[dict[str, Any]]
    source: str


class NotFound(BaseModel):
    """An unknown name, with the closest known ones."""

    detail: str
    kind: str
    query: str
    suggestions: list[str]


class PlanRequest(BaseModel):
    """A plan with the patient's facts (for candidacy): the body of ``POST /api/plan``."""

    model_config = ConfigDict(extra="forbid")

    procedure: str | None = Field(default=None, max_length=200, description="a named procedure")
    nerve: str | None = Field(default=None, max_length=200, description="cut this nerve instead")
    at: str | None = Field(default=None, max_length=200)
    mm: float | None = Field(default=None, ge=0)
    side: Literal["left", "right", "midline"] = "left"
    method: str | None = Field(default=None, max_length=100)
    end_treatments: list[str] | None = None
    also: list[str] = Field(default_factory=list, max_length=20)
    patient: Patient | None = None


class SimulateRequest(BaseModel):
    """A stump simulation: the body of ``POST /api/simulate/jobs``."""

    model_config = ConfigDict(extra="forbid")

    method: str = Field(default="surgical_cut", max_length=100)
    end_treatments: list[str] = Field(default_factory=list, max_length=6)
    n_axons: int = Field(default=300, ge=10, le=100_000)
    days: float = Field(default=180.0, gt=0, le=36_500)
    replicates: int = Field(default=5, ge=1, le=1000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)


class JobOut(BaseModel):
    """A simulation job: progress 0-1, the result once done."""

    id: str
    status: Literal["queued", "running", "done", "failed"]
    progress: float
    result: dict[str, Any] | None = None
    error: str | None = None


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": NotFound, "description": "unknown name (suggestions)"}}


def documented(model: type[BaseModel], not_found: bool = True) -> dict[int | str, dict[str, Any]]:
    """``responses=`` documenting the 200 body as ``model`` (the route returns the core's dict unchanged)."""
    out: dict[int | str, dict[str, Any]] = {200: {"model": model, "description": model.__doc__ or "OK"}}
    if not_found:
        out.update(NOT_FOUND)
    return out
