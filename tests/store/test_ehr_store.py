"""The EHR integration's tables, on SQLite and PostgreSQL: patients' ids within EHRs, the
CDS Hooks JWT ids already seen and what a SMART launch did not read."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import func, select


def _open(target):
    from spinecare.store.db import open_database

    url, schema = target
    return open_database(url, schema=schema)


def _patient(session, clinic_name: str, external_id: str):
    from spinecare.clinic.accounts import get_or_create_clinic
    from spinecare.clinic.patients import now
    from spinecare.store.models import PatientRow

    clinic = get_or_create_clinic(session, clinic_name)
    patient = PatientRow(
        clinic_id=clinic.id,
        external_id=external_id,
        name=f"Patient {external_id}",
        birth_date=date(1970, 1, 1),
        created_at=now(),
        updated_at=now(),
    )
    session.add(patient)
    session.flush()
    return patient


def test_ehr_ids_find_the_patient_never_a_row_id(db_target) -> None:
    from spinecare.store.ehr import find_ehr_patient, link_ehr_patient

    db = _open(db_target)
    try:
        with db.session() as session:
            rows = [_patient(session, "Clinic A", f"P{i}") for i in range(1, 5)]
            target = rows[0]
            # the EHR's patient "3" is spinecare's first patient, not spinecare's row 3
            assert link_ehr_patient(session, target, "https://EHR.example.org/fhir/", "3")
        with db.session() as session:
            assert find_ehr_patient(session, ["https://ehr.example.org/fhir"], "3") == target.id
            assert rows[2].id == 3 and target.id != 3  # spinecare's row 3 is someone else
            assert find_ehr_patient(session, ["https://other-ehr.example.org/fhir"], "3") is None
            assert find_ehr_patient(session, ["https://ehr.example.org/fhir"], "4") is None
    finally:
        db.dispose()


def test_one_ehr_id_names_one_patient_per_clinic(db_target) -> None:
    from spinecare.store.ehr import find_ehr_patient, link_ehr_patient

    system = "https://ehr.example.org/fhir"
    db = _open(db_target)
    try:
        with db.session() as session:
            first = _patient(session, "Clinic A", "A1")
            other = _patient(session, "Clinic A", "A2")
            assert link_ehr_patient(session, first, system, "7")
            assert link_ehr_patient(session, first, system, "7")  # again: no change
            assert not link_ehr_patient(session, other, system, "7")  # taken in the clinic
            assert find_ehr_patient(session, [system], "7") == first.id
            # a second clinic's patient with the same EHR id: the link would be a guess
            elsewhere = _patient(session, "Clinic B", "B1")
            assert link_ehr_patient(session, elsewhere, system, "7")
            assert find_ehr_patient(session, [system], "7") is None
    finally:
        db.dispose()


def test_the_latest_launch_of_each_ehr_names_what_it_did_not_read(db_target) -> None:
    """What a SMART launch's import did not read is kept with it and named until a later
    launch from the same EHR reads it; other intakes neither name nor clear a kind, and
    one EHR's full read says nothing of another's."""
    from spinecare.clinic.patients import now
    from spinecare.record.model import Patient, PatientRecord
    from spinecare.store.records import not_read_of, store_record

    a, b = "https://ehr-a.example.org/fhir", "https://ehr-b.example.org/fhir"
    db = _open(db_target)
    try:
        with db.session() as session:
            patient = _patient(session, "Clinic A", "A1")
            patient_id = patient.id
            assert not_read_of(session, patient_id) == []

            def then(not_read=None, source="fhir"):
                record = PatientRecord(Patient(id="A1"))
                day = date(2026, 12, 5)
                store_record(
                    session, patient, record, day=day, source=source, now=now(), not_read=not_read
                )
                return not_read_of(session, patient_id)

            assert then((a, ["Flag", "DocumentReference"])) == ["Flag", "DocumentReference"]
            assert then(source="form") == ["Flag", "DocumentReference"]
            assert then(source="fhir") == ["Flag", "DocumentReference"]  # an uploaded file
        with db.session() as session:  # kept
            assert not_read_of(session, patient_id) == ["Flag", "DocumentReference"]
            patient = session.get(type(patient), patient_id)
            # the same EHR (its address written otherwise) gave the alerts this time
            assert then(("https://EHR-A.example.org/fhir/", ["DocumentReference"])) == [
                "DocumentReference"
            ]
            assert then((b, [])) == ["DocumentReference"]
            assert then((b, ["Claim"])) == ["Claim", "DocumentReference"]
            assert then((a, [])) == ["Claim"]
            assert then((b, [])) == []
        with db.session() as session:
            assert not_read_of(session, patient_id) == []
    finally:
        db.dispose()


def test_seen_tokens_refuse_a_replay_from_any_worker(db_target) -> None:
    from spinecare.store.db import open_database
    from spinecare.store.ehr import SeenTokens
    from spinecare.store.models import SeenToken

    db = _open(db_target)
    url, schema = db_target
    other = open_database(url, schema=schema)  # a second worker: its own engine and pool
    try:
        now = time.time()
        first, second = SeenTokens(db), SeenTokens(other)
        assert first.check_and_add("https://ehr.example.org", "j-1", now + 60, now)
        assert not second.check_and_add("https://ehr.example.org", "j-1", now + 60, now)
        assert second.check_and_add("https://other.example.org", "j-1", now + 60, now)
        # expired rows are pruned as new tokens arrive
        pruning = SeenTokens(db, prune_every=1)
        assert pruning.check_and_add("https://ehr.example.org", "j-2", now + 60, now + 3600)
        with db.session() as session:
            assert session.scalar(select(func.count()).select_from(SeenToken)) == 1
    finally:
        other.dispose()
        db.dispose()


def test_ehr_ids_in_a_bundle_come_from_absolute_patient_urls() -> None:
    from spinecare.store.ehr import ehr_ids_in_bundle

    bundle = {
        "resourceType": "Bundle",
        "entry": [
            {
                "fullUrl": "https://EHR.example.org/fhir/Patient/3",
                "resource": {"resourceType": "Patient", "id": "3"},
            },
            {
                "fullUrl": "urn:uuid:5b8c6c47-6d0c-4b8e-9d1b-1ad3c0ef6c11",
                "resource": {"resourceType": "Patient", "id": "x"},
            },
            {
                "fullUrl": "https://ehr.example.org/fhir/Patient/4",
                "resource": {"resourceType": "Patient", "id": "5"},  # disagrees: not used
            },
            {
                "fullUrl": "https://ehr.example.org/fhir/Condition/9",
                "resource": {"resourceType": "Condition", "id": "9"},
            },
        ],
    }
    assert ehr_ids_in_bundle(bundle) == [("https://ehr.example.org/fhir", "3")]
    assert ehr_ids_in_bundle({"resourceType": "Patient"}) == []
    assert ehr_ids_in_bundle([1, 2]) == []
