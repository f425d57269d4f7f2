"""Simulation jobs: state in the registry database, work on the Dask scheduler (issue 19, item 3).

``POST /api/simulate/jobs`` (signed in) inserts a row and submits the work to the Dask scheduler the cohort code
uses (:func:`neurectomy.regrowth.cohort.run_chunks`): ``settings.scheduler`` when given (``serve --scheduler
ADDRESS``, or the cluster ``serve --workers N`` starts for its workers), else a local in-process cluster started on
first use. The task itself writes its status, progress and result to the database, so any worker process reports
any job, and a job outlives the web worker that queued it (``fire_and_forget``: the scheduler keeps it).

The queue is bounded: at most ``max_user_jobs`` queued or running per user (429) and ``max_active_jobs`` in all
(503), both with ``Retry-After``. The ``max_jobs`` most recent jobs are kept; an older one is *evicted*: its id
answers 410 Gone from then on, its result is dropped and, if it was still queued or running, its work is
cancelled (the task checks the flag before it starts and after every replicate).

A job whose work is gone (its process died with the in-process cluster, or a scheduler restarted) would stay
"queued" or "running" for ever: :meth:`JobStore.recover` finds the queued and running rows the scheduler does not
know and queues them again, or marks them failed with the reason when their inputs can no longer run on this
server. The app runs it at startup (rows untouched for :data:`GRACE_S`) and when a poll finds a job untouched for
:data:`STALE_S` (a running job writes its progress after every replicate). Re-running is safe: a job is seeded,
and the re-queue is a compare-and-set on the row, so two processes never both re-queue it. (Apps on one database
with separate in-process clusters, a test set-up rather than ``serve``, cannot see each other's schedulers: a job
waiting longer than :data:`STALE_S` in one may be run again by the other, with the same result.)
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from neurectomy.web.settings import Settings

Progress = Callable[[float], None]
ACTIVE = ("queued", "running")
#: Seconds a client is told to wait when the queue is full (a small job takes about this long).
RETRY_S = 30
#: At startup, a queued or running row untouched this long, and unknown to the scheduler, is lost (the few seconds
#: cover a row another process inserted and is about to submit).
GRACE_S = 5.0
#: A poll of a job untouched this long checks whether the scheduler still has it (at most once per this period).
STALE_S = 60.0


class QueueFull(Exception):
    """The job queue is full: ``status`` 429 (this user's share) or 503 (the server's), with ``retry_after``."""

    def __init__(self, status: int, message: str, retry_after: int = RETRY_S) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class JobCancelled(Exception):
    """The job was evicted or cancelled while it ran."""


def _url(engine: Any) -> str:
    return str(engine.url.render_as_string(hide_password=False))


def run_job(url: str, job_id: str, request: dict[str, Any]) -> None:
    """The task run on a Dask worker: the stump simulation of ``request``, its state written to the database."""
    from sqlalchemy import update

    from neurectomy.registry.db import cached_engine, read_session, write
    from neurectomy.registry.models import SimulationJob
    from neurectomy.web.routes.simulate import run_stump
    from neurectomy.web.schemas import SimulateRequest

    engine = cached_engine(url)

    def set_state(**values: Any) -> bool:
        """Update the job unless it was cancelled or evicted; whether it was updated."""
        stmt = (
            update(SimulationJob)
            .where(SimulationJob.id == job_id, SimulationJob.cancel.is_(False))
            .values(updated_at=time.time(), **values)
        )
        return bool(write(engine, lambda s: getattr(s.execute(stmt), "rowcount", 0)))

    def progress(fraction: float) -> None:
        if not set_state(progress=min(max(fraction, 0.0), 1.0)):
            raise JobCancelled(job_id)

    with read_session(engine) as s:
        row = s.get(SimulationJob, job_id)
        if row is None or row.cancel:
            return
    if not set_state(status="running"):
        return
    try:
        result = run_stump(SimulateRequest.model_validate(request), progress)
    except JobCancelled:
        return
    except Exception as exc:  # reported with the job, never raised into the scheduler
        set_state(status="failed", error=f"{type(exc).__name__}: {exc}")
        return
    set_state(status="done", progress=1.0, result=result)


class JobStore:
    """The jobs of one app: rows in the registry database, work on a Dask scheduler."""

    def __init__(self, settings: Settings, engine: Callable[[], Any]) -> None:
        self.settings = settings
        self._engine = engine
        self._lock = threading.Lock()
        self._client: Any = None
        self._cluster: Any = None
        self._checked = -math.inf  # time.monotonic() of the last poll-time recovery

    @property
    def engine(self) -> Any:
        return self._engine()

    def client(self) -> Any:
        """The Dask client: of ``settings.scheduler``, else of a local in-process cluster (started once)."""
        with self._lock:
            if self._client is None:
                from dask.distributed import Client, LocalCluster

                if self.settings.scheduler:
                    self._client = Client(self.settings.scheduler, set_as_default=False)  # type: ignore[no-untyped-call]
                else:
                    self._cluster = LocalCluster(  # type: ignore[no-untyped-call]
                        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
                    )
                    self._client = Client(self._cluster, set_as_default=False)  # type: ignore[no-untyped-call]
            return self._client

    def submit(self, owner: str, request: dict[str, Any]) -> dict[str, Any]:
        """Queue a job for ``owner`` (or raise :class:`QueueFull`); evict the oldest beyond ``max_jobs``."""
        from sqlalchemy import func, select, update

        from neurectomy.registry.db import write
        from neurectomy.registry.models import SimulationJob

        s_ = self.settings
        job_id = uuid.uuid4().hex
        now = time.time()

        def insert(s: Any) -> list[str]:
            active = SimulationJob.status.in_(ACTIVE) & SimulationJob.cancel.is_(False)
            mine = s.scalar(select(func.count()).select_from(SimulationJob).where(active, SimulationJob.owner == owner))
            if mine >= s_.max_user_jobs:
                raise QueueFull(429, f"you have {mine} simulation jobs queued or running; at most {s_.max_user_jobs}")
            total = s.scalar(select(func.count()).select_from(SimulationJob).where(active))
            if total >= s_.max_active_jobs:
                raise QueueFull(503, f"the simulation queue is full ({total} jobs); try again later")
            s.add(
                SimulationJob(
                    id=job_id, owner=owner, status="queued", progress=0.0, request=request, result=None,
                    error=None, cancel=False, created_at=now, updated_at=now,
                )
            )  # fmt: skip
            s.flush()
            kept = select(SimulationJob.id).where(SimulationJob.status != "evicted")
            old = list(s.scalars(kept.order_by(SimulationJob.created_at.desc()).offset(s_.max_jobs)))
            if old:
                s.execute(
                    update(SimulationJob)
                    .where(SimulationJob.id.in_(old))
                    .values(status="evicted", result=None, cancel=True, updated_at=now)
                )
            return old

        evicted = write(self.engine, insert)
        client = self.client()
        if evicted:
            from dask.distributed import Future

            client.cancel([Future(_key(j), client) for j in evicted])
        from dask.distributed import fire_and_forget

        future = client.submit(run_job, _url(self.engine), job_id, request, key=_key(job_id), pure=False)
        fire_and_forget(future)  # type: ignore[no-untyped-call]
        found = self.get(job_id)
        assert found is not None
        return found

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The job as the API shows it, or None if there is no such job (an evicted one has status "evicted")."""
        from neurectomy.registry.db import read_session
        from neurectomy.registry.models import SimulationJob

        if len(job_id) > 40:
            return None
        with read_session(self.engine) as s:
            row = s.get(SimulationJob, job_id)
            stale = row is not None and row.status in ACTIVE and row.updated_at < time.time() - STALE_S
        if stale and time.monotonic() - self._checked > STALE_S:
            self._checked = time.monotonic()
            self.recover(STALE_S)
        with read_session(self.engine) as s:
            row = s.get(SimulationJob, job_id)
            if row is None:
                return None
            return {
                "id": row.id,
                "status": row.status,
                "progress": round(row.progress, 4),
                "result": row.result,
                "error": row.error,
            }

    def recover(self, older_than: float = GRACE_S) -> dict[str, list[str]]:
        """Queue again the queued or running jobs (untouched for ``older_than`` seconds) that the scheduler does not
        know, or mark them failed with the reason when their inputs cannot run on this server (a limit lowered
        since, an unknown method, the stump model not installed). Returns the ids: ``requeued`` and ``failed``."""
        from pydantic import ValidationError
        from sqlalchemy import select, update

        from neurectomy.registry.db import read_session, write
        from neurectomy.registry.models import SimulationJob
        from neurectomy.web.schemas import SimulateRequest

        done: dict[str, list[str]] = {"requeued": [], "failed": []}
        now = time.time()
        with read_session(self.engine) as s:
            rows = [
                (r.id, r.request, r.updated_at)
                for r in s.scalars(
                    select(SimulationJob).where(
                        SimulationJob.status.in_(ACTIVE),
                        SimulationJob.cancel.is_(False),
                        SimulationJob.updated_at < now - older_than,
                    )
                )
            ]
        if not rows:
            return done
        client = self.client()
        known = set(client.run_on_scheduler(_scheduler_keys))
        for job_id, request, stamp in rows:
            if _key(job_id) in known:
                continue
            reason = None
            try:
                from neurectomy.web.routes.simulate import check_request, stump_available

                if not stump_available():
                    reason = "the stump model is not installed in this build"
                else:
                    check_request(SimulateRequest.model_validate(request), self.settings)
            except (ValidationError, ValueError, LookupError) as exc:
                reason = getattr(exc, "message", None) or str(exc).splitlines()[0]
            values: dict[str, Any] = (
                {"status": "queued", "progress": 0.0}
                if reason is None
                else {"status": "failed", "error": f"lost when the server stopped, and cannot run again: {reason}"}
            )
            stmt = (
                update(SimulationJob)
                .where(SimulationJob.id == job_id, SimulationJob.updated_at == stamp, SimulationJob.status.in_(ACTIVE))
                .values(updated_at=time.time(), **values)
            )  # compare-and-set: one process re-queues a lost job, never two
            if not write(self.engine, partial(_rowcount, stmt)):
                continue
            if reason is not None:
                done["failed"].append(job_id)
                continue
            from dask.distributed import fire_and_forget

            future = client.submit(run_job, _url(self.engine), job_id, request, key=_key(job_id), pure=False)
            fire_and_forget(future)  # type: ignore[no-untyped-call]
            done["requeued"].append(job_id)
        return done

    def shutdown(self) -> None:
        """Close the Dask client (and the local cluster, if this store started one); queued jobs stay queued on a
        shared scheduler."""
        with self._lock:
            client, cluster, self._client, self._cluster = self._client, self._cluster, None, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()


def _key(job_id: str) -> str:
    return f"neurectomy-job-{job_id}"


def _rowcount(stmt: Any, s: Any) -> int:
    return int(getattr(s.execute(stmt), "rowcount", 0))


def _scheduler_keys(dask_scheduler: Any) -> list[str]:
    """The job keys the scheduler holds (queued, processing or in memory); run on the scheduler."""
    return [str(k) for k in dask_scheduler.tasks if str(k).startswith("neurectomy-job-")]
