"""An answer keeps the last day of a date given only as a month or a year ("2026-11",
"2026"), so that a record imported into the clinic screens as the file does: an answer of
"2026-11" may have been given after one dated 2026-11-10, and a yes of it is then not
ruled out by that answer's no.

Answers stored before keep no such day: importing the record again restores it.

Revision ID: 0017_answer_date_span
Revises: 0016_reading_date_span
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_answer_date_span"
down_revision = "0016_reading_date_span"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.add_column(sa.Column("day_last", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("answers") as batch:
        batch.drop_column("day_last")
