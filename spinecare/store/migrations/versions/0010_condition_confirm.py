"""A condition read with certainty unknown whatever its codes (a finding recorded as an
Observation whose answer is neither yes nor no) keeps why, as a message, so that the
imported record screens as the file does.

Revision ID: 0010_condition_confirm
Revises: 0009_password_expiry
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_condition_confirm"
down_revision = "0009_password_expiry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("conditions") as batch:
        batch.add_column(sa.Column("confirm", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("conditions") as batch:
        batch.drop_column("confirm")
