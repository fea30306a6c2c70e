"""An answer keeps the time it was given and whether the answers of its day are in the
order given (a FHIR form's answers are ordered by their times, never by the order of the
forms in the record): answers of one day in no known order that disagree leave the
question unknown.

Rows stored before keep no time and are in the order stored, as they were read.

Revision ID: 0021_answer_order
Revises: 0020_username_key
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_answer_order"
down_revision = "0020_username_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("instant", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("in_order", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("in_order")
        batch.drop_column("instant")
