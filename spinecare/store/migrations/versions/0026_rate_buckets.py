"""SMART launches counted per client address in the database: every server process on it
sees the same count (docs/security.md, "SMART launches"). Each process counted its own,
so several workers let one address start launches that many times faster.

Buckets start empty (full) at the upgrade.

Revision ID: 0026_rate_buckets
Revises: 0025_login_failures
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spinecare.store.migrations.grants import grant_as_existing

revision = "0026_rate_buckets"
down_revision = "0025_login_failures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("tokens", sa.Float, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_rate_buckets_at", "rate_buckets", ["at"])
    grant_as_existing("rate_buckets")  # the server's own role, as on every table


def downgrade() -> None:
    op.drop_index("ix_rate_buckets_at", table_name="rate_buckets")
    op.drop_table("rate_buckets")
