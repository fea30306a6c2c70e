"""User names that look the same are one name: the folded key, the database's unique
index on it, the upgrade that adds it (refused where stored accounts clash), sign-in by
it and the rename that tells clashing accounts apart; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import text

CYRILLIC_E = "\u0435"  # "е", drawn as the Latin "e"
CYRILLIC_A = "\u0430"  # "а"


def test_names_that_look_the_same_have_one_key() -> None:
    from spinecare.store.usernames import look_alike_groups, username_key

    same = [
        "admin",
        "ADMIN",
        "Admin",
        f"{CYRILLIC_A}dmin",  # a Cyrillic "а"
        "ａｄｍｉｎ",  # fullwidth
        " admin ",
        "admln",  # l and i
        "adm1n",
        "AＤＭIN",
    ]
    assert {username_key(name) for name in same} == {username_key("admin")}
    assert username_key(f"p{CYRILLIC_E}trov") == username_key("petrov")
    assert username_key("ΑΒΕ") == username_key("abe")  # Greek capitals
    assert username_key("иван") == username_key("ИВАН")  # a Cyrillic name, any case
    assert username_key("corn") == username_key("com")  # rn reads as m
    for other in ("administrator", "anna", "ivan.petrov", "ivan_petrov", "иванов"):
        assert username_key(other) != username_key("admin")
    assert username_key("ёлка") != username_key("елка")  # the dots are seen
    groups = look_alike_groups([(3, "ADMIN"), (1, "admin"), (2, "anna"), (7, "Anna")])
    assert sorted(groups) == [[(1, "admin"), (3, "ADMIN")], [(2, "anna"), (7, "Anna")]]


def _open(target, **kwargs):
    from spinecare.store.db import open_database

    url, schema = target
    return open_database(url, schema=schema, **kwargs)


def test_a_look_alike_name_is_refused_in_en_and_ru_and_sign_in_folds(db_target) -> None:
    from spinecare.clinic.accounts import (
        authenticate,
        create_user,
        get_or_create_clinic,
        update_user,
    )
    from spinecare.i18n import translate
    from spinecare.store.errors import FormError
    from spinecare.store.models import User

    db = _open(db_target)
    try:
        with db.session() as session:
            clinic = get_or_create_clinic(session, "Clinic A")
            other_clinic = get_or_create_clinic(session, "Clinic B")
            admin = create_user(
                session, clinic=clinic, username="admin", password="admin-pass-1", role="admin"
            )
            anna = create_user(
                session, clinic=clinic, username="anna", password="anna-pass-1", role="therapist"
            )
            for name in ("ADMIN", f"{CYRILLIC_A}dmin", "admin"):
                with pytest.raises(FormError) as caught:
                    create_user(
                        session, clinic=clinic, username=name, password="x-pass-123",
                        role="therapist",
                    )  # fmt: skip
                problem = caught.value.errors["username"]
                if name == "admin":
                    assert problem == "'admin' is taken; choose another user name"
                else:
                    assert "looks the same as the user name 'admin'" in problem
                    assert "выглядит так же, как имя пользователя «admin»" in translate(
                        problem, "ru"
                    )
            # another clinic's account: taken, and its name is not told
            with pytest.raises(FormError) as caught:
                create_user(
                    session, clinic=other_clinic, username="Admin", password="x-pass-123",
                    role="therapist",
                )  # fmt: skip
            assert caught.value.errors["username"] == "'Admin' is taken; choose another user name"
            # renaming: to a look-alike of another account is refused, to one's own is not
            with pytest.raises(FormError) as caught:
                update_user(
                    session, admin, anna, full_name="Anna", role="therapist", language=None,
                    patient=None, username=f"{CYRILLIC_A}DMIN",
                )  # fmt: skip
            assert "looks the same" in caught.value.errors["username"]
            assert anna.username == "anna"
            update_user(
                session, admin, anna, full_name="Anna", role="therapist", language=None,
                patient=None, username="Anna",
            )  # fmt: skip
            assert (anna.username, anna.username_key) == ("Anna", "anna")
            # sign-in finds the one account whose name looks the same
            assert authenticate(session, "ADMIN", "admin-pass-1") is admin
            assert authenticate(session, f"{CYRILLIC_A}dmin", "admin-pass-1") is admin
            assert authenticate(session, "ANNA", "admin-pass-1") is None  # anna's account
            assert authenticate(session, "anna", "anna-pass-1") is anna
        # the database itself refuses a second account with the same key
        with pytest.raises(Exception) as raced, db.session() as session:
            session.add(
                User(
                    clinic_id=1,
                    username="ADMIN",
                    full_name="x",
                    role="admin",
                    password_hash="x",
                    active=True,
                    failed_logins=0,
                    created_at=admin.created_at,
                )
            )
        assert type(raced.value).__name__ == "VersionConflict"
    finally:
        db.dispose()


def _add_user(connection, user_id: int, username: str) -> None:
    connection.execute(
        text(
            "INSERT INTO users (id, clinic_id, username, full_name, role, password_hash, "
            "active, failed_logins, created_at, must_change_password) VALUES (:id, 1, :name, "
            ":name, 'therapist', 'hash', :yes, 0, CURRENT_TIMESTAMP, :no)"
        ),
        {"id": user_id, "name": username, "yes": True, "no": False},
    )


def test_the_upgrade_refuses_accounts_that_look_the_same_and_changes_nothing(db_target) -> None:
    from spinecare.clinic.users import rename_for_cli
    from spinecare.errors import InputError
    from spinecare.i18n import translate
    from spinecare.store.db import HEAD, Database, make_engine, migrate, schema_revision
    from spinecare.store.errors import FormError
    from spinecare.store.models import User

    url, schema = db_target
    engine = make_engine(url, schema=schema)
    before = "0019_partial_dates_shown"
    try:
        migrate(engine, before)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO clinics (id, name, created_at) VALUES (1, 'A', CURRENT_TIMESTAMP)"
                )
            )
            for user_id, name in ((1, "admin"), (2, "ADMIN"), (3, f"p{CYRILLIC_E}trov"),
                                  (4, "petrov"), (5, "anna")):  # fmt: skip
                _add_user(connection, user_id, name)
        with pytest.raises(InputError) as refused:
            migrate(engine)
        said = refused.value.one_line()
        assert "'admin', 'ADMIN'" in said and f"'p{CYRILLIC_E}trov', 'petrov'" in said
        assert "spinecare user rename OLD NEW" in said
        assert "выглядят одинаково" in translate(refused.value.message, "ru")
        assert schema_revision(engine) == before
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT id, username FROM users ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [
            (1, "admin"), (2, "ADMIN"), (3, f"p{CYRILLIC_E}trov"), (4, "petrov"), (5, "anna")
        ]  # fmt: skip
        # the rename works on the database as it is, and refuses another look-alike
        from sqlalchemy.orm import sessionmaker

        db = Database(engine, sessionmaker(engine, expire_on_commit=False))
        with pytest.raises(FormError), db.session() as session:
            rename_for_cli(session, "ADMIN", "Anna")
        with db.session() as session:
            rename_for_cli(session, "ADMIN", "admin2")
            rename_for_cli(session, f"p{CYRILLIC_E}trov", "petrov.ivan")
        migrate(engine)
        assert schema_revision(engine) == HEAD
        with db.session() as session:
            keys = {u.username: u.username_key for u in session.query(User).order_by(User.id)}
            assert keys == {
                "admin": "admln", "admin2": "admln2", "petrov.ivan": "petrov.lvan",
                "petrov": "petrov", "anna": "anna",
            }  # fmt: skip
            # in the accounts' clinic's log, by the operator (no user of the clinic)
            renamed = session.execute(
                text(
                    "SELECT detail, clinic_id, user_id FROM audit_log WHERE action = 'rename' "
                    "ORDER BY id"
                )
            ).all()
            assert [tuple(r) for r in renamed] == [
                ("ADMIN; admin2", 1, None), (f"p{CYRILLIC_E}trov; petrov.ivan", 1, None)
            ]  # fmt: skip
        with db.session() as session:  # at the head, the key moves with the name
            rename_for_cli(session, "admin2", "boss")
        with db.session() as session:
            assert session.query(User).filter_by(username="boss").one().username_key == "boss"
    finally:
        engine.dispose()


def test_the_operator_is_told_in_their_language_and_renames_on_the_command_line(
    tmp_path,
) -> None:
    """The command line opens the database: the refusal is one line in the language
    asked; ``spinecare user rename`` works on that database, and the next start upgrades."""
    from typer.testing import CliRunner

    from spinecare.cli import app
    from spinecare.store.db import HEAD, make_engine, migrate, schema_revision

    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    engine = make_engine(url)
    migrate(engine, "0019_partial_dates_shown")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO clinics (id, name, created_at) VALUES (1, 'A', CURRENT_TIMESTAMP)")
        )
        _add_user(connection, 1, "anna")
        _add_user(connection, 2, "ANNA")
    runner = CliRunner()
    refused = runner.invoke(app, ["user", "token", "anna", "--db", url, "--lang", "ru"])
    assert refused.exit_code == 1
    (line,) = refused.stderr.strip().splitlines()
    assert "выглядят одинаково" in line and "'anna', 'ANNA'" in line
    assert schema_revision(engine) == "0019_partial_dates_shown"
    taken = runner.invoke(app, ["user", "rename", "ANNA", "Anna", "--db", url])
    assert taken.exit_code == 1 and "looks the same as the user name 'anna'" in taken.stderr
    renamed = runner.invoke(app, ["user", "rename", "ANNA", "anna.b", "--db", url])
    assert renamed.exit_code == 0, renamed.output
    assert renamed.stdout.strip() == "'ANNA' is now 'anna.b'"
    issued = runner.invoke(app, ["user", "token", "Anna.B", "--db", url])  # folded
    assert issued.exit_code == 0, issued.output
    assert schema_revision(engine) == HEAD
    engine.dispose()
