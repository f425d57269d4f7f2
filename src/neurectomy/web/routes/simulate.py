"""``/api/simulate/…``: stump (growth-cone) simulations as background jobs with progress, and plan timelines."""

from __future__ import annotations

import time
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, HTTPException, Path, Query, Request

from neurectomy.web.bounded import rate_limits, too_many
from neurectomy.web.deps import AtlasDep, SettingsDep
from neurectomy.web.errors import FieldError
from neurectomy.web.jobs import JobStore, Progress, QueueFull
from neurectomy.web.routes.registry import ApiUser
from neurectomy.web.schemas import NOT_FOUND, JobOut, SimulateRequest, answer
from neurectomy.web.settings import Settings

router = APIRouter(prefix="/api/simulate", tags=["simulate"])


def stump_available() -> bool:
    """Whether the growth-cone stump model is installed."""
    try:
        from neurectomy.regrowth import stump  # noqa: F401
    except ImportError:
        return False
    return True


def check_request(body: SimulateRequest, settings: Settings) -> None:
    """Limits of this server, and names the core must know (404 otherwise)."""
    if body.n_axons > settings.max_axons:
        raise FieldError("n_axons", f"at most {settings.max_axons} axons on this server", location="body")
    if body.days > settings.max_days:
        raise FieldError("days", f"at most {settings.max_days:g} days on this server", location="body")
    if body.replicates > settings.max_replicates:
        raise FieldError("replicates", f"at most {settings.max_replicates} replicates on this server", location="body")
    from neurectomy.methods import get_end_treatment, get_method

    get_method(body.method)
    for e in body.end_treatments:
        get_end_treatment(e)


def within_budget(done: int, total: int, last_s: float) -> None:
    """Under a request's :class:`~neurectomy.budget.Budget` (the simulate page's run, which has no job): stop when
    the client went away, and refuse (422) when the time is up or, from the second replicate on (the first one
    includes compiling the model), as soon as the replicates left would not fit in the time left at the pace of the
    last one (``last_s`` seconds). A job on the scheduler runs without a budget (``budget.UNLIMITED``)."""
    from neurectomy.budget import Cancelled, WorkLimitError, active

    budget = active()
    if budget.cancelled:
        raise Cancelled("the simulation")
    if budget.seconds is None or done >= total:
        return
    if budget.remaining() <= 0 or (done >= 2 and last_s * (total - done) > budget.remaining()):
        raise WorkLimitError(
            "replicates",
            f"this simulation would take longer than this server's limit of {budget.seconds:g} s for a run on the "
            f"page (about {last_s:.1f} s a replicate, {total} replicates): ask for fewer replicates, axons or "
            "days, or sign in to run it as a background job",
            "seconds",
        )


def run_stump(body: SimulateRequest, progress: Progress) -> dict[str, Any]:
    """Replicates one by one (progress after each); mean and 10th-90th percentile bands over replicates. Under a
    request's budget (the page), :func:`within_budget` after each replicate."""
    from neurectomy.regrowth.stump import simulate_stump

    start = time.perf_counter()
    reached, neuroma, sprouts = [], [], []
    steps = 0
    days: list[float] = []
    for i in range(body.replicates):
        began = time.perf_counter()
        res = simulate_stump(body.method, body.end_treatments, n_axons=body.n_axons, days=body.days, rng=body.seed + i)
        reached.append(res.reached)
        neuroma.append(res.neuroma)
        sprouts.append(res.sprouts)
        steps += res.agent_steps
        days = res.days.tolist()
        progress((i + 1) / body.replicates)
        within_budget(i + 1, body.replicates, time.perf_counter() - began)
    r, n = np.asarray(reached), np.asarray(neuroma)

    def band(a: Any) -> dict[str, list[float]]:
        return {
            "mean": np.round(a.mean(axis=0), 4).tolist(),
            "p10": np.round(np.percentile(a, 10, axis=0), 4).tolist(),
            "p90": np.round(np.percentile(a, 90, axis=0), 4).tolist(),
        }

    result: dict[str, Any] = {
        "kind": "stump",
        "method": body.method,
        "end_treatments": body.end_treatments,
        "n_axons": body.n_axons,
        "replicates": body.replicates,
        "seed": body.seed,
        "days": days,
        "reached": band(r),
        "neuroma_index": band(n),
        "sprouts_final_mean": float(np.asarray(sprouts)[:, -1].mean()),
        "agent_steps": steps,
        "seconds": round(time.perf_counter() - start, 3),
    }
    from neurectomy.web.views import stump_spec

    result["chart"] = stump_spec(result)
    return result


