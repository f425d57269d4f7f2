"""Settings of the web app: a frozen model read from ``NEURECTOMY_WEB_*`` environment variables (no singleton)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PREFIX = "NEURECTOMY_WEB_"


class Settings(BaseModel):
    """Limits and defaults of one app instance; pass one to ``create_app`` or let it read the environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_top: int = Field(default=10, ge=1, le=50, description="most ranked alternatives a request may ask for")
    max_axons: int = Field(default=5000, ge=10, description="largest stump simulation (axons)")
    max_days: float = Field(default=3650.0, gt=0, description="longest stump simulation (days)")
    max_years: float = Field(default=50.0, gt=0, description="longest plan timeline (years)")
    max_replicates: int = Field(default=40, ge=1, description="most stump replicates in one job")
    max_jobs: int = Field(default=32, ge=1, description="simulation jobs kept (older ones are evicted)")
    log_level: str = "info"
    # bounded work (issue 19): limits of one expensive request, the solve pool, rate limits, the job queue
    solve_seconds: float = Field(default=5.0, gt=0, description="wall-clock limit of one search (s)")
    solve_nodes: int = Field(default=100_000, ge=1, description="solver nodes / localise hypotheses per search")
    max_targets_per_phrase: int = Field(default=20, ge=1, description="targets one free-text phrase may mean")
    solve_slots: int = Field(default=2, ge=1, description="searches computing at once (per worker process)")
    solve_queue: int = Field(default=16, ge=0, description="searches waiting for a slot before 503")
    search_processes: bool = Field(
        default=False,
        description="run /api/target's searches in solve_slots worker processes, so that their Python uses every "
        "core (in one process two searches take turns on the GIL); serve sets it",
    )
    blas_threads: int = Field(
        default=1,
        ge=1,
        description="threads each BLAS call may use (per worker process): requests already run in parallel, and "
        "OpenBLAS's own threads fighting them for the cores made /api/target 1.5-5x slower under load",
    )
    rate_limit: str = Field(default="120/minute", description="expensive requests per client (limits syntax)")
    job_rate_limit: str = Field(default="30/hour", description="simulation jobs started per user")
    max_active_jobs: int = Field(default=4, ge=1, description="jobs queued or running, server-wide, before 503")
    max_user_jobs: int = Field(default=2, ge=1, description="jobs queued or running per user before 429")
    rate_limit_storage: Literal["memory", "database"] = Field(
        default="memory", description="where rate-limit counters live: this process, or the registry database"
    )
    scheduler: str | None = Field(default=None, description="Dask scheduler address for jobs (default: local)")
    recover_jobs: bool = Field(
        default=False, description="at startup, queue again (or fail) the jobs whose work was lost; serve sets it"
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``NEURECTOMY_WEB_<FIELD>`` variables (e.g. ``NEURECTOMY_WEB_PORT=8080``)."""
        env = os.environ if environ is None else environ
        values = {name: env[PREFIX + name.upper()] for name in cls.model_fields if PREFIX + name.upper() in env}
        return cls.model_validate(values)
