"""The demo seed: one clinic, one user per role and the bundled demo patients."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spinecare.clinic.accounts import (
    create_user,
    current_user,
    get_or_create_clinic,
    hash_password,
)
from spinecare.clinic.clinics import DEMO_CLINIC
from spinecare.clinic.patients import decide_clearance, import_record, request_clearance
from spinecare.kb.loader import KB
from spinecare.record.model import PatientRecord, shift_dates
from spinecare.store.errors import FormError
from spinecare.store.models import PatientRow, User

__all__ = ["DEMO_CLINIC", "DEMO_USERS", "DemoLogin", "demo_records", "seed_demo"]

DEMO_USERS = (
    ("admin", "admin", "Ольга Иванова"),
    ("therapist", "therapist", "Анна Смирнова"),
    ("physician", "physician", "Иван Петров"),
    ("patient", "patient", "Елена Соколова"),  # the account of the record demo-sokolova
)
DEMO_PATIENT_USER = "demo-sokolova"
"""The demo patient account sees this patient's record."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str


def demo_records(kb: KB, today: date) -> list[tuple[Path, PatientRecord]]:
    """The demo patients as the demo clinic holds them on ``today``: every date moved by
    the same number of days, so that the latest fact of any demo file falls on ``today``
    (the files are dated 2026-11-20; the stories they tell stay true on any day)."""
    from spinecare.core import load_record
    from spinecare.demo import demo_files

    records = [(path, load_record(path, kb, name=path.name)) for path in demo_files()]
    latest = max(
        (d for _, r in records for d in _dates(r)),
        default=today,
    )
    return [(path, shift_dates(record, today - latest)) for path, record in records]


def _dates(record: PatientRecord) -> list[date]:
    out = [o.when for o in record.observations]
    out += [a.when for a in record.answers if a.when is not None]
    return out


def seed_demo(
    session: Session, kb: KB, *, passwords: dict[str, str] | None = None
) -> list[DemoLogin]:
    """Create (or refresh) the demo clinic; returns the logins with their new passwords.

    The demo patients are loaded once, through :func:`spinecare.core.load_record`, dated
    as of the day they are loaded (:func:`demo_records`); the users' passwords are set
    afresh on every call (random unless ``passwords`` is given).
    """
    clinic = get_or_create_clinic(session, DEMO_CLINIC)
    count = (
        session.scalar(select(func.count(PatientRow.id)).where(PatientRow.clinic_id == clinic.id))
        or 0
    )
    staff = session.scalar(select(User).where(User.username == "therapist"))
    if staff is None:
        staff = create_user(
            session,
            clinic=clinic,
            username="therapist",
            password=secrets.token_urlsafe(12),
            role="therapist",
            full_name="Анна Смирнова",
        )
    loaded: list[tuple[int, PatientRecord]] = []
    if count == 0:
        for _path, record in demo_records(kb, date.today()):
            days = [o.when for o in record.observations]
            imported = import_record(
                session,
                current_user(session, staff),
                record,
                label="demonstration record",
                source="demo",
                day=max(days) if days else date.today(),
            )
            loaded.append((imported.id, record))
    logins: list[DemoLogin] = []
    for username, role, full_name in DEMO_USERS:
        password = (passwords or {}).get(username) or secrets.token_urlsafe(9)
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            patient = None
            if role == "patient":
                patient = session.scalar(
                    select(PatientRow).where(
                        PatientRow.clinic_id == clinic.id,
                        PatientRow.external_id == DEMO_PATIENT_USER,
                    )
                )
            create_user(
                session,
                clinic=clinic,
                username=username,
                password=password,
                role=role,
                full_name=full_name,
                patient=patient,
            )
        else:
            # the password printed for this start, as it is: not a one-time password left
            # by an administrator's reset before the restart
            user.password_hash = hash_password(password)
            user.must_change_password = False
            user.password_expires_at = None
            user.failed_logins = 0
            user.locked_until = None
        logins.append(DemoLogin(username, role, password))
    session.flush()
    for patient_id, record in loaded:
        _decide_documents(session, kb, staff, patient_id, record)
    return logins


def _decide_documents(
    session: Session, kb: KB, staff: User, patient_id: int, record: PatientRecord
) -> None:
    """The demo physician decides the clearances a demo file records from a physician's
    letter, as a clinic does: the therapist asks, the physician decides (an imported
    file's clearance counts only then, docs/intake.md "Clearances in the clinic")."""
    doctor = session.scalar(select(User).where(User.username == "physician"))
    if doctor is None:
        return
    for k in record.clearances:
        try:
            request = request_clearance(
                session,
                current_user(session, staff),
                patient_id,
                physician_id=doctor.id,
                concepts=list(k.concepts),
                message=f"Letter: {k.by}." if k.by else "",
                kb=kb,
                as_of=date.today(),
            )
        except FormError:  # nothing of it to clear now: the page shows the letter's words
            continue
        decide_clearance(
            session,
            current_user(session, doctor),
            request.id,
            decision=k.decision,
            note=k.note or "",
            version=request.version,
            day=k.when,
        )
