"""Courses, sessions, stop rules, progress, the home program, the diary, downloads and
languages over HTTP: every new route against every role, then the behaviour."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, PASSWORDS, csrf_of, login

ROLES = ("admin", "therapist", "physician", "patient", "other", "anonymous")
TODAY = date.today().isoformat()
DAY = {
    "day": TODAY,
    "systolic": "125",
    "diastolic": "80",
    "temperature": "36.6",
    "pain": "3",
    "q_fever_today": "no",
}


def _user(world: Any, username: str) -> Any:
    from sqlalchemy import select

    from spinecare.store.models import User

    with world.app.state.db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        session.expunge(user)
        return user


def _patient_id(world: Any, external: str) -> int:
    from sqlalchemy import select

    from spinecare.store.models import PatientRow

    with world.app.state.db.session() as session:
        pid = session.scalar(select(PatientRow.id).where(PatientRow.external_id == external))
        assert pid is not None
        return int(pid)


def _start(world: Any, patient_id: int, start_day: date | None = None, **values: Any) -> int:
    from spinecare.clinic import courses
    from spinecare.kb import load_kb

    with world.app.state.db.session() as session:
        therapist = session.merge(_user(world, "therapist"))
        row = courses.start(
            session,
            therapist,
            patient_id,
            load_kb(),
            start_day=start_day or date.today(),
            values=values,
            reasons={},
            physician_id=None,
            today=date.today(),
        )
        return int(row.id)


S = {"admin": 200, "therapist": 200}
NO = {"physician": 403, "patient": 403, "other": 404, "anonymous": 401}
SEE = {**S, "physician": 200, "patient": 200, "other": 404, "anonymous": 401}
ROUTES: list[tuple[str, str, Any, dict[str, int]]] = [
    ("GET", "/patients/{own}/course/new", None, {**S, **NO}),
    (
        "POST",
        "/patients/{pending}/courses",
        {"sessions": "10"},
        {"admin": 422, "therapist": 422, **NO},
    ),
    # the course's page is the clinic's: a patient reads their home routine and progress
    ("GET", "/courses/{course}", None, {**SEE, "patient": 403}),
    ("POST", "/courses/{course}/check", DAY, {**S, **NO}),
    (
        "POST",
        "/courses/{course}/sessions",
        {**DAY, "pre_pain": "3", "post_pain": "2", "minutes": "15"},
        {"admin": 201, "therapist": 201, **NO},
    ),
    (
        "POST",
        "/courses/{course}/home-program",
        {"home_collar_zone": "knead_shoulder", "home_minutes_collar_zone": "10"},
        {**S, **NO},
    ),
    ("GET", "/courses/{course}/progress", None, SEE),
    ("GET", "/courses/{course}/home", None, SEE),
    (
        "POST",
        "/courses/{course}/diary",
        {"day": TODAY, "done": "yes", "pain": "2", "key": "matrix-1"},
        {
            "admin": 403,
            "therapist": 403,
            "physician": 403,
            "patient": 201,
            "other": 403,
            "anonymous": 401,
        },
    ),
    ("GET", "/courses/{course}/handout.pdf", None, SEE),
    ("GET", "/courses/{course}/calendar.ics", None, SEE),
    (
        "GET",
        "/reviews",
        None,
        {**S, "physician": 200, "patient": 403, "other": 200, "anonymous": 401},
    ),
    (
        "GET",
        "/me/home",
        None,
        {
            "admin": 403,
            "therapist": 403,
            "physician": 403,
            "patient": 200,
            "other": 403,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/courses/{course}/resume",
        {"note": "fine"},
        {
            "admin": 403,
            "therapist": 403,
            "physician": 422,
            "patient": 403,
            "other": 403,
            "anonymous": 401,
        },
    ),
    (
        "POST",
        "/language",
        {"language": "en"},
        {**S, "physician": 200, "patient": 200, "other": 200, "anonymous": 403},
    ),
    (
        "GET",
        "/courses/{course}/complete",
        None,
        # the confirmation page; as JSON, the question it asks (422 confirmation_required)
        {"admin": 422, "therapist": 422, "physician": 422, "patient": 403, "other": 404}
        | {"anonymous": 401},
    ),
    (
        "POST",
        "/courses/{course}/complete",
        {"confirm": "yes"},
        # the demo clinic's one physician reviews the course (a second one: 403, see
        # test_web_security)
        {**S, "physician": 200, "patient": 403, "other": 404, "anonymous": 401},
    ),
]


@pytest.mark.parametrize("role", ROLES)
def test_every_course_route_for_role(world: Any, signed_in: Any, role: str) -> None:
    course = _start(world, world.own_patient)
    ids = {
        "own": world.own_patient,
        "pending": world.demo_patient,
        "course": course,
    }
    client = signed_in(role)
    token = csrf_of(client, "/login") if client.cookies.get("spinecare_session") else None
    failures = []
    for method, template, body, expected in ROUTES:
        path = template.format(**ids)
        if method == "GET":
            response = client.get(path, headers=JSON, follow_redirects=False)
        else:
            headers = {**JSON, **({"x-csrf-token": token} if token else {})}
            response = client.post(path, data=body or {}, headers=headers, follow_redirects=False)
        want = expected[role]
        if response.status_code != want:
            failures.append(
                f"{method} {path}: {response.status_code} (want {want}) {response.text[:200]}"
            )
        elif want >= 400:
            assert response.json()["error"]["status"] == want
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------------------------------
# Starting a course


def test_course_form_shows_ranges_and_cost_options(world: Any, signed_in: Any) -> None:
    client = signed_in("therapist")
    page = client.get(f"/patients/{world.own_patient}/course/new", headers=HTML)
    assert page.status_code == 200
    assert 'data-plan-status="ready"' in page.text
    assert "10–15" in page.text  # sessions range for the collar zone
    assert "What it needs" in page.text and "A massage device" in page.text
    assert "₽" not in page.text and "$" not in page.text
    # the plan's numbers as a reader writes them, not as Python does ("3.0", "15.0")
    for name in ("sessions", "sessions_per_week", "minutes_per_session"):
        value = re.search(rf'name="{name}" value="([^"]*)"', page.text)
        assert value and re.fullmatch(r"\d+(?:,\d+)?|\d+(?:\.\d*[1-9])?", value.group(1)), name


def test_outside_range_needs_a_reason_and_impossible_values_are_refused(
    world: Any, signed_in: Any
) -> None:
    client = signed_in("therapist")
    token = csrf_of(client, f"/patients/{world.own_patient}/course/new")
    path = f"/patients/{world.own_patient}/courses"
    r = client.post(path, data={"csrf_token": token, "sessions": "20"}, headers=HTML)
    assert r.status_code == 422
    assert "a written reason is required" in r.text and 'value="20"' in r.text
    r = client.post(
        path,
        data={"csrf_token": token, "minutes_per_session": "-5", "reason_minutes_per_session": "x"},
        headers=JSON,
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "minutes_per_session"
    # beyond what any course plans, a reason does not help: a typing error, said beside
    # its field (a number of 300 digits was a 500: its end date overflowed)
    for name, value in (
        ("sessions", "1" * 300),
        ("sessions", "101"),
        ("sessions_per_week", "0.01"),
        ("sessions_per_week", "15"),
        ("minutes_per_session", "241"),
    ):
        r = client.post(
            path,
            data={"csrf_token": token, name: value, f"reason_{name}": "x"},
            headers=HTML,
        )
        assert r.status_code == 422, (name, value)
        assert "a course can plan" in r.text, (name, value)
    r = client.post(
        path,
        data={"csrf_token": token, "sessions": "20", "reason_sessions": "slow responder"},
        headers=JSON,
    )
    assert r.status_code == 201, r.text
    adj = r.json()["course"]["adjustments"]
    assert adj[0]["field"] == "sessions" and adj[0]["within_range"] is False
    assert adj[0]["reason"] == "slow responder"
    r = client.post(path, data={"csrf_token": token}, headers=JSON)
    assert r.status_code == 422 and "course under way since" in r.text


def test_pending_plan_is_prepared_not_started_and_blocked_shows_reasons(
    world: Any, signed_in: Any
) -> None:
    client = signed_in("therapist")
    page = client.get(f"/patients/{world.demo_patient}/course/new", headers=HTML)
    assert 'data-plan-status="pending"' in page.text
    assert "can be prepared but not started" in page.text
    assert "disabled>" in page.text
    blocked = _patient_id(world, "demo-carter")
    page = client.get(f"/patients/{blocked}/course/new", headers=HTML)
    assert 'data-plan-status="blocked"' in page.text
    assert "Reasons" in page.text and "Start the course" not in page.text
    token = csrf_of(client, "/login")
    r = client.post(f"/patients/{blocked}/courses", data={"csrf_token": token}, headers=JSON)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "plan"


def test_start_in_the_past_is_refused(world: Any, signed_in: Any) -> None:
    client = signed_in("therapist")
    token = csrf_of(client, "/login")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    r = client.post(
        f"/patients/{world.own_patient}/courses",
        data={"csrf_token": token, "start": yesterday},
        headers=JSON,
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "start"


# ---------------------------------------------------------------------------------------
# Sessions and stop rules


def _post(client: Any, path: str, data: dict[str, Any], headers: dict[str, str] = JSON) -> Any:
    token = csrf_of(client, "/login")
    return client.post(path, data={**data, "csrf_token": token}, headers=headers)


def test_session_day_blocks_and_says_why(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    fever = {**DAY, "temperature": "38.4"}
    r = _post(client, f"/courses/{course}/check", fever, HTML)
    assert r.status_code == 200
    assert 'data-may-start="no"' in r.text and "Save the session" not in r.text
    r = _post(client, f"/courses/{course}/sessions", {**fever, "pre_pain": "3", "post_pain": "2"})
    assert r.status_code == 409
    body = r.json()
    assert body["error"]["code"] == "session_blocked"
    assert body["check"]["verdict"] == "defer"
    r = _post(client, f"/courses/{course}/check", DAY, HTML)
    assert 'data-may-start="yes"' in r.text and "Save the session" in r.text


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"post_pain": "14"}, "post_pain"),
        ({"minutes": "-5"}, "minutes"),
        ({"day": "2001-01-01"}, "day"),
    ],
)
def test_impossible_session_values_are_refused_beside_the_field(
    world: Any, signed_in: Any, change: dict[str, str], field: str
) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    data = {**DAY, "pre_pain": "3", "post_pain": "2", "minutes": "15", **change}
    r = _post(client, f"/courses/{course}/sessions", data, HTML)
    assert r.status_code == 422
    assert 'class="field-error"' in r.text
    r = _post(client, f"/courses/{course}/sessions", data)
    assert r.json()["error"]["details"][0]["field"] == field


def test_pain_rise_pauses_course_for_physician_who_resumes(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    therapist = signed_in("therapist")
    r = _post(
        therapist,
        f"/courses/{course}/sessions",
        {
            **DAY,
            "pre_pain": "3",
            "post_pain": "5",
            "minutes": "15",
            "tech_collar_zone": ["stroking", "kneading"],
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["course"]["status"] == "paused"
    assert r.json()["stop_events"][0]["rule"] == "pain_increase"
    r = _post(therapist, f"/courses/{course}/sessions", {**DAY, "pre_pain": "2", "post_pain": "2"})
    assert r.status_code == 409 and "paused" in r.json()["error"]["message"]

    doctor = signed_in("physician")
    queue = doctor.get("/reviews", headers=JSON).json()["courses"]
    assert [c["id"] for c in queue] == [course]
    page = doctor.get(f"/courses/{course}", headers=HTML)
    assert "Resume the course" in page.text and "pain 3 before, 5 after" in page.text
    r = _post(doctor, f"/courses/{course}/resume", {"note": ""})
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "note"
    # what the physician can do about it: the name comes from the account, never asked
    assert r.json()["error"]["details"][0]["message"] == "write a note on why the course may go on"
    r = _post(doctor, f"/courses/{course}/resume", {"note": "Soreness only; go on gently."})
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert doctor.get("/reviews", headers=JSON).json()["courses"] == []
    r = _post(therapist, f"/courses/{course}/sessions", {**DAY, "pre_pain": "3", "post_pain": "2"})
    assert r.status_code == 422  # the day already has a session
    assert r.json()["error"]["details"][0]["field"] == "same_day_reason"
    r = _post(
        therapist,
        f"/courses/{course}/sessions",
        {**DAY, "pre_pain": "3", "post_pain": "2", "same_day_reason": "resumed after review"},
    )
    assert r.status_code == 201 and r.json()["course"]["status"] == "active"


def test_new_neurological_symptom_on_session_day_pauses(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    r = _post(client, f"/courses/{course}/check", {**DAY, "q_saddle_anaesthesia": "yes"})
    assert r.status_code == 200
    body = r.json()
    assert body["check"]["may_start"] is False
    assert body["stop_events"][0]["rule"] == "new_neurological_symptoms"
    assert body["course"]["status"] == "paused"


def test_a_red_flag_on_a_paused_course_offers_the_physician_the_referral_letter(
    world: Any, signed_in: Any
) -> None:
    """The physician who reviews a course paused by a red flag sees today's screening as an
    urgent referral with the letter, as the screening and session-day pages give it."""
    course = _start(world, world.own_patient)
    therapist = signed_in("therapist")
    r = _post(therapist, f"/courses/{course}/check", {**DAY, "q_saddle_anaesthesia": "yes"})
    assert r.json()["course"]["status"] == "paused"
    page = signed_in("physician").get(f"/courses/{course}", headers=HTML)
    assert page.status_code == 200
    letter = f'href="/patients/{world.own_patient}/referral?as_of={date.today().isoformat()}"'
    assert "Urgent referral" in page.text and letter in page.text


def test_adverse_event_pauses(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    r = _post(
        client,
        f"/courses/{course}/sessions",
        {**DAY, "pre_pain": "3", "post_pain": "3", "adverse_event": "dizziness"},
    )
    assert r.status_code == 201 and r.json()["stop_events"][0]["rule"] == "adverse_event"


# ---------------------------------------------------------------------------------------
# Progress


def test_progress_page_charts_mcid_source_and_summary(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient, sessions=10)
    client = signed_in("therapist")
    for pre, post, reason in ((5, 4, ""), (4, 3, "the morning session was cut short")):
        r = _post(
            client,
            f"/courses/{course}/sessions",
            {
                **DAY,
                "pain": str(pre),
                "pre_pain": str(pre),
                "post_pain": str(post),
                "same_day_reason": reason,
            },
        )
        assert r.status_code == 201, r.text
    page = client.get(f"/courses/{course}/progress", headers=HTML)
    assert page.status_code == 200
    assert page.text.count("<svg") >= 2
    assert "Ostelo" in page.text and "Minimal clinically important change" in page.text
    data = client.get(f"/courses/{course}/progress.json").json()["progress"]
    assert data["sessions_done"] == 2 and data["change"] == -2 and data["mcid_reached"] is True
    assert data["summary"] is None
    r = _post(client, f"/courses/{course}/complete", {"confirm": "yes"})
    assert r.status_code == 200 and r.json()["status"] == "completed"
    page = client.get(f"/courses/{course}/progress", headers=HTML)
    assert "Course summary" in page.text and "2 of 10 sessions" in page.text
    assert "<dd>4.5</dd>" in page.text and "<dd>3.5</dd>" in page.text
    # in Russian: the decimal comma, and one point after a day that ends with "г."
    token = csrf_of(client, "/login")
    client.post("/language", data={"csrf_token": token, "language": "ru", "next": "/"})
    page = client.get(f"/courses/{course}/progress", headers=HTML)
    assert "<dd>4,5</dd>" in page.text and "<dd>3,5</dd>" in page.text
    assert "г.." not in page.text


def test_summary_of_a_course_ended_before_any_session(world: Any, signed_in: Any) -> None:
    """No session, no mean pain: a dash, never Python's None."""
    course = _start(world, world.own_patient, sessions=10)
    client = signed_in("therapist")
    r = _post(client, f"/courses/{course}/complete", {"confirm": "yes"})
    assert r.status_code == 200
    page = client.get(f"/courses/{course}/progress", headers=HTML)
    assert "No sessions were recorded" in page.text
    assert "None" not in page.text
    assert "Mean pain before</dt><dd>—</dd>" in page.text


