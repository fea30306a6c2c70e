"""The audit log's hash chain, on SQLite and PostgreSQL: every row is chained, a changed,
removed or back-dated row is found by ``verify`` (and ``spinecare audit verify``), and
PostgreSQL refuses TRUNCATE."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner


def _open(target):
    from spinecare.store.db import open_database

    url, schema = target
    return open_database(url, schema=schema)


def _staff(session):
    from spinecare.clinic.accounts import create_user, get_or_create_clinic

    clinic = get_or_create_clinic(session, "Clinic A")
    return create_user(
        session, clinic=clinic, username="anna", password="store-pass-1", role="therapist"
    )


def _write(db, n: int) -> None:
    from spinecare.clinic.audit import record
    from spinecare.store.models import User

    with db.session() as session:
        user = session.scalar(select(User)) or _staff(session)
        for i in range(n):
            record(session, user, "read", "patient", str(i), patient_id=i)


def _unguarded(db, statement: str, **params) -> None:
    """Change the log behind the app's back, as a database owner could."""
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            connection.execute(text(statement), params)
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
            connection.execute(text("DROP TRIGGER audit_log_no_delete"))
            connection.execute(text(statement), params)


def _verify(db):
    from spinecare.clinic.audit import verify

    with db.session() as session:
        return verify(session)


def test_every_row_is_chained_and_the_chain_holds(db_target) -> None:
    from spinecare.clinic.audit import GENESIS
    from spinecare.store.models import AuditEntry

    db = _open(db_target)
    try:
        _write(db, 3)
        _write(db, 2)
        with db.session() as session:
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert len(rows) == 5
        assert rows[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
        report = _verify(db)
        assert report.intact and report.checked == 5
    finally:
        db.dispose()


def test_a_rolled_back_change_leaves_no_entry(db_target) -> None:
    from spinecare.clinic.audit import record
    from spinecare.store.models import AuditEntry

    db = _open(db_target)
    try:
        _write(db, 1)
        with pytest.raises(RuntimeError), db.session() as session:
            record(session, None, "read", "patient", "9")
            raise RuntimeError("the change failed")
        with db.session() as session:
            assert session.scalars(select(AuditEntry.entity_id)).all() == ["0"]
        assert _verify(db).intact
    finally:
        db.dispose()


def test_a_changed_row_is_found(db_target) -> None:
    db = _open(db_target)
    try:
        _write(db, 4)
        with db.session() as session:
            from spinecare.store.models import AuditEntry

            third = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[2]
        _unguarded(db, "UPDATE audit_log SET detail = 'nothing' WHERE id = :id", id=third)
        report = _verify(db)
        assert report.first_break == third and "changed" in report.reason
    finally:
        db.dispose()


def test_a_removed_row_is_found(db_target) -> None:
    from spinecare.store.models import AuditEntry

    db = _open(db_target)
    try:
        _write(db, 4)
        with db.session() as session:
            ids = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()
        _unguarded(db, "DELETE FROM audit_log WHERE id = :id", id=ids[1])
        report = _verify(db)
        assert report.first_break == ids[2] and "missing" in report.reason
        assert report.checked == 1
    finally:
        db.dispose()


def test_a_forged_back_dated_row_is_found(db_target) -> None:
    """A row appended with a correct hash but an old date does not fit the chain."""
    from spinecare.clinic.audit import row_hash
    from spinecare.store.models import AuditEntry

    db = _open(db_target)
    try:
        _write(db, 2)
        with db.session() as session:
            last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            forged = {
                "at": datetime.now(UTC) - timedelta(days=30),
                "clinic_id": last.clinic_id,
                "user_id": last.user_id,
                "username": last.username,
                "action": "read",
                "entity": "patient",
                "entity_id": "7",
                "patient_id": 7,
                "detail": None,
                "address": None,
            }
            session.add(AuditEntry(**forged, prev_hash=last.hash, hash=row_hash(forged, last.hash)))
        report = _verify(db)
        assert not report.intact and "dated before" in report.reason
    finally:
        db.dispose()


def test_concurrent_writers_keep_one_chain(db_target) -> None:
    db = _open(db_target)
    try:
        _write(db, 1)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for _ in range(5):
                    _write(db, 2)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        report = _verify(db)
        assert report.intact and report.checked == 41
    finally:
        db.dispose()


def test_postgresql_refuses_truncate(db_target) -> None:
    db = _open(db_target)
    try:
        _write(db, 2)
        if db.engine.dialect.name != "postgresql":
            return  # SQLite has no TRUNCATE; DELETE is refused by a trigger
        with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as connection:
            connection.execute(text("TRUNCATE audit_log"))
        assert _verify(db).checked == 2
    finally:
        db.dispose()


def test_the_command_reports_the_first_break(tmp_path) -> None:
    from spinecare.cli import app
    from spinecare.store.models import AuditEntry

    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    db = _open((url, None))
    try:
        _write(db, 3)
        runner = CliRunner()
        ok = runner.invoke(app, ["audit", "verify", "--db", url])
        assert ok.exit_code == 0, ok.output
        assert "3 entries, chain intact" in ok.output
        with db.session() as session:
            second = session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[1]
        _unguarded(db, "UPDATE audit_log SET username = 'someone' WHERE id = :id", id=second)
        broken = runner.invoke(app, ["audit", "verify", "--db", url])
        assert broken.exit_code == 1
        assert f"broken at entry {second}" in broken.output
    finally:
        db.dispose()


def test_the_command_never_makes_the_database_it_is_asked_to_verify(tmp_path) -> None:
    """A mistyped path or an empty database is refused, naming it: a new empty database
    would answer 'chain intact' of a log that is elsewhere."""
    from sqlalchemy import create_engine

    from spinecare.cli import app

    runner = CliRunner()
    missing = tmp_path / "typo" / "clinic.sqlite"
    result = runner.invoke(app, ["audit", "verify", "--db", f"sqlite:///{missing}"])
    assert result.exit_code == 1
    assert f"there is no database file {missing}" in result.output
    assert "intact" not in result.output
    assert not missing.parent.exists()  # nothing made, not even its folder
    empty = tmp_path / "empty.sqlite"
    create_engine(f"sqlite:///{empty}").connect().close()  # a file, no tables
    result = runner.invoke(app, ["audit", "verify", "--db", f"sqlite:///{empty}", "--lang", "ru"])
    assert result.exit_code == 1
    assert "нет данных spinecare" in result.output, result.output
    with sqlite3.connect(empty) as connection:  # left as it was
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)


