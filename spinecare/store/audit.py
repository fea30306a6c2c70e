"""Reading the append-only audit log (entries are written by
:func:`spinecare.clinic.audit.record`, re-exported here as ``audit``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spinecare.clinic.audit import record as audit
from spinecare.store.models import AuditEntry

__all__ = ["AuditFilter", "audit", "audit_actions", "iter_audit", "list_audit"]


@dataclass
class AuditFilter:
    """Which entries to read: by user (name or id), action, patient (one id, or any of
    ``patient_ids``), and time (``since`` inclusive, ``until`` exclusive, aware)."""

    username: str | None = None
    action: str | None = None
    patient_id: int | None = None
    limit: int | None = 100
    offset: int = 0
    user_id: int | None = None
    patient_ids: list[int] | None = None
    since: datetime | None = None
    until: datetime | None = None


def _audit_query(clinic_id: int, flt: AuditFilter) -> Any:
    query = select(AuditEntry).where(AuditEntry.clinic_id == clinic_id)
    if flt.username:
        query = query.where(AuditEntry.username == flt.username)
    if flt.user_id is not None:
        query = query.where(AuditEntry.user_id == flt.user_id)
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.patient_id is not None:
        query = query.where(AuditEntry.patient_id == flt.patient_id)
    if flt.patient_ids is not None:
        query = query.where(AuditEntry.patient_id.in_(flt.patient_ids or [-1]))
    if flt.since is not None:
        query = query.where(AuditEntry.at >= flt.since)
    if flt.until is not None:
        query = query.where(AuditEntry.at < flt.until)
    return query


def list_audit(session: Session, clinic_id: int, flt: AuditFilter) -> tuple[list[AuditEntry], int]:
    """Entries of one clinic, newest first, with the total matching count."""
    query = _audit_query(clinic_id, flt)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AuditEntry.id.desc()).limit(flt.limit).offset(flt.offset)
    ).all()
    return list(rows), total


def iter_audit(session: Session, clinic_id: int, flt: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching entry, newest first, read in batches (for exports)."""
    query = _audit_query(clinic_id, flt).order_by(AuditEntry.id.desc())
    yield from session.scalars(query.execution_options(yield_per=1000))


def audit_actions(session: Session, clinic_id: int) -> list[str]:
    """The actions the clinic's log holds (for the filter's choices)."""
    rows = session.scalars(
        select(AuditEntry.action).where(AuditEntry.clinic_id == clinic_id).distinct()
    )
    return sorted(rows)


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
