"""A clinic's contacts: its phone, e-mail address, postal address and opening hours, which
the administrator keeps and the patient's handout and the referral letter print.

Clinics stored before have none until the administrator writes them.

Revision ID: 0022_clinic_contacts
Revises: 0021_answer_order
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_clinic_contacts"
down_revision = "0021_answer_order"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.add_column(sa.Column("phone", sa.String(40), nullable=True))
        batch.add_column(sa.Column("email", sa.String(254), nullable=True))
        batch.add_column(sa.Column("address", sa.String(500), nullable=True))
        batch.add_column(sa.Column("hours", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clinics") as batch:
        batch.drop_column("hours")
        batch.drop_column("address")
        batch.drop_column("email")
        batch.drop_column("phone")
