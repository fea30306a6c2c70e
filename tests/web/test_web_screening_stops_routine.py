"""A red flag the patient ticks in the diary keeps the home routine stopped after the
physician resumes the course: a physician's resumption is no clearance, and a red flag
is never settled by one (DESIGN.md section 3). While the patient's screening of the day
refers urgently, is contraindicated or defers, the home page, the handout and the
calendar say the screening's answer in the patient's words and offer no timer and no
reminder; the physician's resume form shows the screening of the day and says so."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import HTML, JSON
from tests.web.test_web_courses import _post, _start
from tests.web.test_web_stopped_course_downloads import (
    _calendar_event,
    _flat,
    _step,
    _words,
    warning_sign,
)

SEE_A_DOCTOR = {
    "en": "Do not have massage. Please see a doctor today.",
    "ru": "Массаж делать нельзя. Пожалуйста, обратитесь к врачу сегодня.",
}
STAYS_STOPPED = {
    "en": "Resuming the course does not settle this",
    "ru": "Возобновление курса этого не снимает",
}
REFER = {"en": "Refer urgently", "ru": "Срочно к врачу"}


def _speaks(client: Any, lang: str) -> Any:
    r = _post(client, "/language", {"language": lang})
    assert r.status_code == 200, r.text[:300]
    return client


def _leg_weakness_then_resumed(world: Any, signed_in: Any, lang: str) -> int:
    """The patient ticks worsening leg weakness in the diary (a red flag answer); the
    course pauses; the physician reads today's screening on the course page and resumes."""
    course = _start(world, world.own_patient)
    warning_sign(signed_in, course, "progressive_leg_weakness")
    physician = _speaks(signed_in("physician"), lang)
    page = physician.get(f"/courses/{course}", headers=HTML)
    assert page.status_code == 200
    # the resume form shows the screening of the day with its reason, and what resuming
    # leaves stopped
    form = page.text[page.text.index('class="today-screening') : page.text.index("/resume")]
    assert 'data-verdict="refer_urgently"' in form and REFER[lang] in form
    assert STAYS_STOPPED[lang] in form
    assert "<li>" in form  # the finding that decides it
    today = physician.get(f"/courses/{course}", headers=JSON).json()["screening_today"]
    assert today["verdict"] == "refer_urgently" and today["reasons"]
    r = _post(physician, f"/courses/{course}/resume", {"note": "seen, go on"})
    assert r.status_code == 200 and r.json()["status"] == "active", r.text[:300]
    return course


STOPPED_TOO = {
    "en": "Your self-massage routine is stopped too",
    "ru": "Ваш комплекс самомассажа тоже остановлен",
}
HANDOUT_STOPPED = {
    "en": "Stopped: no massage and no self-massage",
    "ru": "Остановлен: ни массажа, ни самомассажа",
}
WAYS = {"en": "Ways to continue", "ru": "Как продолжать"}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_red_flag_keeps_the_routine_stopped_after_the_course_is_resumed(
    world: Any, signed_in: Any, lang: str
) -> None:
    course = _leg_weakness_then_resumed(world, signed_in, lang)
    patient = _speaks(signed_in("patient"), lang)
    # the screening says it; the home page says the same, with no timer
    screening = patient.get(f"/patients/{world.own_patient}/screening", headers=HTML).text
    assert SEE_A_DOCTOR[lang] in screening
    for path in (f"/courses/{course}/home", "/me/home"):
        home = patient.get(path, headers=HTML)
        assert home.status_code == 200
        assert SEE_A_DOCTOR[lang] in home.text and 'data-verdict="refer_urgently"' in home.text
        assert 'class="timer"' not in home.text
        # no steps, no "I did my routine today", no ways to go on: the routine is stopped
        assert 'class="routine"' not in home.text and 'name="done"' not in home.text
        assert 'class="cost"' not in home.text
        assert STOPPED_TOO[lang] in home.text
    data = patient.get(f"/courses/{course}/home", headers=JSON).json()
    assert data["screening_stop"]["verdict"] == "refer_urgently"
    # the handout prints the answer first and no routine; the calendar reminds of nothing
    text = _words(patient.get(f"/courses/{course}/handout.pdf?lang={lang}").content)
    assert _flat(SEE_A_DOCTOR[lang]) in text and _step(lang) not in text
    assert _flat(HANDOUT_STOPPED[lang]) in text and _flat(WAYS[lang]) not in text
    event = _calendar_event(patient.get(f"/courses/{course}/calendar.ics?lang={lang}").content)
    assert not event.walk("VALARM") and "RRULE" not in event
    assert str(event["SUMMARY"]) == SEE_A_DOCTOR[lang]


def test_an_allowing_screening_offers_the_routine(world: Any, signed_in: Any) -> None:
    course = _start(world, world.own_patient)
    patient = signed_in("patient")
    home = patient.get(f"/courses/{course}/home", headers=HTML).text
    assert 'class="timer"' in home and "data-verdict=" not in home
    assert patient.get(f"/courses/{course}/home", headers=JSON).json()["screening_stop"] is None
