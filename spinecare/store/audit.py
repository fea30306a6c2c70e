"""The append-only audit log's rows: the chain's format (:func:`row_hash`) and the
queries that read it (entries are written by :func:`spinecare.clinic.audit.record`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spinecare.store.models import AuditEntry, as_utc

__all__ = [
    "CHAINED",
    "GENESIS",
    "AuditFilter",
    "audit_actions",
    "iter_audit",
    "list_audit",
    "row_hash",
]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first row."""


def _canonical_time(value: datetime) -> str:
    return as_utc(value).astimezone(UTC).isoformat(timespec="microseconds")


CHAINED = (
    "at",
    "clinic_id",
    "user_id",
    "username",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "detail",
    "address",
)


def row_hash(row: AuditEntry | dict[str, Any], prev_hash: str) -> str:
    """sha256 over the row's canonical content (JSON, sorted keys) and ``prev_hash``."""
    values = row if isinstance(row, dict) else {name: getattr(row, name) for name in CHAINED}
    content = {name: values.get(name) for name in CHAINED}
    content["at"] = _canonical_time(values["at"])
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((canonical + prev_hash).encode()).hexdigest()


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
