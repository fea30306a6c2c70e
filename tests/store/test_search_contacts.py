"""Patient search (any script and case, phone, birth date) and contact details, on SQLite
and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text


def _open(target, **kwargs):
    from spinecare.store.db import open_database

    url, schema = target
    return open_database(url, schema=schema, **kwargs)


def _staff(session):
    """A therapist of the clinic, as the adapters hold the signed-in user."""
    from spinecare.clinic.accounts import create_user, current_user, get_or_create_clinic

    clinic = get_or_create_clinic(session, "Clinic A")
    row = create_user(
        session, clinic=clinic, username="anna", password="store-pass-1", role="therapist"
    )
    return current_user(session, row)


PEOPLE = [
    dict(name="Наталья Кузнецова", birth_date="1971-05-02", phone="+7 (912) 345-67-89"),
    dict(name="Margaret Hughes", birth_date="1958-11-30", phone="+44 20 7946 0958"),
    dict(name="Ирина Фёдорова", birth_date="1966-01-15"),
    dict(name="Olga Kuznetsova", birth_date="1980-07-07"),
    dict(name="Юрий Яковлев", birth_date="1949-03-14"),
]


@pytest.fixture
def clinic(db_target):
    from spinecare.clinic.patients import PatientInput, create_patient

    db = _open(db_target)
    with db.session() as session:
        staff = _staff(session)
        for person in PEOPLE:
            create_patient(session, staff, PatientInput(**person))
    yield db
    db.dispose()


def _names(db, q):
    from spinecare.clinic.accounts import current_user
    from spinecare.clinic.patients import list_patients
    from spinecare.store.models import User

    with db.session() as session:
        user = current_user(session, session.query(User).filter_by(username="anna").one())
        rows, total = list_patients(session, user, q=q)
        assert total == len(rows)
        return sorted(r.name for r in rows)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Кузнецова", ["Olga Kuznetsova", "Наталья Кузнецова"]),
        ("кузнец", ["Olga Kuznetsova", "Наталья Кузнецова"]),
        ("КУЗНЕЦ", ["Olga Kuznetsova", "Наталья Кузнецова"]),
        ("KUZN", ["Olga Kuznetsova", "Наталья Кузнецова"]),
        ("наталья", ["Наталья Кузнецова"]),
        ("федоров", ["Ирина Фёдорова"]),  # ё read as е
        ("Fedorova", ["Ирина Фёдорова"]),
        ("yakovlev", ["Юрий Яковлев"]),
        ("iakovlev", ["Юрий Яковлев"]),  # the passport spelling
        ("hughes", ["Margaret Hughes"]),
        ("8 912 345", ["Наталья Кузнецова"]),  # a Russian number dialled with 8
        ("+7912-345-67-89", ["Наталья Кузнецова"]),
        ("7946 0958", ["Margaret Hughes"]),
        ("1966-01-15", ["Ирина Фёдорова"]),
        ("15.01.1966", ["Ирина Фёдорова"]),
        ("30/11/1958", ["Margaret Hughes"]),
        ("100%", []),  # LIKE wildcards are searched as typed
        ("a_b", []),
        ("nobody", []),
    ],
)
def test_search_finds_patients(clinic, query, expected) -> None:
    assert _names(clinic, query) == expected


def test_search_follows_edits(clinic) -> None:
    from spinecare.clinic.patients import PatientInput, update_patient
    from spinecare.store.models import PatientRow, User

    with clinic.session() as session:
        user = session.query(User).filter_by(username="anna").one()
        patient = session.query(PatientRow).filter_by(name="Margaret Hughes").one()
        update_patient(
            session,
            user,
            patient.id,
            PatientInput(name="Маргарет Хьюз", phone="+7 900 000-11-22"),
            patient.version,
        )
    assert _names(clinic, "hughes") == []
    assert _names(clinic, "хьюз") == ["Маргарет Хьюз"]
    assert _names(clinic, "khiuz") == ["Маргарет Хьюз"]
    assert _names(clinic, "8900 000 11 22") == ["Маргарет Хьюз"]


def _upgraded(db_target, revision: str, patient: dict[str, str]) -> tuple[str, str]:
    """The (name, search key) of ``patient`` (columns and values) stored in a database of
    ``revision``, after the upgrade to the newest."""
    from spinecare.store.db import make_engine, migrate

    url, schema = db_target
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine, revision)
        columns = ", ".join(patient)
        values = ", ".join(f":{c}" for c in patient)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clinics (id, name, created_at) "
                    "VALUES (1, 'Old', CURRENT_TIMESTAMP)"
                )
            )
            connection.execute(
                text(
                    f"INSERT INTO patients (id, clinic_id, version, created_at, updated_at, "
                    f"{columns}) VALUES (1, 1, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, {values})"
                ),
                patient,
            )
        migrate(engine)
        with engine.connect() as connection:
            name, key = connection.execute(text("SELECT name, search FROM patients")).one()
        return name, key
    finally:
        engine.dispose()


def test_migration_backfills_the_search_key(db_target) -> None:
    patient = {"external_id": "old-1", "name": "Дмитрий Волков"}
    _, key = _upgraded(db_target, "0003", patient)
    assert "дмитрий волков" in key and "dmitrii volkov" in key and "old-1" in key


NFD_E = "\u0435\u0308"  # е and a combining diaeresis: ё as a decomposed record holds it


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        (f"Ирина Ф{NFD_E}дорова", "фёдорова"),  # decomposed, found as typed
        (f"Ирина Ф{NFD_E}дорова", "федоров"),
        (f"Ирина Ф{NFD_E}дорова", "fedorova"),
        ("Jose\u0301 Garci\u0301a", "josé garcía"),
        ("Ива\u200bнова Анна", "иванова"),  # a zero-width space pasted with the name
        ("\u202eИванова\u202c Анна", "иванова"),  # direction marks
        ("Pe\u00adtrova", "petrova"),  # a soft hyphen
        ("Ｏｌｅｇ Petrov", "oleg"),  # full-width letters
        ("Ива\u034fнова Анна", "иванова"),  # a combining grapheme joiner
        ("Иванова\ufe0f Анна", "иванова"),  # a variation selector
        ("Ива\u3164нова Анна", "иванова"),  # a Hangul filler
        ("Ива\u2800нова Анна", "иванова"),  # a blank braille pattern
        ("Ива\u0007нова Анна", "иванова"),  # a control character
    ],
)
def test_search_finds_a_name_by_what_it_looks_like(db_target, stored, query) -> None:
    """A name stored decomposed or with characters never seen is found as it reads."""
    from spinecare.clinic.patients import PatientInput, create_patient

    db = _open(db_target)
    try:
        with db.session() as session:
            create_patient(session, _staff(session), PatientInput(name=stored))
        assert _names(db, query) == [stored]
    finally:
        db.dispose()


def test_migration_makes_the_search_key_again_from_the_composed_name(db_target) -> None:
    """A patient stored before names were composed for search is found after the upgrade."""
    name = f"Ф{NFD_E}дор Ива\u200bнов"
    old_key = f"|ф{NFD_E}дор ива\u200bнов|old-2|"  # as the version before folded it
    patient = {"external_id": "old-2", "name": name, "search": old_key}
    stored, key = _upgraded(db_target, "0023_session_last_seen", patient)
    assert stored == name  # the name as it came
    assert "|федор иванов|" in key and "fedor ivanov" in key and "old-2" in key


def test_migration_downgrade_makes_the_keys_the_version_before_finds(db_target) -> None:
    """Back at 0023, a full-width or decomposed name is found as that version folds a
    query (``ｏｌｅｇ``, decomposed), as it was before the upgrade."""
    from alembic import command

    from spinecare.store.db import _alembic_config, make_engine

    name = f"Ｏｌｅｇ Ф{NFD_E}доров"
    _upgraded(db_target, "0023_session_last_seen", {"external_id": "old-3", "name": name})
    url, schema = db_target
    engine = make_engine(url, schema=schema)
    try:
        command.downgrade(_alembic_config(engine), "0023_session_last_seen")
        with engine.connect() as connection:
            key = connection.execute(text("SELECT search FROM patients")).scalar_one()
    finally:
        engine.dispose()
    assert key.startswith(f"|ｏｌｅｇ ф{NFD_E}доров|")


# One U+FDFA is 18 letters composed: 112 of them fold to 2016, over the column's length.
LONG = "\ufdfa" * 112


def test_a_name_that_folds_longer_than_the_key_is_kept_and_found(db_target) -> None:
    from spinecare.clinic.patients import PatientInput, create_patient
    from spinecare.store.search import SEARCH_KEY_LENGTH, search_key

    assert len(search_key(LONG, "x" * 100, ("1" * 40, "2" * 40))) <= SEARCH_KEY_LENGTH
    db = _open(db_target)
    try:
        with db.session() as session:
            create_patient(session, _staff(session), PatientInput(name=LONG, phone="+7 912 1"))
        assert _names(db, LONG) == [LONG]
        assert _names(db, "صلى الله") == [LONG]
        assert _names(db, "7 912 1") == [LONG]
    finally:
        db.dispose()


def test_migration_keeps_a_name_that_folds_longer_than_the_key(db_target) -> None:
    stored, key = _upgraded(
        db_target, "0023_session_last_seen", {"external_id": "old-4", "name": LONG}
    )
    assert stored == LONG and "|old-4|" in key


@pytest.mark.parametrize("query", ["\u200b", "\u00ad", "\u200e\u200f", "\ufeff", " \u2800 "])
def test_a_search_of_characters_never_seen_is_no_search(clinic, query) -> None:
    """A clinician sees an empty search box: the list is the whole list, as for one."""
    from spinecare.store.search import parse_query

    assert parse_query(query) is None
    assert _names(clinic, query) == _names(clinic, "")


def test_the_audit_logs_patient_filter_of_characters_never_seen_filters_nothing(clinic) -> None:
    from spinecare.clinic.accounts import create_user, current_user, get_or_create_clinic
    from spinecare.clinic.audit_log import patients_found

    with clinic.session() as session:
        row = create_user(
            session,
            clinic=get_or_create_clinic(session, "Clinic A"),
            username="admin",
            password="store-pass-1",
            role="admin",
        )
        admin = current_user(session, row)
        assert patients_found(session, admin, "\u200b\u00ad") is None
        assert len(patients_found(session, admin, "яковлев") or []) == 1


def test_contact_details_are_validated_and_kept(db_target) -> None:
    from spinecare.clinic.patients import PatientInput, create_patient
    from spinecare.store.errors import FormError

    db = _open(db_target)
    try:
        with db.session() as session:
            staff = _staff(session)
            with pytest.raises(FormError) as caught:
                create_patient(
                    session,
                    staff,
                    PatientInput(
                        name="X",
                        phone="call me",
                        email="not-an-address",
                        emergency_name="Ivan (son)",
                        emergency_phone="12",
                    ),
                )
            errors = caught.value.errors
            assert set(errors) == {"phone", "email", "emergency_phone"}
            assert "phone number" in errors["phone"]
            assert "e-mail" in errors["email"]
            with pytest.raises(FormError) as caught:
                create_patient(session, staff, PatientInput(name="X", emergency_name="Ivan"))
            assert "emergency contact's phone" in caught.value.errors["emergency_phone"]
            patient = create_patient(
                session,
                staff,
                PatientInput(
                    name="Анна Смирнова",
                    phone=" +7  912 000-00-01 ",
                    email="anna@example.org",
                    address="Москва,\n ул. Ленина, 1",
                    emergency_name="Иван Смирнов (муж)",
                    emergency_phone="+7 912 000-00-02",
                ),
            )
            data = patient.model_dump(mode="json")
        assert data["phone"] == "+7 912 000-00-01"
        assert data["email"] == "anna@example.org"
        assert data["address"] == "Москва, ул. Ленина, 1"
        assert data["emergency_name"] == "Иван Смирнов (муж)"
        assert data["emergency_phone"] == "+7 912 000-00-02"
    finally:
        db.dispose()
