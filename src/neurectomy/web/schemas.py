"""Request bodies and web-only answers (jobs, sessions, not-found). The result shapes live in
:mod:`neurectomy.serialise`, which the routes use as their ``response_model``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from neurectomy.candidacy import Patient


class NotFound(BaseModel):
    """An unknown name, with the closest known ones."""

    detail: str
    kind: str
    field: str
    query: str
    suggestions: list[str]


class PlanBody(BaseModel):
    """A plan with the patient's facts (for candidacy): the body of ``POST /api/plan``; it becomes a
    :class:`neurectomy.requests.PlanRequest`, which checks everything it names."""

    model_config = ConfigDict(extra="forbid")

    procedure: str | None = Field(default=None, max_length=200, description="a named procedure")
    condition: str | None = Field(default=None, max_length=200, description="a clinical condition or ICD-10-CM code")
    nerve: str | None = Field(default=None, max_length=200, description="cut this nerve instead")
    at: str | None = Field(default=None, max_length=200)
    mm: float | None = Field(default=None, ge=0)
    side: str | None = Field(default=None, max_length=20, description="left or right; else the patient's side")
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


class Message(BaseModel):
    """An error that is one sentence (not signed in, too many requests, busy, gone, unreadable body)."""

    detail: str


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": NotFound, "description": "unknown name (suggestions)"}}
#: ``Retry-After`` of a 429 or 503: whole seconds to wait before trying again.
RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}


def answer(description: str, *, retry: bool = False) -> dict[str, Any]:
    """A documented one-sentence error (``{"detail": "..."}``), with ``Retry-After`` when ``retry``."""
    out: dict[str, Any] = {"model": Message, "description": description}
    if retry:
        out["headers"] = RETRY_AFTER
    return out
