"""Background simulation jobs with progress, kept per app (no module-level state).

A job runs its replicates one by one on a single worker thread, updating ``progress`` after each, so a page can
show a progress bar by polling ``GET /api/simulate/jobs/{id}``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

Progress = Callable[[float], None]


@dataclass
class Job:
    """One simulation run."""

    id: str
    status: str = "queued"
    progress: float = 0.0
    result: dict[str, Any] | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "progress": round(self.progress, 4),
            "result": self.result,
            "error": self.error,
        }


class JobStore:
    """Jobs of one app: a one-thread executor and the ``max_jobs`` most recent jobs."""

    def __init__(self, max_jobs: int = 32) -> None:
        self.max_jobs = max_jobs
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, work: Callable[[Progress], dict[str, Any]]) -> Job:
        """Queue ``work(progress)``; it reports progress in 0-1 and returns the result dict."""
        job = Job(uuid.uuid4().hex[:12])
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self.max_jobs:
                self._jobs.popitem(last=False)

        def report(fraction: float) -> None:
            job.progress = min(max(fraction, 0.0), 1.0)

        def run() -> None:
            job.status = "running"
            try:
                job.result = work(report)
                job.progress = 1.0
                job.status = "done"
            except Exception as exc:  # reported to the page, never raised into the pool
                job.error = f"{type(exc).__name__}: {exc}"
                job.status = "failed"

        with self._lock:
            if self._pool is None:  # started on first use; again after a shutdown (a new lifespan)
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="neurectomy-sim")
            self._pool.submit(run)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def shutdown(self) -> None:
        """Stop the worker (queued jobs are cancelled); a later submit starts a new one."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
