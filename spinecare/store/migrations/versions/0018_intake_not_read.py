"""An intake a SMART launch imported keeps which kinds of record the EHR did not give
(alerts, notes, bills...), so that every page built from that record names them under
"Not read" for as long as it is the latest launch from that EHR, not only the page the
launch opened.

Launches stored before keep nothing: launching again stores it.

Revision ID: 0018_intake_not_read
Revises: 0017_answer_date_span
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_intake_not_read"
down_revision = "0017_answer_date_span"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("intakes") as batch:
        batch.add_column(sa.Column("not_read", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("intakes") as batch:
        batch.drop_column("not_read")
