"""The audit log as the clinic's administrator reads it: a page at a time or all of it
(the export), filtered, with the names of the users and patients it mentions. Only an
admin reads it, only their own clinic's entries, and each reading is itself audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spinecare.clinic.accounts import find_user
from spinecare.clinic.audit import record as audit
from spinecare.clinic.models import CurrentUser
from spinecare.clinic.patients import search_condition
from spinecare.clinic.permissions import acting, check_admin
from spinecare.store.audit import AuditFilter, audit_actions, entry_json, iter_audit, list_audit
from spinecare.store.models import PatientRow, User, as_utc

__all__ = ["AuditFilter", "AuditNames", "AuditPage", "export_entries", "log_page", "patients_found"]


@dataclass(frozen=True)
class AuditNames:
    """Who the entries name: user ids and user names to full names, patient ids to names."""

    users: dict[int, str]
    usernames: dict[str, str]
    patients: dict[int, str]


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, Any]]
    """The entries as :func:`entry_json` gives them, plus ``user_id`` and ``at_time``."""
    total: int
    actions: list[str]
    names: AuditNames


def _entry(e: Any) -> dict[str, Any]:
    return {**entry_json(e), "user_id": e.user_id, "at_time": as_utc(e.at)}


def _names(session: Session, clinic_id: int) -> AuditNames:
    users = session.execute(
        select(User.id, User.username, User.full_name).where(User.clinic_id == clinic_id)
    ).all()
    patients = session.execute(
        select(PatientRow.id, PatientRow.name).where(PatientRow.clinic_id == clinic_id)
    )
    return AuditNames(
        users={uid: name for uid, _, name in users},
        usernames={username: name for _, username, name in users if name},
        patients={pid: name for pid, name in patients},
    )


def patients_found(session: Session, who: CurrentUser, query: str) -> list[int] | None:
    """The ids of the clinic's patients a patient search finds (name, id, phone, birth);
    None for a search that holds nothing to look for (only characters never seen), which
    filters nothing, as an empty one."""
    admin = acting(session, who)
    check_admin(admin)
    condition = search_condition(query)
    if condition is None:
        return None
    return list(
        session.scalars(
            select(PatientRow.id).where(PatientRow.clinic_id == admin.clinic_id, condition)
        )
    )


def patient_name(session: Session, who: CurrentUser, patient_id: int) -> str | None:
    """The name of the clinic's patient a reading of the log is filtered by (None for no
    patient of the clinic)."""
    admin = acting(session, who)
    check_admin(admin)
    return session.scalar(
        select(PatientRow.name).where(
            PatientRow.clinic_id == admin.clinic_id, PatientRow.id == patient_id
        )
    )


def _by_account(session: Session, admin: User, flt: AuditFilter) -> AuditFilter:
    """A user name in the filter stands for the clinic's account whose name is, or looks,
    the same (``Admin`` for ``admin``): its entries, under whatever name it had when each
    was made. A name no account of the clinic has now is matched as the entries wrote it."""
    if not flt.username or flt.user_id is not None:
        return flt
    user = find_user(session, flt.username)
    if user is None or user.clinic_id != admin.clinic_id:
        return flt
    return replace(flt, username=None, user_id=user.id)


def log_page(session: Session, who: CurrentUser, flt: AuditFilter, *, detail: str) -> AuditPage:
    """One page of the clinic's log (``flt.limit``, ``flt.offset``), newest first; the
    reading is recorded with ``detail`` (the filters)."""
    admin = acting(session, who)
    check_admin(admin)
    rows, total = list_audit(session, admin.clinic_id, _by_account(session, admin, flt))
    page = AuditPage(
        entries=[_entry(e) for e in rows],
        total=total,
        actions=audit_actions(session, admin.clinic_id),
        names=_names(session, admin.clinic_id),
    )
    audit(session, admin, "read", "audit_log", None, detail=detail)
    return page


def export_entries(
    session: Session, who: CurrentUser, flt: AuditFilter, *, detail: str
) -> tuple[AuditNames, Iterator[dict[str, Any]]]:
    """Every entry ``flt`` matches, newest first, read in batches; the export is recorded
    with ``detail`` (written when the session commits, after the entries are read)."""
    admin = acting(session, who)
    check_admin(admin)
    names = _names(session, admin.clinic_id)
    audit(session, admin, "export", "audit_log", None, detail=detail)
    flt = _by_account(session, admin, flt)
    return names, (_entry(e) for e in iter_audit(session, admin.clinic_id, flt))
