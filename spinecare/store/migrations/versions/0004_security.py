"""The audit log holds: the client address and a hash chain on every row, and
PostgreSQL refuses TRUNCATE on it.

Rows written before this revision get their chain here, in id order.

Revision ID: 0004_security
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_security"
down_revision = "0003"
branch_labels = None
depends_on = None

PG_TRUNCATE = [
    """CREATE FUNCTION audit_log_no_truncate() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only: TRUNCATE is refused'; END;
    $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate()""",
]
SQLITE_UPDATE_TRIGGER = """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""


def _chain_existing_rows() -> None:
    from spinecare.store.audit import CHAINED, GENESIS, row_hash

    bind = op.get_bind()
    table = sa.table(
        "audit_log", *(sa.column(name) for name in ("id", *CHAINED, "prev_hash", "hash"))
    )
    rows = bind.execute(sa.select(table).order_by(table.c.id)).mappings().all()
    if not rows:
        return
    postgres = bind.dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
    prev = GENESIS
    for row in rows:
        values = dict(row)
        at = values["at"]
        if isinstance(at, str):
            from datetime import datetime

            values["at"] = datetime.fromisoformat(at)
        digest = row_hash(values, prev)
        bind.execute(
            table.update().where(table.c.id == row["id"]).values(prev_hash=prev, hash=digest)
        )
        prev = digest
    if postgres:
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    else:
        op.execute(SQLITE_UPDATE_TRIGGER)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("address", sa.String(64)))
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64)))
    op.add_column("audit_log", sa.Column("hash", sa.String(64)))
    _chain_existing_rows()
    if op.get_bind().dialect.name == "postgresql":
        for statement in PG_TRUNCATE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_no_truncate()")
    for name in ("hash", "prev_hash", "address"):
        op.drop_column("audit_log", name)
