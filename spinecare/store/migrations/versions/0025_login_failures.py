"""Failed sign-ins counted in the database: every server process on it, and a server
started again, sees the same counters (docs/security.md, "Signing in"). They were kept
in each process, so several workers, or a restart, gave a guesser more attempts.

Counters start empty at the upgrade.

Revision ID: 0025_login_failures
Revises: 0024_search_composed
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spinecare.store.migrations.grants import grant_as_existing

revision = "0025_login_failures"
down_revision = "0024_search_composed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("until", sa.Float, nullable=False),
        sa.Column("seen", sa.Float, nullable=False),
    )
    op.create_index("ix_login_failures_seen", "login_failures", ["seen"])
    grant_as_existing("login_failures")  # the server's own role, as on every table


def downgrade() -> None:
    op.drop_index("ix_login_failures_seen", table_name="login_failures")
    op.drop_table("login_failures")
