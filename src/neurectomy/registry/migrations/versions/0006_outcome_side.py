"""The side of a follow-up's findings (review 18c, finding 2).

- ``outcomes.side``: left, right, midline or bilateral: the side the numb skin regions and the weak or paralysed
  muscles were found on (the body map offers both sides, and a region on the side opposite the case was stored
  without its side). Null for rows written before: read as the case's side.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("side", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("side")
