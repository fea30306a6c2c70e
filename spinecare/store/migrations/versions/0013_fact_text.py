"""A record's facts keep their references and words whole: the columns that hold what a
record wrote (a fact's reference, a condition's or drug's or procedure's words, a status,
a question's id, who cleared) take text of any length.

They had lengths (300, 500, 30, 100, 200 characters) that SQLite does not enforce and
PostgreSQL does: on PostgreSQL a record with a long note or id could not be imported (an
internal error), and on SQLite it was kept whole; a procedure's words were cut at 500
characters on both, so a long one could lose what it names. Rows stored before are kept
as they are.

Revision ID: 0013_fact_text
Revises: 0012_reading_time
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_fact_text"
down_revision = "0012_reading_time"
branch_labels = None
depends_on = None

COLUMNS: dict[str, dict[str, int]] = {
    "conditions": {"ref": 300, "text": 500},
    "observations": {"ref": 300},
    "medications": {"ref": 300, "text": 500, "status": 30},
    "procedures": {"ref": 300, "text": 500, "status": 30},
    "answers": {"ref": 300, "question": 100},
    "clearances": {"ref": 300, "by": 200},
}
"""Each table's columns, with the length they had."""


def upgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns.items():
                batch.alter_column(column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column, length in columns.items():
                batch.alter_column(column, type_=sa.String(length), existing_type=sa.Text())
