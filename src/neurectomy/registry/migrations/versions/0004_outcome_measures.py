"""Standard outcome measures at standard time points, and the end treatment of a cut (issue 18, item 5).

- ``outcomes.timepoint``: before, 3 weeks, 3 months or 12 months (:data:`neurectomy.registry.measures.TIMEPOINTS`),
  or empty for a visit at another time.
- ``outcomes.measures``: scores of validated instruments by key (``hdss``, ``mas``; :mod:`.measures` lists each
  with its range and source). Pain NRS stays in ``pain_nrs``.
- ``procedures_performed.end_treatments``: what was done to the cut ends (``neurectomy.methods.END_TREATMENTS``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("timepoint", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("measures", sa.JSON(), nullable=True))
    with op.batch_alter_table("procedures_performed") as batch:
        batch.add_column(sa.Column("end_treatments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("procedures_performed") as batch:
        batch.drop_column("end_treatments")
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("measures")
        batch.drop_column("timepoint")
