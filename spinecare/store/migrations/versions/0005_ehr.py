"""EHR integration: patients' ids within EHRs (for CDS Hooks card links), the CDS Hooks
JWT ids already seen (replay detection shared by every worker), and SMART App Launches
under way.

Revision ID: 0005_ehr
Revises: 0004_security
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_ehr"
down_revision = "0004_security"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "patient_identifiers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("patient_id", sa.Integer, sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("system", sa.String(500), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_patient_identifiers_patient_id", "patient_identifiers", ["patient_id"])
    op.create_index(
        "ix_patient_identifiers_clinic_system_value",
        "patient_identifiers",
        ["clinic_id", "system", "value"],
        unique=True,
    )
    op.create_index(
        "ix_patient_identifiers_system_value", "patient_identifiers", ["system", "value"]
    )
    op.create_table(
        "cds_seen_tokens",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_index("ix_cds_seen_tokens_expires_at", "cds_seen_tokens", ["expires_at"])
    op.create_table(
        "smart_launches",
        sa.Column("state_hash", sa.String(64), primary_key=True),
        sa.Column("iss", sa.String(500), nullable=False),
        sa.Column("code_verifier", sa.String(128), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_smart_launches_created_at", "smart_launches", ["created_at"])


def downgrade() -> None:
    op.drop_table("smart_launches")
    op.drop_table("cds_seen_tokens")
    op.drop_table("patient_identifiers")
