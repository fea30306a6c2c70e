"""Migrations, records round trip, versions and the audit log, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select, text

AS_OF = date(2026, 11, 20)


def _open(target, **kwargs):
    from spinecare.store.db import open_database

    url, schema = target
    return open_database(url, schema=schema, **kwargs)


def _staff(session, clinic_name="Clinic A", username="anna"):
    """A therapist of the clinic, as the adapters hold the signed-in user."""
    from spinecare.clinic.accounts import create_user, current_user, get_or_create_clinic

    clinic = get_or_create_clinic(session, clinic_name)
    row = create_user(
        session, clinic=clinic, username=username, password="store-pass-1", role="therapist"
    )
    return current_user(session, row)


def test_migrations_reach_head_and_match_the_models(db_target) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from spinecare.store.db import HEAD, schema_revision
    from spinecare.store.models import Base

    db = _open(db_target)
    try:
        assert schema_revision(db.engine) == HEAD
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
        _open(db_target).dispose()  # running them again is a no-op
    finally:
        db.dispose()


def _old_patient(connection) -> None:
    """A clinic and a patient, as a database of an older version holds them."""
    connection.execute(
        text("INSERT INTO clinics (id, name, created_at) VALUES (1, 'Old', CURRENT_TIMESTAMP)")
    )
    connection.execute(
        text(
            "INSERT INTO patients (id, clinic_id, external_id, name, version, created_at, "
            "updated_at) VALUES (1, 1, 'old-1', 'Old Patient', 1, CURRENT_TIMESTAMP, "
            "CURRENT_TIMESTAMP)"
        )
    )


def test_older_database_upgrades_in_place(db_target) -> None:
    from spinecare.store.db import HEAD, make_engine, migrate, schema_revision

    url, schema = db_target
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine, "0001")
        assert schema_revision(engine) == "0001"
        with engine.begin() as connection:
            _old_patient(connection)
        migrate(engine)
        assert schema_revision(engine) == HEAD
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM patients")).scalar() == "Old Patient"
            assert connection.execute(text("SELECT count(*) FROM clearance_requests")).scalar() == 0
    finally:
        engine.dispose()


def test_a_database_set_up_by_a_newer_version_is_refused_and_left_as_it_is(db_target) -> None:
    from spinecare.errors import InputError
    from spinecare.i18n import translate
    from spinecare.store.db import open_database, schema_revision

    url, schema = db_target
    db = _open(db_target)
    table = f"{schema}.alembic_version" if schema else "alembic_version"
    with db.engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET version_num = '0099_from_the_future'"))
    db.dispose()
    with pytest.raises(InputError) as refused:
        open_database(url, schema=schema)
    assert "newer version of spinecare" in refused.value.one_line()
    assert "0099" not in translate(refused.value.message, "ru")
    assert "более новой версией" in translate(refused.value.message, "ru")
    db = _open(db_target, run_migrations=False)
    try:
        assert schema_revision(db.engine) == "0099_from_the_future"
    finally:
        db.dispose()


def test_demo_records_round_trip_to_the_same_screening(db_target, kb) -> None:
    from spinecare.clinic.patients import import_record
    from spinecare.core import load_record
    from spinecare.demo import demo_files
    from spinecare.engine.screening import screen_record
    from spinecare.store.records import record_of

    db = _open(db_target)
    try:
        with db.session() as session:
            staff = _staff(session)
            for path in demo_files():
                record = load_record(path, kb)
                patient = import_record(session, staff, record, label=path.name)
                stored = record_of(session, patient)
                # a file's clearance, imported by staff, is held as the document says it
                # until a physician of the clinic decides (docs/intake.md)
                held = [replace(k, confirmed=False) for k in record.clearances]
                assert stored.clearances == held, path.name
                record = replace(record, clearances=held)
                want = screen_record(record, kb, AS_OF).to_json()
                got = screen_record(stored, kb, AS_OF).to_json()
                for key in ("verdict", "indicated", "indications", "missing"):
                    assert got[key] == want[key], (path.name, key)
                assert [(f["rule"], f["certainty"]) for f in got["findings"]] == [
                    (f["rule"], f["certainty"]) for f in want["findings"]
                ]
    finally:
        db.dispose()


def test_concurrent_edits_conflict(db_target) -> None:
    from spinecare.clinic.patients import PatientInput, create_patient, update_patient
    from spinecare.store.errors import VersionConflict

    db = _open(db_target)
    try:
        with db.session() as session:
            staff = _staff(session)
            patient = create_patient(session, staff, PatientInput(name="Shared"))
            pid, version, staff_id = patient.id, patient.version, staff.id
        from spinecare.store.models import User

        with db.session() as first:
            update_patient(first, first.get(User, staff_id), pid, PatientInput(name="One"), version)
        with pytest.raises(VersionConflict), db.session() as second:
            update_patient(
                second, second.get(User, staff_id), pid, PatientInput(name="Two"), version
            )
        with db.session() as session:
            from spinecare.store.models import PatientRow

            assert session.get(PatientRow, pid).name == "One"
    finally:
        db.dispose()


def test_clinic_scoping(db_target) -> None:
    from spinecare.clinic.patients import PatientInput, create_patient, get_patient, list_patients
    from spinecare.errors import NotFoundError

    db = _open(db_target)
    try:
        with db.session() as session:
            a = _staff(session, "Clinic A", "anna")
            b = _staff(session, "Clinic B", "boris")
            pa = create_patient(session, a, PatientInput(name="Alpha"))
            create_patient(session, b, PatientInput(name="Beta"))
            rows, total = list_patients(session, a)
            assert [r.name for r in rows] == ["Alpha"] and total == 1
            with pytest.raises(NotFoundError):
                get_patient(session, b, pa.id)
    finally:
        db.dispose()


def test_audit_log_is_append_only(db_target) -> None:
    from sqlalchemy.exc import DatabaseError

    from spinecare.clinic.audit import record as audit
    from spinecare.store.models import AuditEntry

    db = _open(db_target)
    try:
        with db.session() as session:
            audit(session, _staff(session), "read", "patient", "1", patient_id=1)
        for statement in ("UPDATE audit_log SET action = 'edited'", "DELETE FROM audit_log"):
            with pytest.raises(DatabaseError), db.engine.begin() as connection:
                connection.execute(text(statement))
        with db.session() as session:
            assert session.scalars(select(AuditEntry.action)).all() == ["read"]
    finally:
        db.dispose()


def test_no_account_is_locked_by_failures(db_target) -> None:
    from spinecare.clinic.accounts import authenticate

    db = _open(db_target)
    try:
        with db.session() as session:
            _staff(session)
        for _ in range(20):
            with db.session() as session:
                assert authenticate(session, "anna", "wrong") is None
        with db.session() as session:
            assert authenticate(session, "anna", "store-pass-1") is not None
    finally:
        db.dispose()


def test_sqlite_uses_wal(tmp_path) -> None:
    from spinecare.store.db import open_database

    db = open_database(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    try:
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        db.dispose()


def test_a_reading_set_aside_keeps_its_reason_in_every_language(db_target, kb) -> None:
    """The reason is stored as a message (id and parameters): read back, it is shown in
    the reader's language, its value with the unit as that language writes it; a row
    stored before (English text only) is still read."""
    from spinecare.clinic.patients import import_record
    from spinecare.i18n import translate
    from spinecare.messages import Message, Quantity
    from spinecare.record.model import Ignored, Patient, PatientRecord
    from spinecare.store.models import ObservationRow
    from spinecare.store.records import record_of

    reason = Message("%(value)s is not a plausible value", value=Quantity(400.0, "mm[Hg]"))
    record = PatientRecord(patient=Patient(id="p-set-aside"), source="bundle.json")
    # dated only by a month: its first and last day are kept
    november = (date(2026, 11, 1), date(2026, 11, 30))
    record.ignored.append(Ignored("Observation/bp", reason, "systolic_bp", *november))
    db = _open(db_target)
    try:
        with db.session() as session:
            patient = import_record(session, _staff(session), record, label="bundle.json")
            (stored,) = record_of(session, patient).ignored
            assert (stored.ref, stored.measure, stored.reason) == (
                "Observation/bp",
                "systolic_bp",
                "400 mm Hg is not a plausible value",
            )
            assert (stored.when, stored.last) == november
            assert translate(stored.reason, "ru") == translate(reason, "ru")
            assert "мм рт. ст." in translate(stored.reason, "ru")
            assert "plausible" not in translate(stored.reason, "ru")
            # a row stored before the message was kept: its English text
            session.execute(
                ObservationRow.__table__.update()
                .where(ObservationRow.patient_id == patient.id)
                .values(reason=None)
            )
            (old,) = record_of(session, patient).ignored
            assert old.reason == "400 mm Hg is not a plausible value"
    finally:
        db.dispose()


def test_readings_stored_before_keep_their_order_where_the_clinic_entered_them(db_target) -> None:
    from spinecare.store.db import make_engine, migrate

    url, schema = db_target
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine, "0011_patient_verdicts")
        with engine.begin() as connection:
            _old_patient(connection)
            for intake, source in ((1, "form"), (2, "fhir"), (3, "file"), (4, "demo")):
                connection.execute(
                    text(
                        "INSERT INTO intakes (id, patient_id, day, source, created_at)"
                        " VALUES (:id, 1, '2026-11-19', :source, CURRENT_TIMESTAMP)"
                    ),
                    {"id": intake, "source": source},
                )
                connection.execute(
                    text(
                        "INSERT INTO observations (id, ref, patient_id, intake_id, measure, value,"
                        " unit, day) VALUES (:id, :ref, 1, :id, 'systolic_bp', 120, 'mm[Hg]',"
                        " '2026-11-19')"
                    ),
                    {"id": intake, "ref": f"r{intake}"},
                )
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT ref, in_order, instant FROM observations ORDER BY id")
            ).all()
        # the clinic's own entries keep their order; a FHIR reading's time was not kept
        assert [(ref, bool(in_order), instant) for ref, in_order, instant in rows] == [
            ("r1", True, None),
            ("r2", False, None),
            ("r3", True, None),
            ("r4", True, None),
        ]
    finally:
        engine.dispose()


def test_readings_round_trip_with_their_time_and_order(db_target, kb) -> None:
    from spinecare.clinic.patients import import_record
    from spinecare.record.model import Observation, Patient, PatientRecord
    from spinecare.store.records import record_of

    day = date(2026, 11, 19)
    readings = [
        Observation("a", "systolic_bp", 190, "mm[Hg]", day, instant=1_795_000_000.5),
        Observation("b", "systolic_bp", 120, "mm[Hg]", day),
        Observation("c", "systolic_bp", 130, "mm[Hg]", day, in_order=True),
        # dated only by a month: its first and last day
        Observation("d", "systolic_bp", 190, "mm[Hg]", date(2026, 11, 1), last=date(2026, 11, 30)),
    ]
    record = PatientRecord(Patient("round-trip"), observations=readings)
    db = _open(db_target)
    try:
        with db.session() as session:
            staff = _staff(session)
            patient = import_record(session, staff, record, label="readings")
            stored = record_of(session, patient)
        got = {(o.ref, o.instant, o.in_order, o.last) for o in stored.observations}
        assert got == {
            ("a", 1_795_000_000.5, False, None),
            ("b", None, False, None),
            ("c", None, True, None),
            ("d", None, False, date(2026, 11, 30)),
        }
    finally:
        db.dispose()


def test_answers_round_trip_with_the_last_day_of_a_month(db_target, kb) -> None:
    from spinecare.clinic.patients import import_record
    from spinecare.record.model import Answer, Patient, PatientRecord
    from spinecare.store.records import record_of

    answers = [
        # dated only by a month: its first and last day
        Answer("a", "saddle_anaesthesia", True, date(2026, 11, 1), date(2026, 11, 30)),
        Answer("b", "saddle_anaesthesia", False, date(2026, 11, 10)),
    ]
    record = PatientRecord(Patient("answers"), answers=answers)
    db = _open(db_target)
    try:
        with db.session() as session:
            patient = import_record(session, _staff(session), record, label="answers")
            stored = record_of(session, patient)
        got = {(a.ref, a.when, a.last) for a in stored.answers}
        assert got == {
            ("a", date(2026, 11, 1), date(2026, 11, 30)),
            ("b", date(2026, 11, 10), None),
        }
    finally:
        db.dispose()


def test_clearances_stored_before_from_files_are_held_until_a_physician_decides(
    tmp_path,
) -> None:
    """Migration 0014: a clearance stored from an imported file (no request) is held as
    the document says it; one a physician decided in the clinic stays in force."""
    from spinecare.store.db import make_engine, migrate

    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    migrate(engine, "0013_fact_text")
    with engine.begin() as c:
        c.execute(text("INSERT INTO clinics (id, name, created_at) VALUES (1, 'c', '2026-01-01')"))
        c.execute(
            text(
                "INSERT INTO patients (id, clinic_id, external_id, name, created_at, "
                "updated_at, version) VALUES (1, 1, 'p', 'P', '2026-01-01', '2026-01-01', 1)"
            )
        )
        c.execute(
            text(
                "INSERT INTO intakes (id, patient_id, day, source, created_at) "
                "VALUES (1, 1, '2026-11-20', 'file', '2026-11-20')"
            )
        )
        for rid, intake in ((1, "1"), (2, "NULL")):
            request = "NULL" if intake == "1" else "7"
            c.execute(
                text(
                    "INSERT INTO clearances (id, ref, patient_id, intake_id, request_id, "
                    f"concepts, decision) VALUES ({rid}, 'k{rid}', 1, {intake}, {request}, "
                    "'[\"disc_herniation\"]', 'cleared')"
                )
            )
        c.execute(
            text(
                "INSERT INTO patient_verdicts (patient_id, stamp, verdict) VALUES (1, 1, 'allowed')"
            )
        )
    migrate(engine)
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, confirmed FROM clearances ORDER BY id")).all()
        verdict = c.scalar(text("SELECT verdict FROM patient_verdicts"))
    engine.dispose()
    assert [(i, bool(v)) for i, v in rows] == [(1, False), (2, True)]
    assert verdict is None


def test_sign_ins_open_at_the_upgrade_get_the_idle_limit_and_api_tokens_do_not(db_target) -> None:
    """Sessions open when the idle limit arrives count as used at the upgrade, with the
    default 60 minutes; a personal API token (days long) keeps no idle limit; a session
    already over keeps nothing."""
    from datetime import UTC, datetime, timedelta

    from spinecare.store.db import make_engine, migrate

    url, schema = db_target
    engine = make_engine(url, schema=schema)
    now = datetime.now(UTC)
    try:
        migrate(engine, "0022_clinic_contacts")
        with engine.begin() as connection:
            _old_patient(connection)
            connection.execute(
                text(
                    "INSERT INTO users (id, clinic_id, username, full_name, role, password_hash,"
                    " active, failed_logins, created_at, must_change_password, username_key)"
                    " VALUES (1, 1, 'anna', 'Anna', 'therapist', 'hash', :yes, 0,"
                    " CURRENT_TIMESTAMP, :no, 'anna')"
                ),
                {"yes": True, "no": False},
            )
            for row_id, began, lasts in (
                (1, now - timedelta(hours=2), timedelta(hours=12)),  # a sign-in
                (2, now - timedelta(days=3), timedelta(days=90)),  # an API token
                (3, now - timedelta(hours=13), timedelta(hours=12)),  # a sign-in over
            ):
                connection.execute(
                    text(
                        "INSERT INTO login_sessions (id, token_hash, user_id, created_at,"
                        " expires_at) VALUES (:id, :hash, 1, :began, :ends)"
                    ),
                    {"id": row_id, "hash": f"{row_id:064d}", "began": began, "ends": began + lasts},
                )
        migrate(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, last_seen_at, idle_minutes FROM login_sessions ORDER BY id")
            ).all()
        assert [(row[0], row[1] is not None, row[2]) for row in rows] == [
            (1, True, 60),
            (2, False, None),
            (3, False, None),
        ]
    finally:
        engine.dispose()
