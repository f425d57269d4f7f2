"""Bounded work of the web app (issue 19, item 3): shared rate-limit counters and simulation jobs.

- ``rate_limit``: one fixed window per client and endpoint group (the ``limits`` library's counters), so that
  every worker process of ``serve --workers N`` counts against the same limit.
- ``simulation_jobs``: each simulation job's request, state, progress and result, so that any worker reports any
  job and a job outlives the worker that queued it (the work itself runs on the Dask scheduler).

Neither is audited nor backed up (no patient data; both are transient).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit")),
    )
    op.create_index(op.f("ix_rate_limit_expires_at"), "rate_limit", ["expires_at"], unique=False)
    op.create_table(
        "simulation_jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("cancel", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_simulation_jobs")),
    )
    op.create_index(op.f("ix_simulation_jobs_owner"), "simulation_jobs", ["owner"], unique=False)
    op.create_index(op.f("ix_simulation_jobs_status"), "simulation_jobs", ["status"], unique=False)
    op.create_index(op.f("ix_simulation_jobs_created_at"), "simulation_jobs", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("simulation_jobs")
    op.drop_table("rate_limit")
