"""Muscles found weak or paralysed at a follow-up (issue 18, item 5).

- ``outcomes.muscles``: a JSON list of ``{"id", "effect", "mrc"}``: an atlas muscle id, ``weak`` or ``paralysed``,
  and the MRC grade (0-4) when the muscle was graded, else null. Empty (null) for rows written before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("muscles", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("muscles")
