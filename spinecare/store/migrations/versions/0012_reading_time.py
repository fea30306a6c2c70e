"""A reading keeps the time it was taken and whether the order of a day's readings is
known, so that a record imported into the clinic screens as the file does: readings of
one day without a time, in no known order, whose values disagree leave the measure
unknown.

Readings stored before came from the clinic's own forms, intake files and demo patients
(their order known: they were entered one after another) or from FHIR records (their
time was not kept: a reading of a day with several is then in no known order, as a FHIR
reading without a time is; importing the record again restores its times).

Revision ID: 0012_reading_time
Revises: 0011_patient_verdicts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_reading_time"
down_revision = "0011_patient_verdicts"
branch_labels = None
depends_on = None

ENTERED_IN_ORDER = ("form", "file", "demo")
"""The intake sources whose readings the clinic entered one after another."""


def upgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.add_column(sa.Column("instant", sa.Float(), nullable=True))
        batch.add_column(
            sa.Column("in_order", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    observations = sa.table(
        "observations", sa.column("intake_id", sa.Integer), sa.column("in_order", sa.Boolean)
    )
    intakes = sa.table("intakes", sa.column("id", sa.Integer), sa.column("source", sa.String))
    entered = sa.select(intakes.c.id).where(intakes.c.source.in_(ENTERED_IN_ORDER))
    op.execute(
        observations.update()
        .where(observations.c.intake_id.in_(entered))
        .values(in_order=sa.true())
    )


def downgrade() -> None:
    with op.batch_alter_table("observations") as batch:
        batch.drop_column("in_order")
        batch.drop_column("instant")
