"""A form sent with several wrong fields says every field's problem at once, beside each
field (the JSON twin: one detail per field), as the diary form does: starting a course
and recording a session."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import HTML, JSON
from tests.web.test_web_courses import DAY, _post, _start

COURSE_FIELDS = ("start", "sessions", "sessions_per_week", "minutes_per_session", "home_minutes")
WRONG_COURSE = {
    "start": "2020-01-01",
    "sessions": "10,5",
    "sessions_per_week": "9",
    "minutes_per_session": "-5",
    "home_minutes_collar_zone": "abc",
}
NOT_SAVED = {
    "en": "The session was not saved. Please correct the fields marked below.",
    "ru": "Сеанс не сохранён",
}


def _speaks(client: Any, lang: str) -> Any:
    assert _post(client, "/language", {"language": lang}).status_code == 200
    return client


def _fields(response: Any) -> list[str]:
    return [d["field"] for d in response.json()["error"]["details"]]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_starting_a_course_lists_every_wrong_field(world: Any, signed_in: Any, lang: str) -> None:
    client = _speaks(signed_in("therapist"), lang)
    path = f"/patients/{world.own_patient}/courses"
    r = _post(client, path, WRONG_COURSE)
    assert r.status_code == 422, r.text[:500]
    assert sorted(_fields(r)) == sorted(COURSE_FIELDS), r.text[:800]
    page = _post(client, path, WRONG_COURSE, HTML)
    assert page.status_code == 422
    # each field marked, the start date as the numbers are
    assert page.text.count('aria-invalid="true"') >= len(COURSE_FIELDS)
    assert page.text.count('class="field-error"') >= len(COURSE_FIELDS), page.text[:300]
    start = page.text[page.text.index('name="start"') - 200 : page.text.index('name="start"') + 200]
    assert 'aria-invalid="true"' in start


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_recording_a_session_lists_every_wrong_field(world: Any, signed_in: Any, lang: str) -> None:
    course = _start(world, world.own_patient)
    client = _speaks(signed_in("therapist"), lang)
    wrong = {**DAY, "pre_pain": "3", "post_pain": "11", "minutes": "500"}
    r = _post(client, f"/courses/{course}/sessions", wrong)
    assert r.status_code == 422, r.text[:500]
    assert sorted(_fields(r)) == ["minutes", "post_pain"], r.text[:800]
    page = _post(client, f"/courses/{course}/sessions", wrong, HTML)
    assert page.status_code == 422 and NOT_SAVED[lang] in page.text
    assert page.text.count('aria-invalid="true"') == 2
    # nothing was recorded
    sessions = client.get(f"/courses/{course}", headers=JSON).json()["sessions"]
    assert sessions == []


def test_the_session_day_says_both_numbers_of_a_blood_pressure(world: Any, signed_in: Any) -> None:
    """A systolic that is no number and a diastolic out of range: both said (only the
    systolic's was)."""
    course = _start(world, world.own_patient)
    client = signed_in("therapist")
    r = _post(client, f"/courses/{course}/check", {**DAY, "systolic": "abc", "diastolic": "500"})
    assert r.status_code == 422, r.text[:500]
    assert sorted(_fields(r)) == ["diastolic", "systolic"], r.text[:800]
