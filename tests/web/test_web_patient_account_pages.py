"""A patient's account reads its own record through the pages written for it (the home
routine, the screening in its own words), never the clinic's charts (the patient list
with each one's verdict, a patient's card with its intakes and clearance requests, a past
intake); and it learns nothing of another patient, whose every address is not found
(404) as one that names nobody is. The pages' JSON twins and ``/api/`` answer alike."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from tests.web.conftest import HTML, JSON
from tests.web.test_web_courses import DAY, TODAY, _patient_id, _post, _start

NOBODY = 999_999


def _intake_of(world: Any, patient_id: int) -> int:
    from sqlalchemy import select

    from spinecare.store.models import Intake

    with world.app.state.db.session() as session:
        return int(session.scalar(select(Intake.id).where(Intake.patient_id == patient_id)))


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.url, response.status_code)
    error: dict[str, Any] = response.json()["error"]
    assert error["status"] == status
    return error


def test_the_patient_list_is_the_clinics_not_a_patients(world: Any, signed_in: Any) -> None:
    patient = signed_in("patient")
    page = patient.get("/patients", headers=HTML, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/me/home"
    for path, headers in (("/patients", JSON), ("/patients.json", {}), ("/api/patients", {})):
        error = _error(patient.get(path, headers=headers), 403)
        assert error["code"] == "forbidden"
        assert "verdict" not in patient.get(path, headers=headers).text
    # the clinic's staff and physicians keep their list
    assert signed_in("therapist").get("/patients", headers=JSON).json()["total"] > 1
    assert signed_in("physician").get("/api/patients").status_code == 200


def test_the_patients_own_card_and_intakes_send_them_to_their_screening(
    world: Any, signed_in: Any
) -> None:
    own = world.own_patient
    intake = _intake_of(world, own)
    patient = signed_in("patient")
    for path in (f"/patients/{own}", f"/patients/{own}/intakes/{intake}"):
        page = patient.get(path, headers=HTML, follow_redirects=False)
        assert page.status_code == 303, path
        assert page.headers["location"] == f"/patients/{own}/screening"
        shown = patient.get(path, headers=HTML)
        assert shown.status_code == 200 and 'class="my-verdict' in shown.text
    for path in (
        f"/patients/{own}",
        f"/patients/{own}.json",
        f"/api/patients/{own}",
        f"/patients/{own}/intakes/{intake}",
        f"/patients/{own}/intakes/{intake}.json",
    ):
        error = _error(patient.get(path, headers=JSON), 403)
        assert error["code"] == "forbidden"
    # the patient's own pages stay theirs
    assert patient.get(f"/patients/{own}/screening", headers=JSON).status_code == 200
    assert patient.get(f"/api/patients/{own}/screening").status_code == 200
    assert patient.get("/me/home", headers=HTML).status_code == 200
    therapist = signed_in("therapist")
    assert therapist.get(f"/patients/{own}", headers=HTML).status_code == 200
    assert therapist.get(f"/patients/{own}/intakes/{intake}", headers=HTML).status_code == 200


def test_another_patients_addresses_are_not_found(world: Any, signed_in: Any) -> None:
    """Every address of another patient of the clinic answers as one that names nobody:
    the same status and the same words, so a patient cannot tell who else is treated."""
    demo = world.demo_patient
    course = _start(world, _patient_id(world, "demo-volkov"))
    demo_intake = _intake_of(world, demo)
    patient = signed_in("patient")
    pairs = [
        (f"/patients/{demo}", f"/patients/{NOBODY}"),
        (f"/patients/{demo}.json", f"/patients/{NOBODY}.json"),
        (f"/api/patients/{demo}", f"/api/patients/{NOBODY}"),
        (f"/patients/{demo}/screening", f"/patients/{NOBODY}/screening"),
        (f"/api/patients/{demo}/screening", f"/api/patients/{NOBODY}/screening"),
        (f"/api/patients/{demo}/plan", f"/api/patients/{NOBODY}/plan"),
        (f"/patients/{demo}/intakes/{demo_intake}", f"/patients/{NOBODY}/intakes/{demo_intake}"),
        (f"/courses/{course}", f"/courses/{NOBODY}"),
        (f"/courses/{course}/home", f"/courses/{NOBODY}/home"),
        (f"/courses/{course}/progress", f"/courses/{NOBODY}/progress"),
        (f"/courses/{course}/handout.pdf", f"/courses/{NOBODY}/handout.pdf"),
        (f"/courses/{course}/calendar.ics", f"/courses/{NOBODY}/calendar.ics"),
    ]
    for theirs, nobodys in pairs:
        got = _error(patient.get(theirs, headers=JSON), 404)
        assert got == _error(patient.get(nobodys, headers=JSON), 404), theirs
    for path in (f"/patients/{demo}", f"/patients/{demo}/screening", f"/courses/{course}/home"):
        page = patient.get(path, headers=HTML, follow_redirects=False)
        assert page.status_code == 404, path
        assert "Kuznetsova" not in page.text and "Кузнецова" not in page.text
    entry = {"day": TODAY, "key": "not-mine", "pain": "1"}
    got = _error(_post(patient, f"/courses/{course}/diary", entry), 404)
    assert got == _error(_post(patient, f"/courses/{NOBODY}/diary", entry), 404)


def test_the_patients_own_course_page_sends_them_to_their_home_routine(
    world: Any, signed_in: Any
) -> None:
    """The course's page is the clinic's: the therapist's session notes, the stop events'
    details. A patient's account reads its course through its home routine and progress:
    its browser is sent there, its JSON twin refused (403), as its card."""
    course = _start(world, world.own_patient)
    notes = "Tense trapezius on the left; private note for the physician"
    session = {**DAY, "pre_pain": "3", "post_pain": "2", "minutes": "15", "notes": notes}
    assert _post(signed_in("therapist"), f"/courses/{course}/sessions", session).status_code == 201
    patient = signed_in("patient")
    page = patient.get(f"/courses/{course}", headers=HTML, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/courses/{course}/home"
    shown = patient.get(f"/courses/{course}", headers=HTML)
    assert shown.status_code == 200 and 'action="/courses/' in shown.text  # the diary form
    assert notes not in shown.text
    for path, headers in ((f"/courses/{course}", JSON), (f"/courses/{course}.json", {})):
        error = _error(patient.get(path, headers=headers), 403)
        assert error["code"] == "forbidden"
        assert notes not in patient.get(path, headers=headers).text
    # the patient's progress page links to their own course page, not the clinic's
    progress = patient.get(f"/courses/{course}/progress", headers=HTML).text
    assert f'href="/courses/{course}/home"' in progress
    assert f'href="/courses/{course}"' not in progress
    # the clinic keeps its page
    for role in ("therapist", "physician"):
        page = signed_in(role).get(f"/courses/{course}", headers=HTML)
        assert page.status_code == 200 and notes in page.text


def test_the_demo_records_name_no_server_path(world: Any, signed_in: Any) -> None:
    """A demo chart's evidence named the file it was read from by its path on the server
    (``/srv/.../spinecare/demo/03-volkov-....yaml#conditions[0]``), in the JSON a
    patient's account may read too: by its name only."""
    client = signed_in("therapist")
    json = {"accept": "application/json"}
    refs = []
    for row in client.get("/patients", headers=json).json()["patients"]:
        page = client.get(f"/patients/{row['id']}/screening", headers=json)
        refs += [e["ref"] for f in page.json()["screening"]["findings"] for e in f["evidence"]]
    read = [r for r in refs if ".yaml#" in r]
    assert read and not any("/" in r.split("#", 1)[0] for r in read), refs


def test_the_patients_own_course_json_leaves_out_what_the_staff_wrote_in_the_chart(
    world: Any, signed_in: Any
) -> None:
    """The JSON twins of the patient's home routine and progress gave the stored course
    whole: each stop event's detail (the therapist's words on an adverse event, a session's
    pains) and the therapist's reason for a value outside the KB's range, which the
    course's page keeps for the clinic and the patient's pages never show."""
    from spinecare.clinic import courses
    from spinecare.kb import load_kb
    from spinecare.store.models import User

    reason = "Frail; the family asked for fewer visits"
    with world.app.state.db.session() as session:
        therapist = session.scalar(select(User).where(User.username == "therapist"))
        course = courses.start(
            session,
            therapist,
            world.own_patient,
            load_kb(),
            start_day=date.today(),
            values={"sessions": 3},
            reasons={"sessions": reason},
            physician_id=None,
            today=date.today(),
        ).id
    event = "Dizzy after the neck work; query vertebral artery"
    data = {**DAY, "pre_pain": "3", "post_pain": "3", "minutes": "15", "adverse_event": event}
    r = _post(signed_in("therapist"), f"/courses/{course}/sessions", data)
    assert r.status_code == 201 and r.json()["stop_events"], r.text[:300]
    patient = signed_in("patient")
    for page in ("home", "progress"):
        r = patient.get(f"/courses/{course}/{page}", headers=JSON)
        assert r.status_code == 200, r.text[:300]
        assert event not in r.text and reason not in r.text, page
        stored = r.json()["course"]["course"]
        assert [e["rule"] for e in stored["stop_events"]] == ["adverse_event"]  # what fired
        assert "detail" not in stored["stop_events"][0]
        assert stored["adjustments"] and "reason" not in stored["adjustments"][0]
    staff = signed_in("therapist").get(f"/courses/{course}/progress", headers=JSON)
    assert event in staff.text and reason in staff.text
