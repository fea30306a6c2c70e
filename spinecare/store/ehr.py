"""What the EHR integration keeps: patients' ids within EHRs, and the CDS Hooks JWT ids
already seen.

An EHR is named by a *system*: its FHIR base URL (``https://ehr.example.org/fhir``,
normalised: no trailing slash, scheme and host in lower case) or, when a call names no
FHIR server, its CDS Hooks JWT issuer. ``(system, value)`` names one Patient resource in
one EHR; :func:`find_ehr_patient` gives the spinecare patient stored with it, so a CDS
Hooks card links to the right person and never to a row id that happens to equal the
EHR's id.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from spinecare.store.db import Database
from spinecare.store.models import PatientIdentifier, PatientRow, SeenToken, as_utc

__all__ = [
    "SeenTokens",
    "clinic_ehr_patient",
    "ehr_ids_in_bundle",
    "find_ehr_patient",
    "free_external_id",
    "link_ehr_patient",
    "normalize_system",
]

MAX_SYSTEM = 500
MAX_VALUE = 200


def normalize_system(url: str) -> str:
    """An EHR's name from its FHIR base URL or issuer: scheme and host lower-cased, no
    trailing slash, no query or fragment."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:  # not a URL ("http://[::1/fhir"): as written, never the same as one
        return text.rstrip("/")
    if not parts.scheme or not parts.netloc:
        return text.rstrip("/")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def ehr_ids_in_bundle(data: Any) -> list[tuple[str, str]]:
    """``(system, id)`` of each Patient in a Bundle whose ``fullUrl`` is the resource's
    absolute URL on a FHIR server (``https://ehr.example.org/fhir/Patient/123``): what an
    EHR's export says about where the patient lives."""
    if not isinstance(data, Mapping) or data.get("resourceType") != "Bundle":
        return []
    entries = data.get("entry")
    out: list[tuple[str, str]] = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, Mapping):
            continue
        resource = entry.get("resource")
        full_url = entry.get("fullUrl")
        if not (isinstance(resource, Mapping) and resource.get("resourceType") == "Patient"):
            continue
        if not isinstance(full_url, str) or not full_url.startswith(("https://", "http://")):
            continue
        base, sep, rid = full_url.rstrip("/").rpartition("/Patient/")
        rid = rid.split("/_history/")[0]
        if not sep or not rid or "/" in rid or resource.get("id") not in (None, rid):
            continue
        pair = (normalize_system(base), rid)
        if pair not in out and len(pair[0]) <= MAX_SYSTEM and len(rid) <= MAX_VALUE:
            out.append(pair)
    return out


def link_ehr_patient(session: Session, patient: PatientRow, system: str, value: str) -> bool:
    """Store that ``patient`` is ``value`` in the EHR ``system`` (within its clinic). False,
    and nothing changed, if the clinic already has another patient with that id there."""
    system = normalize_system(system)
    if not system or not value or len(system) > MAX_SYSTEM or len(value) > MAX_VALUE:
        return False
    existing = session.scalar(
        select(PatientIdentifier).where(
            PatientIdentifier.clinic_id == patient.clinic_id,
            PatientIdentifier.system == system,
            PatientIdentifier.value == value,
        )
    )
    if existing is not None:
        return existing.patient_id == patient.id
    session.add(
        PatientIdentifier(
            patient_id=patient.id,
            clinic_id=patient.clinic_id,
            system=system,
            value=value,
            created_at=datetime.now(UTC),
        )
    )
    session.flush()
    return True


def find_ehr_patient(session: Session, systems: Iterable[str], value: str) -> int | None:
    """The spinecare patient stored as ``value`` in one of the EHR ``systems``; None when
    none is, or when several clinics' patients are (the link would be a guess)."""
    names = {normalize_system(s) for s in systems if s}
    if not names or not value:
        return None
    found = set(
        session.scalars(
            select(PatientIdentifier.patient_id).where(
                PatientIdentifier.system.in_(names), PatientIdentifier.value == value
            )
        )
    )
    return found.pop() if len(found) == 1 else None


def clinic_ehr_patient(
    session: Session, clinic_id: int, system: str, value: str
) -> PatientRow | None:
    """The clinic's patient stored as ``value`` in the EHR ``system``."""
    return session.scalar(
        select(PatientRow)
        .join(PatientIdentifier, PatientIdentifier.patient_id == PatientRow.id)
        .where(
            PatientIdentifier.clinic_id == clinic_id,
            PatientIdentifier.system == normalize_system(system),
            PatientIdentifier.value == value,
        )
    )


def free_external_id(session: Session, clinic_id: int, value: str, system: str) -> str:
    """An external id for a new patient from an EHR: the EHR's id when no patient of the
    clinic has it, else the id qualified by the EHR's host (``3@ehr.example.org``)."""
    host = urlsplit(system).hostname or "ehr"
    for candidate in (value[:100], f"{value}@{host}"[:100]):
        taken = session.scalar(
            select(PatientRow.id).where(
                PatientRow.clinic_id == clinic_id, PatientRow.external_id == candidate
            )
        )
        if taken is None:
            return candidate
    return f"{value}@{host}#{secrets.token_hex(4)}"[:100]


class SeenTokens:
    """CDS Hooks JWT ids already accepted, in the database: every worker of every app
    instance on the database sees the same set. Rows are kept until the token expires
    and pruned as new ones arrive."""

    def __init__(self, db: Database, prune_every: int = 200) -> None:
        self.db = db
        self.prune_every = prune_every

    @staticmethod
    def _key(iss: str, jti: str) -> str:
        return hashlib.sha256(f"{iss}\x00{jti}".encode()).hexdigest()

    def check_and_add(self, iss: str, jti: str, expires: float, now: float) -> bool:
        """True if new (and now remembered); False if a replay."""
        key = self._key(iss, jti)
        moment = datetime.fromtimestamp(now, UTC)
        try:
            with self.db.session() as session:
                if random.randrange(self.prune_every) == 0:
                    session.execute(delete(SeenToken).where(SeenToken.expires_at < moment))
                row = session.get(SeenToken, key)
                if row is not None:
                    if as_utc(row.expires_at) >= moment:
                        return False
                    row.expires_at = datetime.fromtimestamp(expires, UTC)
                else:
                    session.add(SeenToken(key=key, expires_at=datetime.fromtimestamp(expires, UTC)))
                session.flush()
        except IntegrityError:
            return False  # another worker stored it first
        return True