@pytest.mark.parametrize(
    ("pre", "post", "said"),
    [
        (3, 6, "+3 — worse: more pain than before the first session"),
        (5, 3, "\u22122 — reaches the minimal important change"),
        (4, 3, "\u22121 — below the minimal important change"),
    ],
)
def test_progress_says_a_worse_pain_is_worse(
    world: Any, signed_in: Any, pre: int, post: int, said: str
) -> None:
    """Pain up by 3 is not 'below the minimal important change': the page says it is worse."""
    course = _start(world, world.own_patient, sessions=10)
    client = signed_in("therapist")
    data = {**DAY, "pain": str(pre), "pre_pain": str(pre), "post_pain": str(post)}
    assert _post(client, f"/courses/{course}/sessions", data).status_code == 201
    page = client.get(f"/courses/{course}/progress", headers=HTML)
    assert said in " ".join(page.text.split())


# ---------------------------------------------------------------------------------------
# Home program, diary, downloads


def test_home_program_steps_taught_and_range(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    path = f"/courses/{course}/home-program"
    r = _post(
        client,
        path,
        {
            "home_collar_zone": ["knead_shoulder", "stroke_neck_to_arm"],
            "home_minutes_collar_zone": "30",
        },
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "minutes_collar_zone"
    r = _post(
        client,
        path,
        {
            "home_collar_zone": ["knead_shoulder", "stroke_neck_to_arm"],
            "home_minutes_collar_zone": "12",
            "home_times_collar_zone": "2",
        },
    )
    assert r.status_code == 200
    home = r.json()["course"]["home"]
    assert home == [
        {"zone": "collar_zone", "steps": ["stroke_neck_to_arm", "knead_shoulder"], "minutes": 12.0}
    ]
    data = client.get(f"/courses/{course}.json").json()
    assert {h["step"] for h in data["home_steps"]} == {"stroke_neck_to_arm", "knead_shoulder"}
    assert all(h["times_per_day"] == 2 for h in data["home_steps"])
    r = _post(client, path, {"home_collar_zone": ["not_a_step"]})
    assert r.status_code == 422


def test_patient_sees_routine_with_timer_and_stop_rules(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("patient")
    r = client.get("/me/home", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/courses/{course}/home"
    page = client.get(f"/courses/{course}/home", headers=HTML)
    assert page.status_code == 200
    assert 'class="timer"' in page.text and "/static/home.js" in page.text
    assert "Прекратите и позвоните врачу" in page.text  # Sokolova's record says ru
    assert 'name="key"' in page.text and 'action="/courses/' in page.text
    assert client.get("/static/home.js").status_code == 200


def test_diary_sent_twice_is_stored_once_and_values_checked(world: Any, signed_in: Any) -> None:
    from sqlalchemy import func, select

    from spinecare.store.models import DiaryEntry

    course = _start(world, world.own_patient)
    client = signed_in("patient")
    entry = {
        "day": TODAY,
        "done": "yes",
        "pain": "2",
        "minutes": "10",
        "key": "offline-42",
        "steps": ["knead_shoulder"],
    }
    first = _post(client, f"/courses/{course}/diary", entry)
    second = _post(client, f"/courses/{course}/diary", entry)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["entry"]["id"] == second.json()["entry"]["id"]
    with world.app.state.db.session() as session:
        assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 1
    for change, field in (
        ({"pain": "14"}, "pain"),
        ({"minutes": "-1"}, "minutes"),
        ({"day": "2001-01-01"}, "day"),
        ({"steps": ["x"]}, "steps"),
    ):
        r = _post(client, f"/courses/{course}/diary", {**entry, "key": f"k-{field}", **change})
        assert r.status_code == 422, change
        assert r.json()["error"]["details"][0]["field"] == field
    page = _post(client, f"/courses/{course}/diary", {**entry, "key": "k-html", "pain": "14"}, HTML)
    assert page.status_code == 422 and 'class="field-error"' in page.text


def test_a_diary_day_takes_twenty_entries_and_a_warning_sign_always(
    world: Any, signed_in: Any
) -> None:
    """A script cannot fill the chart: the 21st entry of a day is refused, in words, and
    nothing is stored; an entry that reports a warning sign is stored all the same (the
    stop it calls for is recorded)."""
    from sqlalchemy import func, select

    from spinecare.clinic.courses import MAX_DIARY_A_DAY
    from spinecare.store.models import DiaryEntry

    course = _start(world, world.own_patient)
    client = signed_in("patient")
    for n in range(MAX_DIARY_A_DAY):
        r = _post(client, f"/courses/{course}/diary", {"day": TODAY, "key": f"k{n}", "pain": "1"})
        assert r.status_code == 201, r.text
    r = _post(client, f"/courses/{course}/diary", {"day": TODAY, "key": "more", "pain": "1"})
    assert r.status_code == 422
    (detail,) = r.json()["error"]["details"]
    assert detail["field"] == "day" and "записей за этот день уже 20" in detail["message"], detail
    page = _post(client, f"/courses/{course}/diary", {"day": TODAY, "key": "more"}, HTML)
    assert page.status_code == 422 and "записей за этот день уже 20" in page.text  # her language
    sign = {"day": TODAY, "key": "sign", "symptoms": "gait_disturbance"}
    assert _post(client, f"/courses/{course}/diary", sign).status_code == 201
    with world.app.state.db.session() as session:
        count = session.scalar(select(func.count()).select_from(DiaryEntry))
    assert count == MAX_DIARY_A_DAY + 1


def test_diary_warning_sign_pauses_and_says_stop(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("patient")
    token = csrf_of(client, "/login")
    r = client.post(
        f"/courses/{course}/diary",
        data={"csrf_token": token, "day": TODAY, "key": "k1", "symptoms": "gait_disturbance"},
        headers=HTML,
    )
    # the rule's own words (call the doctor the same day, or an ambulance)
    assert r.status_code == 200 and "вызовите скорую помощь" in r.text
    doctor = signed_in("physician")
    assert [c["id"] for c in doctor.get("/reviews", headers=JSON).json()["courses"]] == [course]
    # the screening reads the warning sign as the same answer on an intake: the course's
    # stop message was the only trace, the screening said "allowed"
    therapist = signed_in("therapist")
    path = f"/patients/{world.own_patient}/screening"
    screening = therapist.get(path, headers=JSON).json()["screening"]
    assert screening["verdict"] == "refer_urgently", screening["verdict"]
    evidence = [e for f in screening["findings"] for e in f["evidence"]]
    assert any(e["ref"].startswith("diary:") and e["value"] is True for e in evidence), evidence
    listed = therapist.get("/patients", headers=JSON).json()
    (row,) = [p for p in listed["patients"] if p["id"] == world.own_patient]
    assert row["verdict"] == "refer_urgently"  # the list's stored verdict was cleared


def test_a_patient_cannot_touch_another_patients_course(world: Any, signed_in: Any) -> None:
    """Another patient's course is not found (404): a patient learns nothing of it."""
    other_course = _start(world, _patient_id(world, "demo-volkov"))
    client = signed_in("patient")
    for path in (
        f"/courses/{other_course}",
        f"/courses/{other_course}/home",
        f"/courses/{other_course}/handout.pdf",
        f"/courses/{other_course}/progress",
    ):
        assert client.get(path, headers=JSON).status_code == 404, path
    r = _post(client, f"/courses/{other_course}/diary", {"day": TODAY, "key": "evil", "pain": "1"})
    assert r.status_code == 404
    from sqlalchemy import func, select

    from spinecare.store.models import DiaryEntry

    with world.app.state.db.session() as session:
        assert session.scalar(select(func.count()).select_from(DiaryEntry)) == 0


def _pdf_text(raw: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)


def test_handout_pdf_in_both_languages(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("patient")
    en = client.get(f"/courses/{course}/handout.pdf?lang=en")
    assert en.status_code == 200 and en.headers["content-type"] == "application/pdf"
    text = " ".join(_pdf_text(en.content).split())
    assert "Елена Соколова" in text
    assert "Stop" in text and "Demo clinic" in text
    ru = client.get(f"/courses/{course}/handout.pdf?lang=ru")
    text_ru = " ".join(_pdf_text(ru.content).split())
    assert "Самомассаж" in text_ru or "самомассаж" in text_ru
    assert "врач" in text_ru
    assert client.get(f"/courses/{course}/handout.pdf?lang=de", headers=JSON).status_code == 422


def test_the_clinics_contacts_reach_the_handout(world: Any, signed_in: Any) -> None:
    """The administrator writes the clinic's phone, address and hours (a wrong phone is
    refused beside its field, nothing saved); the patient's handout prints them."""
    admin = signed_in("admin")
    bad = {"phone": "call us", "email": "x", "address": "Lenina 1", "hours": "9-18"}
    refused = _post(admin, "/clinic", bad)
    assert refused.status_code == 422
    fields = {d["field"] for d in refused.json()["error"]["details"]}
    assert fields == {"phone", "email"}
    assert admin.get("/clinic", headers=JSON).json()["clinic"]["address"] is None
    contacts = {
        "phone": "+7 495 123-45-67",
        "email": "clinic@example.org",
        "address": "ul. Lenina 1, Moscow",
        "hours": "Mon-Fri 9:00-18:00",
    }
    saved = _post(admin, "/clinic", contacts)
    assert saved.status_code == 200 and saved.json()["clinic"]["phone"] == "+7 495 123-45-67"
    page = admin.get("/clinic", headers=HTML)
    assert 'value="ul. Lenina 1, Moscow"' in page.text
    course = _start(world, world.own_patient)
    text = " ".join(
        _pdf_text(signed_in("patient").get(f"/courses/{course}/handout.pdf").content).split()
    )
    for value in contacts.values():
        assert value in text, value


def test_calendar_file(world: Any, signed_in: Any) -> None:
    from icalendar import Calendar

    course = _start(world, world.own_patient)
    client = signed_in("patient")
    r = client.get(f"/courses/{course}/calendar.ics?lang=ru")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(r.content).walk("VEVENT")]
    assert len(events) == 1 and "RRULE" in events[0]


# ---------------------------------------------------------------------------------------
# Languages


def test_user_picks_russian_and_patient_gets_their_language(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    token = csrf_of(client, "/login")
    r = client.post(
        "/language",
        data={"csrf_token": token, "language": "ru", "next": f"/courses/{course}"},
        headers=HTML,
    )
    assert r.status_code == 200
    assert "Сеансы" in r.text and "Пациенты" in r.text
    assert '<html lang="ru">' in r.text
    # the choice is kept on the user, not only in the cookie
    fresh = login(world.client(), "therapist", PASSWORDS["therapist"])
    assert "Сеансы" in fresh.get(f"/courses/{course}", headers=HTML).text
    # a patient without a choice gets the language of their record (Sokolova: ru)
    patient = signed_in("patient")
    page = patient.get(f"/courses/{course}/home", headers=HTML)
    assert "Прекратите и позвоните врачу" in page.text and '<html lang="ru">' in page.text
    token = csrf_of(patient, "/login")
    r = patient.post(
        "/language",
        data={"csrf_token": token, "language": "en", "next": f"/courses/{course}/home"},
        headers=HTML,
    )
    assert "Stop and call your doctor" in r.text
    # and their calendar and handout follow their choice (they came in the record's
    # Russian whatever the patient read the pages in)
    calendar = patient.get(f"/courses/{course}/calendar.ics")
    assert b"Time for your self-massage" in calendar.content
    # the staff's copy stays in the record's language: the handout is the patient's
    staff = client.get(f"/courses/{course}/calendar.ics")
    assert "Самомассаж".encode() in staff.content


def test_russian_catalog_covers_every_template_string() -> None:
    from babel.messages.pofile import read_po

    from spinecare.web.i18n import LOCALE_DIR

    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
    assert len(catalog) > 100


def test_a_decimal_comma_is_read_where_a_page_writes_one(world: Any, signed_in: Any) -> None:
    """A page in Russian writes 7.5 back as "7,5": the home program, the diary and the
    course plan read a decimal comma as the decimal point it is ("«7,5» — не число" made a
    Russian form refuse to be saved again as it stood)."""
    course = _start(world, world.own_patient)
    therapist = signed_in("therapist")
    saved = _post(
        therapist,
        f"/courses/{course}/home-program",
        {"home_collar_zone": ["knead_shoulder"], "home_minutes_collar_zone": "7,5"},
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["course"]["home"][0]["minutes"] == 7.5
    patient = signed_in("patient")
    entry = {"day": TODAY, "done": "yes", "pain": "2", "minutes": "7,5", "key": "comma-1"}
    diary = _post(patient, f"/courses/{course}/diary", entry)
    assert diary.status_code == 201, diary.text
    assert diary.json()["entry"]["minutes"] == 7.5
    from spinecare.engine.course.model import _number

    assert _number("sessions_per_week", "2,5") == 2.5
    # "1,000": a thousand in English, one in Russian: refused, never read as one of them
    typed = {**entry, "minutes": "1,000", "key": "comma-2"}
    refused = _post(patient, f"/courses/{course}/diary", typed)
    assert refused.status_code in (400, 422) and "1,000" in refused.text


UNDER_WAY = {"en": "A course is under way since", "ru": "Курс идёт с"}
READY = {"en": "Ready: the course can start", "ru": "Готов: курс можно начинать"}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_plan_page_of_a_patient_with_a_course_under_way_offers_no_start(
    world: Any, signed_in: Any, lang: str
) -> None:
    """The plan page said "Ready: the course can start" and showed the form while a course
    was under way, and refused it only once sent: it says first that a course is under
    way, with a link to it, and offers no form."""
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    assert _post(client, "/language", {"language": lang}).status_code == 200
    page = client.get(f"/patients/{world.own_patient}/course/new", headers=HTML)
    assert page.status_code == 200
    head = page.text[page.text.index("<h1") : page.text.index("</div>", page.text.index("<h1"))]
    assert UNDER_WAY[lang] in head and f'href="/courses/{course}"' in head
    assert 'data-plan-status="running"' in head
    assert READY[lang] not in page.text and 'action="/patients/' not in page.text
    twin = signed_in("therapist").get(
        f"/patients/{world.own_patient}/course/new", headers={"Accept": "application/json"}
    )
    assert twin.json()["may_start"] is False and twin.json()["running"]["id"] == course


def test_a_course_not_yet_started_can_be_ended(world: Any, signed_in: Any) -> None:
    """A course started with tomorrow's date (called off, or a wrong date) could not be
    ended before that day, and a patient has one course under way at a time: it ends on
    its start, with no session held."""
    tomorrow = date.today() + timedelta(days=1)
    course = _start(world, world.own_patient, start_day=tomorrow)
    r = _post(signed_in("therapist"), f"/courses/{course}/complete", {"confirm": "yes"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed" and r.json()["course"]["end"] == tomorrow.isoformat()


def test_a_session_says_which_required_field_is_empty(world: Any, signed_in: Any) -> None:
    """Minutes left empty were saved as 0 minutes without a word, and an empty pain score
    was "'' is not a pain score": each is required, said so beside its field."""
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    pains = {"pre_pain": "3", "post_pain": "2"}
    empty = _post(client, f"/courses/{course}/sessions", {**DAY, **pains, "minutes": " "}, HTML)
    assert empty.status_code == 422
    assert "required: how many minutes the session took" in empty.text
    no_pain = _post(client, f"/courses/{course}/sessions", {**DAY, "post_pain": ""}, HTML)
    assert no_pain.status_code == 422
    assert (
        "required: a pain score from 0 to 10" in no_pain.text and "&#39;&#39;" not in no_pain.text
    )


def test_a_session_lost_to_a_change_meanwhile_says_nothing_was_saved(
    world: Any, signed_in: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone else changed the course while the session was saved: the page says that
    nothing was saved and what to do (it said only "reload the page")."""
    from spinecare.clinic import VersionConflict
    from spinecare.clinic import courses as clinic_courses
    from spinecare.messages import Message

    course = _start(world, world.own_patient)

    def lost(*_args: Any, **_kwargs: Any) -> Any:
        raise VersionConflict(Message("course %(id)s was changed meanwhile; reload", id=course))

    monkeypatch.setattr(clinic_courses, "record_session", lost)
    client = signed_in("therapist")
    r = _post(
        client, f"/courses/{course}/sessions", {**DAY, "pre_pain": "3", "post_pain": "2"}, HTML
    )
    assert r.status_code == 409
    assert "nothing was saved: reload the page and enter it again" in r.text
    assert f"course {course}" not in r.text


def test_the_session_day_reads_a_temperature_in_fahrenheit(world: Any, signed_in: Any) -> None:
    """The session day's form offers °F as the intake form does (98.6 was refused as 98.6 °C
    out of range)."""
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    page = client.get(f"/courses/{course}", headers=HTML)
    assert '<select name="temperature_unit">' in page.text and "°F" in page.text
    day = {**DAY, "temperature": "98.6", "temperature_unit": "[degF]"}
    r = _post(client, f"/courses/{course}/check", day)
    assert r.status_code == 200, r.text


def test_a_paused_course_tells_the_patient_to_stop_and_offers_no_timer(
    world: Any, signed_in: Any
) -> None:
    """After a warning sign the routine's page keeps saying stop (not only the page the
    diary answer opened) and offers no timer to start, until the physician resumes it."""
    course = _start(world, world.own_patient)
    patient = signed_in("patient")
    before = patient.get(f"/courses/{course}/home", headers=HTML).text
    assert 'class="timer-start"' in before and "пока остановлен" not in before
    r = _post(
        patient,
        f"/courses/{course}/diary",
        {"day": TODAY, "key": "k1", "symptoms": "gait_disturbance"},
    )
    assert r.status_code == 201 and r.json()["stop_events"]
    page = patient.get(f"/courses/{course}/home", headers=HTML).text
    assert "Самомассаж пока остановлен" in page
    assert 'class="timer-start"' not in page


def _second_physician(world: Any) -> None:
    from spinecare.clinic.accounts import create_user
    from spinecare.store.models import Clinic

    with world.app.state.db.session() as session:
        clinic = session.get(Clinic, _user(world, "physician").clinic_id)
        create_user(
            session,
            clinic=clinic,
            username="physician2",
            password="Second-doctor-2026!",
            role="physician",
        )


def test_a_course_names_its_physician_where_the_clinic_has_several(
    world: Any, signed_in: Any
) -> None:
    """With two physicians none is chosen for the therapist: a course started without one
    is refused beside the field (its stop events would reach nobody)."""
    _second_physician(world)
    therapist = signed_in("therapist")
    r = _post(therapist, f"/patients/{world.own_patient}/courses", {"start": TODAY})
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["error"]["details"]] == ["physician_id"]
    page = therapist.get(f"/patients/{world.own_patient}/course/new", headers=HTML).text
    assert 'name="physician_id" aria-labelledby="physician-legend" required' in page


def test_a_paused_course_no_physician_reviews_reaches_every_physician(
    world: Any, signed_in: Any
) -> None:
    """A course that names no physician (started before the clinic had one), paused by a
    stop rule, is in every physician's queue; one of them opens and resumes it."""
    from spinecare.store.models import CourseRow

    course = _start(world, world.own_patient)
    with world.app.state.db.session() as session:
        session.get(CourseRow, course).physician_id = None
    _second_physician(world)
    patient = signed_in("patient")
    r = _post(
        patient,
        f"/courses/{course}/diary",
        {"day": TODAY, "key": "k1", "symptoms": "gait_disturbance"},
    )
    assert r.status_code == 201
    doctor = login(world.client(), "physician2", "Second-doctor-2026!")
    assert [c["id"] for c in doctor.get("/reviews", headers=JSON).json()["courses"]] == [course]
    assert doctor.get(f"/courses/{course}", headers=HTML).status_code == 200
    r = _post(doctor, f"/courses/{course}/resume", {"note": "Seen today; no deficit."})
    assert r.status_code == 200 and r.json()["status"] == "active"


def test_where_a_fact_was_recorded_names_the_session_day_and_the_diary(
    world: Any, signed_in: Any
) -> None:
    """A session day's checks are listed as the session day (they said "intake form"),
    and a warning sign the patient ticked in the diary says where it was recorded."""
    course = _start(world, world.own_patient)
    therapist = signed_in("therapist")
    r = _post(therapist, f"/courses/{course}/sessions", {**DAY, "pre_pain": "3", "post_pain": "2"})
    assert r.status_code == 201, r.text
    page = therapist.get(f"/patients/{world.own_patient}", headers=HTML).text
    assert "Session day" in page or "session day" in page
    patient = signed_in("patient")
    r = _post(
        patient,
        f"/courses/{course}/diary",
        {"day": TODAY, "key": "k9", "symptoms": "gait_disturbance"},
    )
    assert r.status_code == 201
    screening = therapist.get(f"/patients/{world.own_patient}/screening", headers=HTML).text
    assert "the patient&#39;s diary of" in screening or "the patient's diary of" in screening


def test_the_patients_progress_page_keeps_to_plain_words(world: Any, signed_in: Any) -> None:
    """The patient sees the chart in a box that keeps its words readable on a phone, and
    not the clinicians' citation of the minimal important change."""
    course = _start(world, world.own_patient)
    page = signed_in("patient").get(f"/courses/{course}/progress", headers=HTML).text
    assert 'class="chart-box"' in page and "Ostelo" not in page
    # the grey band in her words (her account reads Russian), not its clinical name
    assert "ощутимое улучшение" in page and not any(t in page for t in ("МЗИ", "MCID"))
    staff = signed_in("therapist").get(f"/courses/{course}/progress", headers=HTML).text
    assert "Ostelo" in staff and "MCID" in staff


def test_home_steps_of_a_zone_taken_out_are_named_in_words(world: Any, signed_in: Any) -> None:
    """Home steps still ticked for a zone the therapist took out of the course: the message
    names the zone in words and says what to do (it said "zone 'lumbosacral' is not one of
    the course's zones")."""
    from spinecare.clinic import FormError, courses
    from spinecare.kb import load_kb

    kb = load_kb()
    with world.app.state.db.session() as session:
        therapist = session.merge(_user(world, "therapist"))
        plan = courses.screen_patient(session, therapist, world.own_patient, kb, date.today()).plan
        zone = plan.zones[0]
        others = [z.id for z in kb.model.zones if z.id != zone]
        with pytest.raises(FormError) as refused:
            courses.start(
                session,
                therapist,
                world.own_patient,
                kb,
                start_day=date.today(),
                values={"zones": others[:1], "home_steps": {zone: ["x"]}},
                reasons={"zones": "the patient asks"},
                physician_id=None,
                today=date.today(),
            )
    from spinecare.i18n import translate

    message = translate(next(iter(refused.value.errors.values())), "en")
    assert zone not in message and kb.zones[zone].label.en in message
