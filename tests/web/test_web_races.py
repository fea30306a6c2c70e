"""Writes that lose a race to another server on the same database: two clinic servers
(or two worker processes) saving the same user name, the same patient id or the same
record at the same moment. The one that comes second is told so (409, the one error
shape), never an internal error, and nothing is stored twice; on SQLite and PostgreSQL.

The race is made deterministic: right after this server has checked that the value is
free (or read the row it will change), another server's session saves it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.orm import Session

from tests.web import test_web_security
from tests.web.conftest import FIXTURES, HTML, JSON, PASSWORDS, World, csrf_of, login

any_world = test_web_security.any_world  # SQLite, and PostgreSQL where it is reachable

PATIENT_BY_ID = "FROM patients WHERE patients.clinic_id = "
"""The statement that looks a patient up by the clinic's id for them (before a save)."""
USER_BY_NAME = (
    "SELECT users.id, users.username, users.clinic_id FROM users WHERE users.username_key = "
)
"""The statement that checks a user name is free (no account has a name that looks the same)."""


@contextmanager
def another_server_writes_after(
    world: World, marker: str, write: Callable[[Session], None]
) -> Iterator[None]:
    """While inside, the first statement of this app whose SQL (its words one space
    apart) holds ``marker`` is followed, before this app goes on, by ``write`` committed through
    another engine on the same database (another server)."""
    engine = world.app.state.db.engine  # type: ignore[attr-defined]
    other = create_engine(engine.url)
    done: list[bool] = []

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if done or marker not in " ".join(statement.split()):
            return
        done.append(True)
        with Session(other) as session:
            write(session)
            session.commit()

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
        assert done, f"no statement matched {marker!r}"
    finally:
        event.remove(engine, "after_cursor_execute", after)
        other.dispose()


def _form(client: Any, path: str, data: dict[str, str], headers: dict[str, str]) -> Any:
    return client.post(
        path, data={**data, "csrf_token": csrf_of(client, "/login")}, headers=headers
    )


def _count(world: World, query: Any) -> int:
    with world.app.state.db.session() as session:  # type: ignore[attr-defined]
        return int(session.scalar(query))


def _saves_patient(clinic_id: int, external_id: str) -> Callable[[Session], None]:
    """Another server's write: a patient of the clinic with ``external_id``."""
    from spinecare.store.models import PatientRow

    def save(session: Session) -> None:
        moment = datetime.now(UTC)
        session.add(
            PatientRow(
                clinic_id=clinic_id,
                external_id=external_id,
                name="Saved Elsewhere",
                created_at=moment,
                updated_at=moment,
            )
        )

    return save


def test_a_patient_id_saved_by_another_server_meanwhile_is_a_conflict(any_world: World) -> None:
    from spinecare.store.models import PatientRow

    therapist = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    with any_world.app.state.db.session() as session:  # type: ignore[attr-defined]
        demo = session.get(PatientRow, any_world.demo_patient)
        assert demo is not None
        clinic_id = demo.clinic_id
    for number, headers in enumerate((JSON, HTML)):
        external_id = f"MRN-RACE-{number}"
        form = {"name": "Race Patient", "external_id": external_id, "sex": "female"}
        save_first = _saves_patient(clinic_id, external_id)
        with another_server_writes_after(any_world, PATIENT_BY_ID, save_first):
            response = _form(therapist, "/patients", form, headers)
        assert response.status_code == 409, response.text[:500]
        if headers is JSON:
            error = response.json()["error"]
            assert error["code"] == "conflict"
            assert "someone else saved the same thing at the same time" in error["message"]
        else:
            assert "Someone else saved the same thing at the same time" in response.text
    racing = select(func.count()).where(PatientRow.name == "Race Patient")
    assert _count(any_world, racing) == 0


def test_a_user_name_taken_by_another_server_meanwhile_is_a_conflict(any_world: World) -> None:
    from spinecare.clinic.accounts import create_user
    from spinecare.store.models import Clinic, User

    admin = login(any_world.client(), "admin", PASSWORDS["admin"])

    def take_it(session: Session) -> None:
        clinic = session.scalar(select(Clinic).where(Clinic.name == "Other clinic"))
        assert clinic is not None
        create_user(
            session, clinic=clinic, username="newcomer", password="another-pass-1", role="therapist"
        )

    form = {"username": "newcomer", "password": "longpassword-123", "role": "therapist"}
    with another_server_writes_after(any_world, USER_BY_NAME, take_it):
        response = _form(admin, "/users", form, JSON)
    assert response.status_code == 409, response.text[:500]
    assert response.json()["error"]["code"] == "conflict"
    assert _count(any_world, select(func.count()).where(User.username == "newcomer")) == 1
    # asked again, the name is simply taken
    again = _form(admin, "/users", form, JSON)
    assert again.status_code == 422
    assert "is taken" in again.json()["error"]["message"]


