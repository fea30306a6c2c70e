"""When an administrator's one-time password stops signing in.

A one-time password set before this revision has no expiry and counts as expired: the
administrator resets it again.

Revision ID: 0008_password_expiry
Revises: 0007_procedure_text
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_password_expiry"
down_revision = "0007_procedure_text"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_expires_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_expires_at")
