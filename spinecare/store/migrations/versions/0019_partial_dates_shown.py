"""A condition, a drug and a patient's birth date keep the other end of a date given only
as a month or a year ("2021-03", "1970"): the last day of a condition's onset and
recorded date and of a drug's start, the first day of a condition's abatement, of a drug's
end and of a birth date (read as its last day). The date is then shown as the record gives
it ("March 2021", "1970"), never as one day. Nothing the screening decides depends on it.

Rows stored before keep no such day: importing the record again restores it.

Revision ID: 0019_partial_dates_shown
Revises: 0018_intake_not_read
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_partial_dates_shown"
down_revision = "0018_intake_not_read"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conditions") as batch:
        batch.add_column(sa.Column("onset_last", sa.Date(), nullable=True))
        batch.add_column(sa.Column("recorded_last", sa.Date(), nullable=True))
        batch.add_column(sa.Column("abatement_first", sa.Date(), nullable=True))
    with op.batch_alter_table("medications") as batch:
        batch.add_column(sa.Column("start_last", sa.Date(), nullable=True))
        batch.add_column(sa.Column("end_first", sa.Date(), nullable=True))
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("birth_first", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("birth_first")
    with op.batch_alter_table("medications") as batch:
        batch.drop_column("end_first")
        batch.drop_column("start_last")
    with op.batch_alter_table("conditions") as batch:
        batch.drop_column("abatement_first")
        batch.drop_column("recorded_last")
        batch.drop_column("onset_last")
