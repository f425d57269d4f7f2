"""Settings of the web app: a frozen model read from ``NEURECTOMY_WEB_*`` environment variables (no singleton)."""

from __future__ import annotations

import os
from collections.abc import Mapping

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
    max_jobs: int = Field(default=32, ge=1, description="simulation jobs kept in memory")
    log_level: str = "info"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``NEURECTOMY_WEB_<FIELD>`` variables (e.g. ``NEURECTOMY_WEB_PORT=8080``)."""
        env = os.environ if environ is None else environ
        values = {name: env[PREFIX + name.upper()] for name in cls.model_fields if PREFIX + name.upper() in env}
        return cls.model_validate(values)
