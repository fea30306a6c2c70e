"""The printed handout and the calendar file of a course that is not under way: while a
stop rule has paused it (a physician reviews it), they say first, in the words of the
patient's home page, to stop the self-massage and call the doctor, and offer no routine
to do and no reminder; an ended course likewise, with the ended course's words."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.web.conftest import HTML, JSON, csrf_of
from tests.web.test_web_courses import TODAY, _pdf_text, _start

STOPPED = {
    "en": "Your self-massage is stopped for now. Do not do it until your doctor or therapist "
    "tells you that you may go on. If you have not yet spoken to your doctor, call today.",
    "ru": "Самомассаж пока остановлен. Не делайте его, пока врач или массажист не скажет, что "
    "можно продолжать. Если вы ещё не говорили с врачом, позвоните сегодня.",
}
ENDED = {
    "en": "This course has ended. Ask your therapist before you go on with the self-massage.",
    "ru": "Этот курс завершён. Прежде чем продолжать самомассаж, спросите своего массажиста.",
}


def _step(lang: str) -> str:
    """The first step of the collar zone's routine (the demo patient's), in ``lang``."""
    from spinecare.kb import load_kb

    (collar,) = [h for h in load_kb().model.plans.home_programs if h.zone == "collar_zone"]
    return _flat(collar.steps[0].text.get(lang))


def _flat(text: str) -> str:
    """``text`` without its spaces: a PDF's lines break where they may ("self- massage")."""
    return "".join(text.split())


def _words(raw: bytes) -> str:
    return _flat(_pdf_text(raw))


def warning_sign(signed_in: Any, course: int, symptom: str = "saddle_anaesthesia") -> None:
    """The patient ticks a warning sign (``symptom``) in the diary: a stop rule pauses the
    course."""
    patient = signed_in("patient")
    r = patient.post(
        f"/courses/{course}/diary",
        data={
            "csrf_token": csrf_of(patient, "/login"),
            "day": TODAY,
            "key": f"stop-{symptom}",
            "symptoms": symptom,
        },
        headers=JSON,
    )
    assert r.status_code == 201 and r.json()["stop_events"], r.text[:300]


def _pause(world: Any, signed_in: Any, course: int) -> None:
    warning_sign(signed_in, course)


def _end(signed_in: Any, course: int) -> None:
    therapist = signed_in("therapist")
    r = therapist.post(
        f"/courses/{course}/complete",
        data={"csrf_token": csrf_of(therapist, "/login"), "confirm": "yes"},
        headers=JSON,
    )
    assert r.status_code == 200 and r.json()["status"] == "completed", r.text[:300]


def _calendar_event(raw: bytes) -> Any:
    from icalendar import Calendar

    events = Calendar.from_ical(raw).walk("VEVENT")
    assert len(events) == 1
    return events[0]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_active_course_prints_the_routine_and_reminds_of_it(
    world: Any, signed_in: Any, lang: str
) -> None:
    course = _start(world, world.own_patient)
    patient = signed_in("patient")
    text = _words(patient.get(f"/courses/{course}/handout.pdf?lang={lang}").content)
    assert _step(lang) in text
    assert _flat(STOPPED[lang]) not in text and _flat(ENDED[lang]) not in text
    event = _calendar_event(patient.get(f"/courses/{course}/calendar.ics?lang={lang}").content)
    assert "RRULE" in event and event.walk("VALARM")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_paused_course_says_stop_first_and_sets_no_reminder(
    world: Any, signed_in: Any, lang: str
) -> None:
    course = _start(world, world.own_patient)
    patient = signed_in("patient")
    uid = str(_calendar_event(patient.get(f"/courses/{course}/calendar.ics").content)["UID"])
    _pause(world, signed_in, course)
    # the words the patient's home page says (the patient reads Russian)
    home = patient.get(f"/courses/{course}/home", headers=HTML)
    assert home.status_code == 200 and _flat(STOPPED["ru"]) in _flat(home.text)
    for who in ("patient", "therapist"):
        r = signed_in(who).get(f"/courses/{course}/handout.pdf?lang={lang}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        text = _words(r.content)
        # said first, before the routine's place and the stop rules
        assert _flat(STOPPED[lang]) in text, text[:600]
        stop_rules = "Stopandcallyourdoctor" if lang == "en" else "Прекратитеипозвонитеврачу"
        assert text.index(_flat(STOPPED[lang])) < text.index(stop_rules)
        assert _step(lang) not in text  # no routine to do now
        r = signed_in(who).get(f"/courses/{course}/calendar.ics?lang={lang}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
        event = _calendar_event(r.content)
        assert not event.walk("VALARM") and "RRULE" not in event  # no reminder, no day after
        assert str(event["SUMMARY"]).startswith(STOPPED[lang])
        assert _step(lang) not in _flat(str(event["DESCRIPTION"]))
        assert event.decoded("DTSTART") == date.today()  # all day, the day it was made
        # the routine's own event, replaced where the calendar keeps events by UID
        assert str(event["UID"]) == uid and int(event["SEQUENCE"]) >= 1


def test_an_ended_course_says_so_and_sets_no_reminder(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    _end(signed_in, course)
    patient = signed_in("patient")
    for lang in ("en", "ru"):
        text = _words(patient.get(f"/courses/{course}/handout.pdf?lang={lang}").content)
        assert _flat(ENDED[lang]) in text and _step(lang) not in text
        event = _calendar_event(patient.get(f"/courses/{course}/calendar.ics?lang={lang}").content)
        assert not event.walk("VALARM") and "RRULE" not in event
        assert str(event["SUMMARY"]).startswith(ENDED[lang])
