"""When a web sign-in was last used, and its idle limit: a session unused for
``SPINECARE_SESSION_IDLE_MINUTES`` ends (docs/security.md).

Sign-ins open at the upgrade count as used at that moment, with the default limit of 60
minutes (sign-ins last at most 12 hours; personal API tokens, which last days, keep
neither and have no idle limit).

Revision ID: 0023_session_last_seen
Revises: 0022_clinic_contacts
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0023_session_last_seen"
down_revision = "0022_clinic_contacts"
branch_labels = None
depends_on = None

IDLE_MINUTES = 60
"""The default of ``SPINECARE_SESSION_IDLE_MINUTES``."""
WEB_SESSION = timedelta(hours=12)
"""The longest a web sign-in lasts (``spinecare.clinic.accounts.SESSION_HOURS`` when this
revision was written); an API token lasts a day or more."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("login_sessions") as batch:
        batch.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("idle_minutes", sa.Integer, nullable=True))
    sessions = sa.table(
        "login_sessions",
        sa.column("id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("expires_at", sa.DateTime(timezone=True)),
        sa.column("last_seen_at", sa.DateTime(timezone=True)),
        sa.column("idle_minutes", sa.Integer),
    )
    connection = op.get_bind()
    moment = datetime.now(UTC)
    rows = connection.execute(
        sa.select(sessions.c.id, sessions.c.created_at, sessions.c.expires_at)
    )
    web = [
        row.id
        for row in rows
        if _aware(row.expires_at) - _aware(row.created_at) <= WEB_SESSION
        and _aware(row.expires_at) > moment
    ]
    for start in range(0, len(web), 500):
        connection.execute(
            sa.update(sessions)
            .where(sessions.c.id.in_(web[start : start + 500]))
            .values(last_seen_at=moment, idle_minutes=IDLE_MINUTES)
        )


def downgrade() -> None:
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_column("idle_minutes")
        batch.drop_column("last_seen_at")
