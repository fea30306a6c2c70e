"""A clearance says whether a physician of the clinic decided it: ``confirmed`` is false
for one the clinic holds only as a document says it (an imported intake file's
clearance, recorded by staff who are not physicians). Such a clearance is shown, and
settles nothing until a physician of the clinic decides (docs/intake.md "Clearances in
the clinic").

Clearances stored before came either from a physician's decision in the clinic (they
name their request: confirmed) or from an imported file (no request: now not
confirmed). The stored list verdicts of the patients who have the latter are screened
again.

Revision ID: 0014_clearance_confirmed
Revises: 0013_fact_text
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_clearance_confirmed"
down_revision = "0013_fact_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clearances") as batch:
        batch.add_column(
            sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    clearances = sa.table(
        "clearances",
        sa.column("patient_id", sa.Integer),
        sa.column("request_id", sa.Integer),
        sa.column("confirmed", sa.Boolean),
    )
    from_documents = clearances.c.request_id.is_(None)
    op.execute(clearances.update().where(from_documents).values(confirmed=sa.false()))
    verdicts = sa.table(
        "patient_verdicts", sa.column("patient_id", sa.Integer), sa.column("verdict", sa.String)
    )
    patients = sa.select(clearances.c.patient_id).where(from_documents)
    op.execute(verdicts.update().where(verdicts.c.patient_id.in_(patients)).values(verdict=None))


def downgrade() -> None:
    with op.batch_alter_table("clearances") as batch:
        batch.drop_column("confirmed")
