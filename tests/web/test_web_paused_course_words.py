"""What the pages say of a course a stop rule has paused: the patient's screening says
so first, in the words of their home page, never "massage is possible"; after a warning
sign in the diary the home page says what the stop rule says (call the doctor the same
day, or an ambulance) and what the app did (the course is paused and waits in the
physician's queue; nobody was called or messaged); the course's page shows each
resumption once, after the stop events it answered."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, csrf_of
from tests.web.test_web_courses import DAY, TODAY, _post, _start

PAUSED = {
    "en": "Your self-massage is stopped for now. Do not do it until your doctor or therapist "
    "tells you that you may go on. If you have not yet spoken to your doctor, call today.",
    "ru": "Самомассаж пока остановлен",
}
POSSIBLE = {"en": "Massage is possible for you", "ru": "Массаж вам можно"}
RED_FLAG_RULE = {  # the KB's text of the rule new_neurological_symptoms
    "en": "Stop and call your doctor the same day - or emergency services - if you get new",
    "ru": "Прекратите и в тот же день позвоните врачу — или вызовите скорую помощь, — если",
}
WHAT_WAS_DONE = {
    "en": "Your course is paused and is now on your clinic doctor's list of courses to "
    "review. The app does not phone or message anyone: please call yourself.",
    "ru": "Ваш курс приостановлен и теперь стоит в списке курсов, которые должен "
    "просмотреть врач клиники. Приложение никому не звонит и не пишет: позвоните, "
    "пожалуйста, сами.",
}
PROMISED = ("have been told", "have been notified", "уведомлены")


def _speaks(client: Any, lang: str) -> Any:
    token = csrf_of(client, "/login")
    r = client.post("/language", data={"language": lang, "csrf_token": token}, headers=JSON)
    assert r.status_code == 200, r.text[:300]
    return client


def _pain_rise(world: Any, signed_in: Any, course: int) -> None:
    """A session whose pain rose by 3: the stop rule pain_increase pauses the course."""
    data = {**DAY, "pre_pain": "3", "post_pain": "6", "minutes": "15"}
    r = _post(signed_in("therapist"), f"/courses/{course}/sessions", data)
    assert r.status_code == 201 and r.json()["course"]["status"] == "paused", r.text[:300]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_patients_screening_says_first_that_the_course_is_paused(
    world: Any, signed_in: Any, lang: str
) -> None:
    """A pain rise paused the course and the screening itself allows massage: the
    patient's own screening said "Massage is possible for you." while their home page
    said to stop."""
    course = _start(world, world.own_patient)
    patient = _speaks(signed_in("patient"), lang)
    path = f"/patients/{world.own_patient}/screening"
    before = patient.get(path, headers=HTML).text
    assert POSSIBLE[lang] in before and PAUSED[lang] not in before
    _pain_rise(world, signed_in, course)
    page = patient.get(path, headers=HTML)
    assert page.status_code == 200
    text = page.text
    # the home page's notice (reports/notices.py), before the heading and any verdict
    assert PAUSED[lang] in text
    assert text.index(PAUSED[lang]) < text.index("<h1")
    assert 'data-course-status="paused"' in text
    assert POSSIBLE[lang] not in text
    home = patient.get(f"/courses/{course}/home", headers=HTML).text
    assert PAUSED[lang] in home  # the same words, one text
    mine = patient.get(path, headers=JSON).json()
    assert mine["paused_course"] == course and mine["verdict_text"] is None
    # once the physician resumes the course, the screening says what it says again
    r = _post(signed_in("physician"), f"/courses/{course}/resume", {"note": "go on gently"})
    assert r.status_code == 200
    again = patient.get(path, headers=HTML).text
    assert POSSIBLE[lang] in again and PAUSED[lang] not in again


def test_a_stricter_verdict_stays_under_the_paused_notice(world: Any, signed_in: Any) -> None:
    """A warning sign in the diary pauses the course and refers urgently: the patient
    reads both, the notice first."""
    course = _start(world, world.own_patient)
    patient = _speaks(signed_in("patient"), "en")
    entry = {"day": TODAY, "key": "k1", "symptoms": "saddle_anaesthesia"}
    assert _post(patient, f"/courses/{course}/diary", entry).status_code == 201
    text = patient.get(f"/patients/{world.own_patient}/screening", headers=HTML).text
    urgent = "Do not have massage. Please see a doctor today."
    assert PAUSED["en"] in text and urgent in text
    assert text.index(PAUSED["en"]) < text.index(urgent)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_red_flag_in_the_diary_says_what_the_rule_says_and_what_was_done(
    world: Any, signed_in: Any, lang: str
) -> None:
    course = _start(world, world.own_patient)
    patient = _speaks(signed_in("patient"), lang)
    entry = {"day": TODAY, "key": "k1", "symptoms": "saddle_anaesthesia"}
    page = _post(patient, f"/courses/{course}/diary", entry, HTML)
    assert page.status_code == 200
    assert "saved=stop" in str(page.url)
    text = " ".join(page.text.split())
    stop = text[text.index('id="stop"') :]
    stop = stop[: stop.index("</div>")]
    # the rule's own words (an ambulance too), then what the app did, nothing promised
    assert RED_FLAG_RULE[lang] in stop
    assert WHAT_WAS_DONE[lang] in stop
    assert not any(words in text for words in PROMISED)
    # what it says is so: the course is paused and in the physician's queue
    queue = signed_in("physician").get("/reviews", headers=JSON).json()["courses"]
    assert [c["id"] for c in queue] == [course]
    assert queue[0]["status"] == "paused"


def test_the_stop_message_is_not_said_of_a_course_under_way(world: Any, signed_in: Any) -> None:
    """The address of the stop message opened again after the physician resumed the
    course says nothing of a pause."""
    course = _start(world, world.own_patient)
    patient = _speaks(signed_in("patient"), "en")
    entry = {"day": TODAY, "key": "k1", "symptoms": "saddle_anaesthesia"}
    assert _post(patient, f"/courses/{course}/diary", entry).status_code == 201
    r = _post(signed_in("physician"), f"/courses/{course}/resume", {"note": "seen today"})
    assert r.status_code == 200
    text = patient.get(f"/courses/{course}/home?saved=stop", headers=HTML).text
    assert WHAT_WAS_DONE["en"] not in text and 'id="stop"' not in text


def _course_page(world: Any, signed_in: Any, course: int) -> str:
    page = signed_in("physician").get(f"/courses/{course}", headers=HTML)
    assert page.status_code == 200
    return page.text


def _forget_answered(world: Any, course: int) -> None:
    """The course as a resumption recorded before it said which stop events it answered."""
    from spinecare.store.models import CourseRow

    with world.app.state.db.session() as session:
        row = session.get(CourseRow, course)
        data = dict(row.data)
        data["resumptions"] = [
            {k: v for k, v in r.items() if k != "answered"} for r in data["resumptions"]
        ]
        row.data = data


@pytest.mark.parametrize("kept", ["answered", "dates"])
def test_a_resumption_is_shown_once_after_the_stop_it_answered(
    world: Any, signed_in: Any, kept: str
) -> None:
    """A pain rise, the physician's resumption, then a red flag in the diary: the note
    stood under both stop events, as if the course had been resumed after the red flag."""
    course = _start(world, world.own_patient)
    _pain_rise(world, signed_in, course)
    note = "Soreness only; go on gently."
    r = _post(signed_in("physician"), f"/courses/{course}/resume", {"note": note})
    assert r.status_code == 200
    assert r.json()["course"]["resumptions"][0]["answered"] == 1
    entry = {"day": TODAY, "key": "k1", "symptoms": "saddle_anaesthesia"}
    assert _post(signed_in("patient"), f"/courses/{course}/diary", entry).status_code == 201
    if kept == "dates":
        _forget_answered(world, course)
    text = _course_page(world, signed_in, course)
    assert text.count(note) == 1
    pain = text.index('data-rule="pain_increase"')
    resumed = text.index(note)
    red_flag = text.index('data-rule="new_neurological_symptoms"')
    assert pain < resumed < red_flag
    assert text.count('class="note resumed"') == 1
    assert "Resume the course" in text  # the red flag waits for the physician


def test_the_patients_own_json_leaves_out_the_physicians_note_on_resuming(
    world: Any, signed_in: Any
) -> None:
    """The physician's note on resuming a course is written to the clinicians; the JSON
    of the patient's home and progress pages gave the stored course whole."""
    course = _start(world, world.own_patient)
    _pain_rise(world, signed_in, course)
    note = "Seen: the rise was a flare of the old disc"
    r = _post(signed_in("physician"), f"/courses/{course}/resume", {"note": note})
    assert r.status_code in (200, 303), r.text[:300]
    patient = signed_in("patient")
    for page in ("home", "progress"):
        r = patient.get(f"/courses/{course}/{page}", headers=JSON)
        assert r.status_code == 200, r.text[:300]
        assert note not in r.text and "resumptions" not in r.json()["course"]["course"]
    staff = signed_in("therapist").get(f"/courses/{course}/progress", headers=JSON)
    assert note in staff.text
