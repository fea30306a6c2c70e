"""Courses, their sessions, the home-program steps taught, the patient's diary; each
user's interface language.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(10)))
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("physician_id", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("started_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("needs_physician", sa.Boolean, nullable=False),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_index("ix_courses_patient_id", "courses", ["patient_id"])
    op.create_index("ix_courses_physician_id", "courses", ["physician_id"])
    op.create_table(
        "course_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("day_check", sa.JSON),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_course_sessions_course_id", "course_sessions", ["course_id"])
    op.create_index("ix_course_sessions_patient_id", "course_sessions", ["patient_id"])
    op.create_table(
        "home_steps",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("zone", sa.String(40), nullable=False),
        sa.Column("step", sa.String(100), nullable=False),
        sa.Column("minutes", sa.Float, nullable=False),
        sa.Column("times_per_day", sa.Integer, nullable=False),
        sa.Column("taught_on", sa.Date, nullable=False),
        sa.Column("taught_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.UniqueConstraint("course_id", "zone", "step", name="uq_home_steps_course_zone_step"),
    )
    op.create_index("ix_home_steps_course_id", "home_steps", ["course_id"])
    op.create_table(
        "diary_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("course_id", sa.Integer, sa.ForeignKey("courses.id"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("minutes", sa.Float),
        sa.Column("pain", sa.Integer),
        sa.Column("symptoms", sa.JSON, nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("idempotency_key", sa.String(100), nullable=False),
        sa.Column("recorded_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("patient_id", "idempotency_key", name="uq_diary_patient_key"),
    )
    op.create_index("ix_diary_entries_patient_id", "diary_entries", ["patient_id"])
    op.create_index("ix_diary_entries_course_id", "diary_entries", ["course_id"])


def downgrade() -> None:
    op.drop_table("diary_entries")
    op.drop_table("home_steps")
    op.drop_table("course_sessions")
    op.drop_table("courses")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("language")
