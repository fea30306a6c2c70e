"""Clinics, users, login sessions, patients, intakes and their facts.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True)


def _intake() -> sa.Column[int]:
    return sa.Column("intake_id", sa.Integer, sa.ForeignKey("intakes.id"), nullable=False)


def _fact(name: str, *columns: sa.Column[Any]) -> None:
    op.create_table(
        name,
        _id(),
        sa.Column("ref", sa.String(300), nullable=False),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        *columns,
    )
    op.create_index(f"ix_{name}_patient_id", name, ["patient_id"])


def upgrade() -> None:
    op.create_table(
        "clinics",
        _id(),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "patients",
        _id(),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("birth_date", sa.Date),
        sa.Column("sex", sa.String(20)),
        sa.Column("language", sa.String(10)),
        sa.Column("notes", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_patients_clinic_name", "patients", ["clinic_id", "name"])
    op.create_index(
        "ix_patients_clinic_external", "patients", ["clinic_id", "external_id"], unique=True
    )
    op.create_table(
        "users",
        _id(),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id")),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", TZ),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_users_clinic_id", "users", ["clinic_id"])
    op.create_table(
        "login_sessions",
        _id(),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_index("ix_login_sessions_user_id", "login_sessions", ["user_id"])
    op.create_table(
        "intakes",
        _id(),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("label", sa.String(300)),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_intakes_patient_id", "intakes", ["patient_id"])
    _fact(
        "conditions",
        _intake(),
        sa.Column("concept", sa.String(100)),
        sa.Column("codings", sa.JSON, nullable=False),
        sa.Column("text", sa.String(500)),
        sa.Column("clinical_status", sa.String(30)),
        sa.Column("verification_status", sa.String(30)),
        sa.Column("onset", sa.Date),
        sa.Column("abatement", sa.Date),
        sa.Column("recorded", sa.Date),
        sa.Column("body_sites", sa.JSON, nullable=False),
    )
    _fact(
        "observations",
        _intake(),
        sa.Column("measure", sa.String(50), nullable=False),
        sa.Column("value", sa.Float, nullable=False),
        sa.Column("unit", sa.String(30), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("coding", sa.JSON),
        sa.Column("original", sa.String(100)),
    )
    _fact(
        "medications",
        _intake(),
        sa.Column("concept", sa.String(100)),
        sa.Column("codings", sa.JSON, nullable=False),
        sa.Column("text", sa.String(500)),
        sa.Column("status", sa.String(30)),
        sa.Column("start", sa.Date),
        sa.Column("end", sa.Date),
    )
    _fact(
        "procedures",
        _intake(),
        sa.Column("concept", sa.String(100)),
        sa.Column("codings", sa.JSON, nullable=False),
        sa.Column("status", sa.String(30)),
        sa.Column("performed", sa.Date),
        sa.Column("body_sites", sa.JSON, nullable=False),
    )
    _fact(
        "answers",
        _intake(),
        sa.Column("question", sa.String(100), nullable=False),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("day", sa.Date),
    )
    _fact(
        "clearances",
        sa.Column("intake_id", sa.Integer, sa.ForeignKey("intakes.id")),
        sa.Column("concepts", sa.JSON, nullable=False),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("day", sa.Date),
        sa.Column("by", sa.String(200)),
        sa.Column("note", sa.Text),
        sa.Column("valid_until", sa.Date),
    )


def downgrade() -> None:
    for name in (
        "clearances",
        "answers",
        "procedures",
        "medications",
        "observations",
        "conditions",
        "intakes",
        "login_sessions",
        "users",
        "patients",
        "clinics",
    ):
        op.drop_table(name)
