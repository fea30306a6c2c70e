"""A procedure's text, kept as recorded (a procedure named only in words is read as one).

Revision ID: 0007_procedure_text
Revises: 0006_clinic
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_procedure_text"
down_revision = "0006_clinic"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.add_column(sa.Column("text", sa.String(500)))


def downgrade() -> None:
    with op.batch_alter_table("procedures") as batch:
        batch.drop_column("text")
