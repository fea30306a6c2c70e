"""The urgent referral letter says what was done on its day: a massage session recorded
that day is named with its minutes and pain scores, and the letter never says that
massage was not given; a day without a session keeps "Massage was not given"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import HTML, JSON
from tests.web.test_web_courses import DAY, _post, _start
from tests.web.test_web_stopped_course_downloads import warning_sign

NOT_GIVEN = {"en": "Massage was not given", "ru": "Массаж не проводился"}
GIVEN = {
    "en": "1 massage session was given on",
    "ru": "проведён 1 сеанс массажа",
}
SCORES = {
    "en": "20 minutes; pain 3 of 10 before, 2 of 10 after",
    "ru": "20 мин; боль 3 из 10 до сеанса, 2 из 10 после",
}


def _speaks(client: Any, lang: str) -> Any:
    r = _post(client, "/language", {"language": lang})
    assert r.status_code == 200, r.text[:300]
    return client


def _red_flag_in_the_diary(signed_in: Any, course: int) -> None:
    warning_sign(signed_in, course, "progressive_leg_weakness")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_session_that_day_is_said_not_denied(world: Any, signed_in: Any, lang: str) -> None:
    course = _start(world, world.own_patient)
    therapist = signed_in("therapist")
    data = {**DAY, "pre_pain": "3", "post_pain": "2", "minutes": "20"}
    r = _post(therapist, f"/courses/{course}/sessions", data)
    assert r.status_code == 201, r.text[:300]
    _red_flag_in_the_diary(signed_in, course)
    _speaks(therapist, lang)
    page = therapist.get(f"/patients/{world.own_patient}/referral", headers=HTML)
    assert page.status_code == 200
    assert NOT_GIVEN[lang] not in page.text
    assert GIVEN[lang] in page.text and SCORES[lang] in page.text
    given = therapist.get(f"/patients/{world.own_patient}/referral", headers=JSON).json()
    assert given["sessions_that_day"] == [
        {"minutes": 20, "pre_pain": 3, "post_pain": 2, "adverse_event": None}
    ]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_day_without_a_session_says_massage_was_not_given(
    world: Any, signed_in: Any, lang: str
) -> None:
    course = _start(world, world.own_patient)
    _red_flag_in_the_diary(signed_in, course)
    therapist = _speaks(signed_in("therapist"), lang)
    page = therapist.get(f"/patients/{world.own_patient}/referral", headers=HTML)
    assert page.status_code == 200
    assert NOT_GIVEN[lang] in page.text and GIVEN[lang] not in page.text