@pytest.mark.postgres
def test_the_command_names_a_postgresql_database_that_does_not_exist(postgres_available) -> None:
    """A mistyped PostgreSQL database name is one line naming the problem (it was a
    traceback of the driver's)."""
    from spinecare.cli import app
    from tests.store.conftest import PG_URL

    missing = PG_URL.rsplit("/", 1)[0] + "/no_such_clinic_database"
    result = CliRunner().invoke(app, ["audit", "verify", "--db", missing])
    assert result.exit_code == 1
    assert "the database cannot be opened" in result.output
    assert "no_such_clinic_database" in result.output and "Traceback" not in result.output


def test_rows_written_before_the_chain_are_chained_on_upgrade(db_target) -> None:
    from sqlalchemy.orm import Session

    from spinecare.clinic.audit import verify
    from spinecare.store.db import make_engine, migrate

    url, schema = db_target
    engine = make_engine(url, schema=schema)
    try:
        migrate(engine, "0003")
        with engine.begin() as connection:
            for i in range(3):
                connection.execute(
                    text(
                        "INSERT INTO audit_log (at, action, entity, entity_id) "
                        "VALUES (:at, 'read', 'patient', :id)"
                    ),
                    {"at": datetime(2026, 1, 1 + i, 9, 30, tzinfo=UTC), "id": str(i)},
                )
        migrate(engine)
        with Session(engine) as session:
            report = verify(session)
        assert report.intact and report.checked == 3
    finally:
        engine.dispose()
