"""Each patient's stored screening verdict for the patient list, with the days it holds
on and a stamp that every write to the patient's record raises.

Revision ID: 0011_patient_verdicts
Revises: 0010_condition_confirm
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_patient_verdicts"
down_revision = "0010_condition_confirm"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_verdicts",
        sa.Column(
            "patient_id",
            sa.Integer(),
            sa.ForeignKey("patients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("stamp", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(40)),
        sa.Column("screened_with", sa.String(64)),
        sa.Column("valid_from", sa.Date()),
        sa.Column("valid_until", sa.Date()),
    )


def downgrade() -> None:
    op.drop_table("patient_verdicts")
