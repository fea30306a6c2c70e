"""The iCalendar home routine: parses back, recurs daily, stable UID, both languages."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from icalendar import Calendar

from spinecare.errors import InputError
from spinecare.reports.calendar import home_calendar, routine_uid
from tests.reports.conftest import START, make_course

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _event(ics: bytes):
    cal = Calendar.from_ical(ics)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def test_daily_rrule_for_the_course(kb):
    course = make_course(kb)
    ics = home_calendar(course, kb, lang="ru", at=time(19, 30), tz="Europe/Moscow", now=NOW)
    cal, ev = _event(ics)
    rrule = ev["RRULE"]
    assert rrule["FREQ"] == ["DAILY"]
    assert rrule["COUNT"] == [(course.planned_end - START).days + 1]
    start = ev.decoded("DTSTART")
    assert start.date() == START and start.time() == time(19, 30)
    assert str(start.tzinfo) == "Europe/Moscow"
    assert cal.walk("VTIMEZONE")
    assert ev.decoded("DURATION") == timedelta(minutes=10)
    summary = str(ev["SUMMARY"])
    assert summary == "Самомассаж шеи и надплечий (воротниковая зона)"
    description = str(ev["DESCRIPTION"])
    assert "Сядьте прямо." in description and "Прекратите и позвоните врачу" in description
    # the routine's length as the home page writes it: no full stop inside the brackets
    assert "(воротниковая зона) (Ежедневно, 10 мин)" in description
    assert cal.walk("VALARM")


def test_english_and_stable_uid(kb):
    course = make_course(kb, "02-hughes-lumbar-osteochondrosis-osteoporosis")
    a = home_calendar(course, kb, lang="en", now=NOW, days=14)
    b = home_calendar(course, kb, lang="ru", now=NOW, days=14)
    _, ea = _event(a)
    _, eb = _event(b)
    assert str(ea["UID"]) == str(eb["UID"]) == routine_uid(course)
    assert str(ea["SUMMARY"]) == "Self-massage of the lower back"
    assert "Self-massage of the lower back (Every day, 10 minutes)" in str(ea["DESCRIPTION"])
    assert ea["RRULE"]["COUNT"] == [14]
    assert ea.decoded("DTSTART").tzinfo is None  # floating local time without tz
    assert home_calendar(course, kb, lang="en", now=NOW, days=14) == a


def test_refusals(kb):
    course = make_course(kb)
    with pytest.raises(InputError, match="tz"):
        home_calendar(course, kb, lang="en", tz="Mars/Olympus")
    with pytest.raises(InputError, match="days"):
        home_calendar(course, kb, lang="en", days=0)
    with pytest.raises(InputError, match="lang"):
        home_calendar(course, kb, lang="fr")
    no_home = make_course(kb, modalities=["classical"])
    with pytest.raises(InputError, match="home"):
        home_calendar(no_home, kb, lang="en")
