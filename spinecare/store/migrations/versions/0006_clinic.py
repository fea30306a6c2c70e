"""Patient contact details and the search key; users forced to choose a new password.

``patients.search`` is filled by the app (:func:`spinecare.store.search.search_key`);
this migration backfills it for the patients already stored.

Revision ID: 0006_clinic
Revises: 0005_ehr
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spinecare.store.search import search_key

revision = "0006_clinic"
down_revision = "0005_ehr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("phone", sa.String(40)))
        batch.add_column(sa.Column("email", sa.String(254)))
        batch.add_column(sa.Column("address", sa.String(500)))
        batch.add_column(sa.Column("emergency_name", sa.String(200)))
        batch.add_column(sa.Column("emergency_phone", sa.String(40)))
        batch.add_column(sa.Column("search", sa.String(2000), nullable=False, server_default=""))
    op.create_index("ix_patients_clinic_birth_date", "patients", ["clinic_id", "birth_date"])
    patients = sa.table(
        "patients",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("external_id", sa.String),
        sa.column("search", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(patients.c.id, patients.c.name, patients.c.external_id))
    for pid, name, external_id in rows.all():
        connection.execute(
            patients.update()
            .where(patients.c.id == pid)
            .values(search=search_key(name or "", external_id or ""))
        )
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("must_change_password", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
    op.drop_index("ix_patients_clinic_birth_date", "patients")
    with op.batch_alter_table("patients") as batch:
        for column in ("search", "emergency_phone", "emergency_name", "address", "email", "phone"):
            batch.drop_column(column)