def test_the_same_record_imported_by_another_server_meanwhile_is_a_conflict(
    any_world: World,
) -> None:
    from spinecare.store.models import Intake, PatientRow

    therapist = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    bundle = (FIXTURES / "bundle-herniation.json").read_bytes()

    def upload() -> Any:
        return therapist.post(
            "/patients/import",
            data={"csrf_token": csrf_of(therapist, "/login")},
            files={"file": ("bundle.json", bundle, "application/json")},
            headers=JSON,
        )

    first = upload()
    assert first.status_code == 201, first.text[:500]
    patient_id = first.json()["id"]
    intakes = select(func.count()).where(Intake.patient_id == patient_id)
    before = _count(any_world, intakes)

    def change_it(session: Session) -> None:
        row = session.get(PatientRow, patient_id)
        assert row is not None
        row.notes = "changed on another server"

    with another_server_writes_after(any_world, PATIENT_BY_ID, change_it):
        response = upload()
    assert response.status_code == 409, response.text[:500]
    assert response.json()["error"]["code"] == "conflict"
    assert "changed by someone else meanwhile" in response.json()["error"]["message"]
    assert _count(any_world, intakes) == before  # nothing half-stored
    assert upload().status_code == 201  # sent again, it is stored


RUNNING_COURSE = "SELECT courses.start FROM courses WHERE courses.patient_id = "
"""The statement that looks for the patient's running course before a new one starts."""


def test_two_servers_starting_a_course_for_one_patient_start_one(any_world: World) -> None:
    """Two servers on one database, each asked to start a course for the same patient at
    the same moment: both found no running course, and both started one (two running
    courses, each with its own sessions and stop rules). Now the second waits for the
    first and is told a course is running."""
    from fastapi.testclient import TestClient

    from spinecare.app import create_app
    from spinecare.settings import Settings
    from spinecare.store.models import CourseRow

    engine = any_world.app.state.db.engine  # type: ignore[attr-defined]
    settings = Settings.from_env(
        environment="test",
        db_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret-key",
    )
    other_app = create_app(settings)
    therapist = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    other = TestClient(other_app, raise_server_exceptions=False)
    other.cookies = therapist.cookies  # the same login, on the other server
    path = f"/patients/{any_world.own_patient}/courses"  # a ready plan
    answers: dict[str, Any] = {}

    def on_the_other_server() -> None:
        answers["other"] = _form(other, path, {}, JSON)

    thread = threading.Thread(target=on_the_other_server)
    done: list[bool] = []

    def after(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if done or RUNNING_COURSE not in " ".join(statement.split()):
            return
        done.append(True)  # this server found no running course: the other starts now
        thread.start()
        thread.join(timeout=5)  # it finishes, or waits for this server to finish

    event.listen(engine, "after_cursor_execute", after)
    try:
        answers["this"] = _form(therapist, path, {}, JSON)
    finally:
        event.remove(engine, "after_cursor_execute", after)
        thread.join(timeout=60)
        other_app.state.db.dispose()  # type: ignore[attr-defined]
    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses == [201, 422], {k: v.text[:300] for k, v in answers.items()}
    refused = next(a for a in answers.values() if a.status_code == 422)
    assert "course under way since" in refused.json()["error"]["message"]
    running = (
        select(func.count())
        .select_from(CourseRow)
        .where(
            CourseRow.patient_id == any_world.own_patient,
            CourseRow.status.in_(("active", "paused")),
        )
    )
    assert _count(any_world, running) == 1


def test_a_clearance_decided_on_another_server_meanwhile_is_not_decided_twice(
    any_world: World,
) -> None:
    from spinecare.store.models import ClearanceRequest

    therapist = login(any_world.client(), "therapist", PASSWORDS["therapist"])
    asked = _form(
        therapist,
        f"/patients/{any_world.demo_patient}/clearance-requests",
        {"physician_id": str(any_world.physician_id), "concepts": "disc_herniation"},
        JSON,
    )
    assert asked.status_code == 201, asked.text[:300]
    request_id, version = asked.json()["id"], asked.json()["version"]
    physician = login(any_world.client(), "physician", PASSWORDS["physician"])

    def decide_first(session: Session) -> None:
        row = session.get(ClearanceRequest, request_id)
        assert row is not None
        row.status, row.decision_note = "declined", "decided on the other server"

    form = {"decision": "cleared", "note": "", "version": str(version)}
    with another_server_writes_after(any_world, "FROM clearance_requests WHERE", decide_first):
        response = _form(physician, f"/clearances/{request_id}", form, JSON)
    assert response.status_code == 409, response.text[:300]
    assert response.json()["error"]["code"] == "conflict"
    with any_world.app.state.db.session() as session:  # type: ignore[attr-defined]
        row = session.get(ClearanceRequest, request_id)
        assert row is not None
        assert (row.status, row.decision_note) == ("declined", "decided on the other server")
