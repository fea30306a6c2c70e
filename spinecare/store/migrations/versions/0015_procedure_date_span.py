"""A procedure keeps the last day of a date given only as a year or a month ("2026",
"2026-08", as a surgical history often writes it), so that a record imported into the
clinic screens as the file does: a spine operation of "2026" may have been within the
last 90 days, which is unknown, never "not recent".

Procedures stored before keep no such day: importing the record again restores it.

Revision ID: 0015_procedure_date_span
Revises: 0014_clearance_confirmed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_procedure_date_span"
down_revision = "0014_clearance_confirmed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("performed_last", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.drop_column("performed_last")
