"""A reading set aside keeps its reason as a message (its id and parameters), shown in
the reader's language; rows stored before keep their English text in ``original``.

Revision ID: 0008_set_aside_reason
Revises: 0007_procedure_text
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_set_aside_reason"
down_revision = "0007_procedure_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("reason", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("reason")