def page_csrf(request: Request) -> str | None:
    """The CSRF token of the signed-in browser (cookie session), for the simulate page's job requests; None when
    nobody is signed in (the page then runs the simulation itself, as without JavaScript)."""
    try:
        from neurectomy.web.routes.registry import COOKIE, _session
    except ImportError:  # a build without the registry: no sign-in, no jobs from the page
        return None
    if not request.cookies.get(COOKIE):
        return None
    found = _session(request)
    return found[1] if found is not None and found[2] else None


def _store(request: Request) -> JobStore:
    store: JobStore = request.app.state.jobs
    return store


JOB_ERRORS: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    401: answer("not signed in (POST /api/registry/session)"),
    403: answer("missing or wrong X-CSRF-Token (cookie sign-in)"),
    429: answer("too many jobs of this user (queued, running or started this hour)", retry=True),
    501: answer("the stump model is not installed in this build"),
    503: answer("the simulation queue is full", retry=True),
}


@router.post("/jobs", response_model=JobOut, status_code=202, responses=JOB_ERRORS)
def start_job(request: Request, settings: SettingsDep, who: ApiUser, body: SimulateRequest) -> Any:
    """Start a stump simulation (signed in); poll ``GET /api/simulate/jobs/{id}`` for progress and the result."""
    if not stump_available():
        raise HTTPException(501, "the stump model is not installed in this build")
    check_request(body, settings)
    owner = f"user:{who.username}"
    wait = rate_limits(request.app).hit("jobs", owner)
    if wait is not None:
        return too_many(wait, f"too many simulation jobs: at most {settings.job_rate_limit} per user")
    try:
        return _store(request).submit(owner, body.model_dump())
    except QueueFull as exc:
        return too_many(exc.retry_after, str(exc), exc.status)


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    responses={404: answer("no such job"), 410: answer("the job was evicted for newer jobs (its work stopped)")},
)
def job(request: Request, job_id: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    """A job's status, progress (0-1) and, once done, its result."""
    found = _store(request).get(job_id)
    if found is None:
        raise HTTPException(404, f"no simulation job {job_id!r}")
    if found["status"] == "evicted":
        raise HTTPException(410, f"simulation job {job_id!r} was evicted for newer jobs (its work stopped)")
    return found


@router.get("/timeline", responses=NOT_FOUND)
def timeline(
    atlas: AtlasDep,
    settings: SettingsDep,
    procedure: Annotated[str | None, Query(max_length=200)] = None,
    nerve: Annotated[str | None, Query(max_length=200)] = None,
    at: Annotated[str | None, Query(max_length=200)] = None,
    mm: Annotated[float | None, Query(ge=0, le=5000)] = None,
    side: Annotated[str | None, Query(max_length=20, description="left or right")] = None,
    method: Annotated[str | None, Query(max_length=100)] = None,
    end: Annotated[list[str] | None, Query(max_length=6)] = None,
    years: Annotated[float, Query(gt=0, le=100)] = 5.0,
) -> dict[str, Any]:
    """Function, pain and neuroma risk over the years of a plan (as ``neurectomy simulate … --json``)."""
    if years > settings.max_years:
        raise FieldError("years", f"at most {settings.max_years:g} years on this server")
    from neurectomy.requests import PlanRequest

    request = PlanRequest.build(
        procedure, nerve=nerve, at=at, mm=mm, side=side, method=method, end_treatments=end, years=years
    )
    return request.run(atlas).timeline.to_dict()
