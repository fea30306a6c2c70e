"""Reading the append-only audit log (entries are written by
:func:`spinecare.clinic.audit.record`, re-exported here as ``audit``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spinecare.clinic.audit import record as audit
from spinecare.store.models import AuditEntry

__all__ = ["AuditFilter", "audit", "list_audit"]


@dataclass
class AuditFilter:
    username: str | None = None
    action: str | None = None
    patient_id: int | None = None
    limit: int = 100
    offset: int = 0


def list_audit(session: Session, clinic_id: int, flt: AuditFilter) -> tuple[list[AuditEntry], int]:
    """Entries of one clinic, newest first, with the total matching count."""
    query = select(AuditEntry).where(AuditEntry.clinic_id == clinic_id)
    if flt.username:
        query = query.where(AuditEntry.username == flt.username)
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.patient_id is not None:
        query = query.where(AuditEntry.patient_id == flt.patient_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.id.desc()).limit(flt.limit).offset(flt.offset)
    ).all()
    return list(rows), total


def entry_json(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "user": e.username,
        "action": e.action,
        "entity": e.entity,
        "entity_id": e.entity_id,
        "patient_id": e.patient_id,
        "detail": e.detail,
        "address": e.address,
    }
