"""The clinic layer's own checks, on SQLite and PostgreSQL, without a web request: the
use cases the pages and the CLI call decide who may act (role and clinic) and record it,
whatever adapter calls them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select


def _open(target):
    from spinecare.store.db import open_database

    url, schema = target
    return open_database(url, schema=schema)


def _people(session):
    """Clinic A (an admin, a therapist, a physician, a patient with an account) and
    clinic B (an admin, a patient): the accounts as the adapters hold the signed-in user."""
    from spinecare.clinic.accounts import create_user, current_user, get_or_create_clinic
    from spinecare.clinic.patients import now
    from spinecare.store.models import PatientRow

    a = get_or_create_clinic(session, "Clinic A")
    b = get_or_create_clinic(session, "Clinic B")
    rows = {}
    for clinic, ext, name in ((a, "pa", "Alla Ivanova"), (b, "pb", "Boris Belov")):
        rows[ext] = PatientRow(
            clinic_id=clinic.id,
            external_id=ext,
            name=name,
            birth_date=date(1970, 1, 1),
            created_at=now(),
            updated_at=now(),
        )
        session.add(rows[ext])
    session.flush()

    def user(clinic, username, role, patient=None):
        row = create_user(
            session,
            clinic=clinic,
            username=username,
            password=f"{username}-pass-1",
            role=role,
            patient=patient,
        )
        return current_user(session, row)

    return {
        "boss": user(a, "boss", "admin"),
        "anna": user(a, "anna", "therapist"),
        "doc": user(a, "doc", "physician"),
        "alla": user(a, "alla", "patient", rows["pa"]),
        "other": user(b, "other", "admin"),
        "pa": rows["pa"],
        "pb": rows["pb"],
    }


def _actions(session, clinic_id: int) -> list[tuple[str, str, str | None]]:
    from spinecare.store.models import AuditEntry

    rows = session.execute(
        select(AuditEntry.username, AuditEntry.action, AuditEntry.entity_id)
        .where(AuditEntry.clinic_id == clinic_id)
        .order_by(AuditEntry.id)
    )
    return [tuple(r) for r in rows]


def test_accounts_are_the_admins_of_their_own_clinic(db_target) -> None:
    from spinecare.clinic import AccessDenied, FormError
    from spinecare.clinic import users as accounts
    from spinecare.errors import NotFoundError

    db = _open(db_target)
    try:
        with db.session() as session:
            p = _people(session)
            boss, anna, other = p["boss"], p["anna"], p["other"]
            for who in ("anna", "doc", "alla"):
                with pytest.raises(AccessDenied):
                    accounts.clinic_users(session, p[who])
                with pytest.raises(AccessDenied):
                    accounts.add_user(
                        session, p[who], username="x1", password="x-pass-12", role="therapist",
                        full_name=None, patient_id=None,
                    )  # fmt: skip
            with pytest.raises(NotFoundError):  # another clinic's user is not found
                accounts.clinic_user(session, other, anna.id)
            with pytest.raises(FormError) as caught:  # another clinic's patient is no choice
                accounts.add_user(
                    session, boss, username="bp", password="bp-pass-123", role="patient",
                    full_name=None, patient_id=p["pb"].id,
                )  # fmt: skip
            assert set(caught.value.errors) == {"patient"}
            made = accounts.add_user(
                session, boss, username="vera", password="vera-pass-1", role="therapist",
                full_name="Vera", patient_id=None,
            )  # fmt: skip
            listed = accounts.clinic_users(session, boss)
            assert [u.username for u in listed] == ["alla", "anna", "boss", "doc", "vera"]
            alla = next(u for u in listed if u.username == "alla")
            assert (alla.patient_id, alla.patient_name) == (p["pa"].id, "Alla Ivanova")
            assert accounts.clinic_patient_names(session, boss) == {p["pa"].id: "Alla Ivanova"}
            edited = accounts.edit_user(
                session, boss, made.id, full_name="Vera P", role="physician", language="ru",
                patient_id=None,
            )  # fmt: skip
            assert (edited.full_name, edited.role, edited.language) == ("Vera P", "physician", "ru")
            assert not accounts.set_active(session, boss, made.id, False).active
            temporary = accounts.reset_user_password(session, boss, made.id, timedelta(hours=1))
            assert temporary and accounts.clinic_user(session, boss, made.id).must_change_password
            clinic_a = boss.clinic_id
        with db.session() as session:
            made_id = str(made.id)
            assert _actions(session, clinic_a) == [
                ("boss", "create", made_id),
                ("boss", "list", None),  # the list names the patients of patient accounts
                ("boss", "update", made_id),
                ("boss", "deactivate", made_id),
                ("boss", "reset_password", made_id),
            ]
            assert accounts.active_user(session, "vera") is None  # deactivated
            assert accounts.active_user(session, " anna ") is not None
    finally:
        db.dispose()


def test_the_audit_log_is_read_by_the_admin_and_the_reading_is_recorded(db_target) -> None:
    from spinecare.clinic import AccessDenied
    from spinecare.clinic.audit import record
    from spinecare.clinic.audit_log import AuditFilter, export_entries, log_page, patients_found

    db = _open(db_target)
    try:
        with db.session() as session:
            p = _people(session)
            record(session, p["anna"], "read", "patient", str(p["pa"].id), patient_id=p["pa"].id)
            record(session, p["other"], "read", "patient", str(p["pb"].id), patient_id=p["pb"].id)
            ids = {k: p[k].id for k in ("boss", "anna", "doc", "other", "pa", "pb")}
        with db.session() as session:
            from spinecare.store.models import User

            def user(name):
                return session.scalar(select(User).where(User.username == name))

            boss, anna = user("boss"), user("anna")
            with pytest.raises(AccessDenied):
                log_page(session, anna, AuditFilter(), detail="")
            with pytest.raises(AccessDenied):
                patients_found(session, anna, "Alla")
            assert patients_found(session, boss, "alla") == [ids["pa"]]
            assert patients_found(session, boss, "Boris") == []  # another clinic's patient
            page = log_page(session, boss, AuditFilter(limit=10), detail="q=1")
            assert page.total == 1 and page.actions == ["read"]
            entry = page.entries[0]
            assert (entry["user"], entry["patient_id"], entry["user_id"]) == (
                "anna",
                ids["pa"],
                ids["anna"],
            )
            assert page.names.patients == {ids["pa"]: "Alla Ivanova"}
            assert page.names.users[ids["doc"]] == "doc"
            names, rows = export_entries(session, boss, AuditFilter(limit=None), detail="x=1")
            assert [e["user"] for e in rows] == ["anna"]
            assert names.usernames["boss"] == "boss"
        with db.session() as session:
            assert _actions(session, boss.clinic_id)[-2:] == [
                ("boss", "read", None),
                ("boss", "export", None),
            ]
    finally:
        db.dispose()


def test_a_patients_latest_course_is_their_own(db_target) -> None:
    from spinecare.clinic.courses import latest_course_id
    from spinecare.clinic.patients import now
    from spinecare.store.models import CourseRow

    db = _open(db_target)
    try:
        with db.session() as session:
            p = _people(session)
            assert latest_course_id(session, p["alla"]) is None
            courses = []
            for patient in (p["pa"], p["pa"], p["pb"]):
                row = CourseRow(
                    clinic_id=patient.clinic_id,
                    patient_id=patient.id,
                    started_by=p["anna"].id,
                    status="active",
                    needs_physician=False,
                    start=date(2026, 11, 1),
                    data={},
                    created_at=now(),
                    updated_at=now(),
                )
                session.add(row)
                session.flush()
                courses.append(row.id)
            assert latest_course_id(session, p["alla"]) == courses[1]
            assert latest_course_id(session, p["anna"]) is None  # staff have no own course
    finally:
        db.dispose()


def test_a_smart_launch_state_is_used_once_and_the_account_must_be_the_ehrs_clinics(
    db_target,
) -> None:
    from spinecare.clinic import AccessDenied
    from spinecare.clinic.launches import begin_launch, open_ehr_patient, take_launch
    from spinecare.record.model import Patient, PatientRecord

    ttl = timedelta(minutes=10)
    moment = datetime.now(UTC)
    iss = "https://ehr.example.org/fhir"
    db = _open(db_target)
    try:
        with db.session() as session:
            _people(session)
            begin_launch(session, state_hash="old", iss=iss, verifier="v0", moment=moment, ttl=ttl)
        with db.session() as session:
            later = moment + ttl + timedelta(seconds=1)
            begin_launch(session, state_hash="new", iss=iss, verifier="v1", moment=later, ttl=ttl)
        with db.session() as session:
            assert take_launch(session, "old") is None  # forgotten once expired
            found = take_launch(session, "new")
            assert found is not None and found[:2] == (iss, "v1")
            assert found[2].tzinfo is not None
        with db.session() as session:
            assert take_launch(session, "new") is None  # used once
        record = PatientRecord(patient=Patient(id="e-1", name="Eva Launch"))

        def launch(username: str, clinic: str = "Clinic A"):
            with db.session() as session:
                return open_ehr_patient(
                    session,
                    clinic=clinic,
                    iss=iss,
                    username=username,
                    record=record,
                    ehr_patient="e-1",
                    idle=ttl,
                )

        with pytest.raises(AccessDenied):
            launch("boss", clinic="Clinic B")  # the EHR belongs to another clinic
        with pytest.raises(AccessDenied):
            launch("nobody")
        with pytest.raises(AccessDenied):
            launch("doc")  # a physician opens only a patient the clinic already has
        patient_id, token = launch("anna")
        assert token
        with pytest.raises(AccessDenied):
            launch("doc")  # linked now, but a physician sees only the patients referred
        assert launch("anna")[0] == patient_id  # the same patient, never a second one
    finally:
        db.dispose()


def test_launches_under_way_are_capped(db_target, monkeypatch) -> None:
    """However many addresses start launches, at most LIVE_LAUNCHES are kept: the next
    makes room by forgetting the oldest (many addresses filling the table never keep a
    clinician's new launch out, as a 429 for all did), and a launch expired frees its
    place."""
    from spinecare.clinic import launches

    monkeypatch.setattr(launches, "LIVE_LAUNCHES", 3)
    ttl = timedelta(minutes=10)
    moment = datetime.now(UTC)
    db = _open(db_target)
    try:

        def begin(state: str, at: datetime) -> None:
            with db.session() as session:
                launches.begin_launch(
                    session,
                    state_hash=state,
                    iss="https://e/fhir",
                    verifier="v",
                    moment=at,
                    ttl=ttl,
                )

        for n in range(3):
            begin(f"s{n}", moment + timedelta(seconds=n))
        begin("s3", moment + timedelta(minutes=4))  # the oldest, s0, is forgotten
        begin("s4", moment + ttl + timedelta(seconds=1.5))  # s1 expired: room again
        with db.session() as session:
            assert launches.take_launch(session, "s0") is None
            assert launches.take_launch(session, "s1") is None
            for kept in ("s2", "s3", "s4"):
                assert launches.take_launch(session, kept) is not None, kept
    finally:
        db.dispose()


@pytest.mark.parametrize("change", ["role", "active"])
def test_two_admins_cannot_take_the_role_from_each_other_at_once(db_target, change) -> None:
    """Two administrators, each taking the role from (or deactivating) the other at the
    same moment, in two sessions: one change is made, the other refused, and the clinic
    keeps an active administrator (without the clinic's lock both were made)."""
    import threading

    from spinecare.clinic import AccessDenied, FormError
    from spinecare.clinic import users as accounts
    from spinecare.clinic.accounts import current_user
    from spinecare.store.models import User

    db = _open(db_target)
    try:
        with db.session() as session:
            p = _people(session)
            second = accounts.add_user(
                session, p["boss"], username="boss2", password="boss2-pass-1", role="admin",
                full_name="Second", patient_id=None,
            )  # fmt: skip
            pairs = [(p["boss"].id, second.id), (second.id, p["boss"].id)]
            clinic_id = p["boss"].clinic_id
        both_loaded = threading.Barrier(2)
        outcomes: list[str] = []

        def take(actor_id: int, target_id: int) -> None:
            try:
                with db.session() as session:
                    actor = current_user(session, session.get(User, actor_id))
                    target = accounts.clinic_user(session, actor, target_id)
                    both_loaded.wait()  # both have read the other as an administrator
                    if change == "role":
                        accounts.edit_user(
                            session, actor, target_id, full_name=target.full_name,
                            role="therapist", language=None, patient_id=None,
                        )  # fmt: skip
                    else:
                        accounts.set_active(session, actor, target_id, False)
                outcomes.append("changed")
            except (FormError, AccessDenied) as exc:
                outcomes.append(type(exc).__name__)

        threads = [threading.Thread(target=take, args=pair) for pair in pairs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # the second, under the clinic's lock, is no longer an administrator
        assert sorted(outcomes) == ["AccessDenied", "changed"]
        with db.session() as session:
            admins = session.scalars(
                select(User).where(
                    User.clinic_id == clinic_id, User.role == "admin", User.active.is_(True)
                )
            ).all()
            assert len(admins) == 1
    finally:
        db.dispose()


@pytest.mark.parametrize("change", ["role", "active", "patient"])
def test_the_acting_user_is_read_again_from_the_database(db_target, change) -> None:
    """What an adapter holds of the signed-in user is not what the use case decides by:
    a role taken away, an account deactivated or a patient record unlinked since the
    sign-in counts at once."""
    from spinecare.clinic import AccessDenied
    from spinecare.clinic.patients import get_patient
    from spinecare.store.models import User

    db = _open(db_target)
    try:
        with db.session() as session:
            p = _people(session)
            who = p["alla"] if change == "patient" else p["anna"]
            assert get_patient(session, who, p["pa"].id).name == "Alla Ivanova"
            row = session.get(User, who.id)
            if change == "role":
                row.role = "physician"  # refers nobody, reviews nothing
            elif change == "active":
                row.active = False
            else:
                row.patient_id = None
            session.flush()
            with pytest.raises(AccessDenied):
                get_patient(session, who, p["pa"].id)
    finally:
        db.dispose()


def test_the_referral_letter_and_the_diary_are_decided_in_the_permissions(db_target, kb) -> None:
    """Who opens the urgent referral letter, and who writes a course's diary, is decided
    by the clinic layer's one permission check, whatever adapter asks: a patient's account
    is refused the letter even for its own record (before the record is looked up)."""
    from spinecare.clinic.patients import referral_screening
    from spinecare.clinic.permissions import writes_diary
    from spinecare.store.errors import AccessDenied

    db = _open(db_target)
    try:
        with db.session() as session:
            people = _people(session)
            pa, pb = people["pa"].id, people["pb"].id
            day = date(2026, 11, 20)
            letter = referral_screening(session, people["anna"], pa, kb, day)
            assert letter.patient.id == pa
            for patient in (pa, pb, 10**6):
                with pytest.raises(AccessDenied):
                    referral_screening(session, people["alla"], patient, kb, day)
            assert writes_diary(people["alla"], pa)
            assert not writes_diary(people["alla"], pb)
            assert not any(writes_diary(people[who], pa) for who in ("boss", "anna", "doc"))
    finally:
        db.dispose()
