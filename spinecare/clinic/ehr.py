"""What the CDS Hooks service keeps in the clinic's database: the JWT ids already
accepted (shared by every worker), and the patients stored with an EHR's id, which a
card links to. An EHR's call is authenticated by its signed JWT, not by a user."""

from __future__ import annotations

from collections.abc import Sequence

from spinecare.record.model import PatientRecord
from spinecare.store.db import Database
from spinecare.store.ehr import SeenTokens, find_ehr_patient, normalize_system

__all__ = ["SeenTokens", "app_patient_id", "ehr_name", "linked_chart", "seen_tokens"]

ehr_name = normalize_system
"""An EHR's name from its FHIR base URL or issuer (scheme and host in lower case, no
trailing slash), as patients' EHR ids are stored under it."""


def seen_tokens(db: Database) -> SeenTokens:
    """The replay store of CDS Hooks JWT ids in ``db``."""
    return SeenTokens(db)


def app_patient_id(db: Database, systems: Sequence[str], ehr_patient: str) -> int | None:
    """The app's number for the patient stored with this id in one of the EHR ``systems``
    (its FHIR server or JWT issuer), or None: never a guess from the EHR's id alone."""
    with db.session() as session:
        return find_ehr_patient(session, systems, ehr_patient)


def linked_chart(
    db: Database, systems: Sequence[str], ehr_patient: str, record: PatientRecord
) -> tuple[int | None, bool]:
    """:func:`app_patient_id`, checked against the EHR's ``record`` as a SMART launch
    checks the chart it opens (:func:`~spinecare.clinic.patients.another_person`): the
    chart's number, or None and True where the chart stored with the EHR's id is another
    person's (a name or a birth date that cannot be the record's)."""
    from spinecare.clinic.patients import another_person
    from spinecare.store.models import PatientRow

    with db.session() as session:
        found = find_ehr_patient(session, systems, ehr_patient)
        row = session.get(PatientRow, found) if found is not None else None
        if row is not None and another_person(row, record) is not None:
            return None, True
        return found, False
