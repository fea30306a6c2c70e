"""The daily home routine as an iCalendar (.ics) file, with the ``icalendar`` package.

One daily recurring event (``RRULE:FREQ=DAILY;COUNT=n``) at the chosen time for the
course's length, with the routine's steps and the stop rules in the description, in
the patient's language, and a reminder at the start. The UID is derived from the
patient, the course start and the zones, so a re-exported file updates the same event
in the patient's calendar instead of adding a second one.

A course that is not under way (paused by a stop rule until a physician reviews it, or
ended) has no self-massage to remind of: its file holds one all-day event on the day it
is made, with the same UID, no repetition and no reminder, saying what the patient's home
page says (:mod:`spinecare.reports.notices`) and when to stop and call the doctor. Its
``SEQUENCE`` (one more for each stop event, resumption and end of the course) is above
the routine's, so a calendar that keeps events by UID replaces the daily routine with it.
An active course whose patient's screening of the day says not to have massage now (a
red flag, a contraindication, a reason to put it off) gives the same kind of event, with
the screening's answer in the patient's words, one above the routine's ``SEQUENCE``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event

from spinecare.engine.course import Course, course_end_date, home_routine
from spinecare.errors import InputError
from spinecare.i18n import after_label, is_language, languages, quantity, translator
from spinecare.kb.loader import KB
from spinecare.messages import N_, Message, field_error
from spinecare.reports.notices import routine_notices

__all__ = ["PRODID", "home_calendar", "revision", "routine_uid"]

PRODID = "-//spinecare//home self-massage//EN"

UNKNOWN_TZ = N_("unknown time zone '%(value)s'")


def _words(lang: str) -> dict[str, str]:
    _ = translator(lang)
    return {
        "summary": _("Self-massage: %(zones)s"),
        "minutes": _("%(m)s minutes"),  # as the home page says it
        "stop": _("Stop and call your doctor:"),
        "dose": _("How much"),
        "cal": _("Home self-massage"),
        "alarm": _("Time for your self-massage"),
    }


def routine_uid(course: Course) -> str:
    """A stable UID: the same patient, course start and zones give the same event."""
    key = "|".join([course.patient_id, course.start.isoformat(), *course.zones])
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return f"home-routine-{digest}@spinecare"


def revision(course: Course) -> int:
    """The event's ``SEQUENCE``: one more at each change of the course's status (a stop
    event pauses it, a physician resumes it, it ends), so the file made after a change
    outranks the one made before it."""
    ended = 1 if course.status == "completed" else 0
    return len(course.stop_events) + len(course.resumptions) + ended


def _description(course: Course, kb: KB, lang: str, routines: list[dict[str, Any]]) -> list[str]:
    """The event's text: each routine's steps with their dose, then when to stop."""
    words = _words(lang)
    lines: list[str] = []
    for r in routines:
        length = words["minutes"] % {"m": quantity(r["minutes"], None, lang)}
        lines.append(f"{r['title']} ({r['frequency']}, {length})")
        for i, step in enumerate(r["steps"], start=1):
            lines.append(f"{i}. {step['text']} {after_label(words['dose'], step['dose'])}")
        lines.append("")
    return lines + _stop_lines(course, kb, lang)


def _stop_lines(course: Course, kb: KB, lang: str) -> list[str]:
    """When to stop and call the doctor: the course's stop rules in the patient's words."""
    rules = {rule.id: rule for rule in kb.model.plans.stop_rules}
    lines = [_words(lang)["stop"]]
    lines.extend(f"- {rules[i].text.get(lang)}" for i in course.stop_rules if i in rules)
    return lines


def home_calendar(
    course: Course,
    kb: KB,
    *,
    lang: str,
    at: time = time(9, 0),
    tz: str | None = None,
    start: date | None = None,
    days: int | None = None,
    now: datetime | None = None,
    reminder_minutes: int | None = 0,
    day: date | None = None,
    verdict: str | None = None,
) -> bytes:
    """The .ics bytes for the home routine.

    ``at`` is the time of day, in the IANA time zone ``tz`` (floating local time when
    None); the routine starts on ``start`` (the course start) and repeats daily for
    ``days`` (default: to the course's planned end). ``now`` stamps the event (DTSTAMP);
    ``reminder_minutes`` adds an alarm that many minutes before (None: no alarm).

    A paused or ended course, or one whose patient's screening on ``day`` (``verdict``)
    says not to have massage now, gives instead one all-day event on ``day`` (today) with
    its notices, and no alarm, whatever ``reminder_minutes`` says.
    """
    if not is_language(lang):
        problem = Message(
            "'%(value)s' is not a supported language (%(known)s)",
            value=lang,
            known=", ".join(languages()),
        )
        raise InputError(field_error("lang", problem))
    if not course.home:
        raise InputError(field_error("home", Message("no self-massage was taught in this course")))
    first = start or course.start
    count = days if days is not None else (course_end_date(course) - first).days + 1
    notices = routine_notices(course.status, verdict, lang)
    if count < 1 and not notices:
        problem = Message("the routine must run at least one day (got %(n)s)", n=count)
        raise InputError(field_error("days", problem))
    zone_info = None
    if tz:
        try:
            zone_info = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(field_error("tz", Message(UNKNOWN_TZ, value=tz))) from None
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _words(lang)["cal"])

    event = Event()
    event.add("uid", routine_uid(course))
    event.add("dtstamp", (now or datetime.now(UTC)).astimezone(UTC))
    # a screening's notice outranks the routine's file of the same course revision
    screened = bool(notices) and course.status == "active"
    event.add("sequence", revision(course) + screened)
    if notices:
        _notice_event(event, course, kb, lang, notices, day or date.today())
    else:
        begin = datetime.combine(first, at, tzinfo=zone_info)
        _routine_event(event, course, kb, lang, begin, count, reminder_minutes)
    cal.add_component(event)
    if zone_info is not None and not notices:
        cal.add_missing_timezones()
    out: bytes = cal.to_ical()
    return out


def _routine_event(
    event: Event,
    course: Course,
    kb: KB,
    lang: str,
    begin: datetime,
    count: int,
    reminder_minutes: int | None,
) -> None:
    """``event`` as the daily routine: from ``begin``, ``count`` days, with its reminder."""
    words = _words(lang)
    routines = home_routine(course, kb, lang)
    minutes = sum(r["minutes"] for r in routines)
    event.add("dtstart", begin)
    event.add("duration", timedelta(minutes=max(1, round(minutes))))
    event.add("rrule", {"freq": "daily", "count": count})
    zones = ", ".join(r["title"] for r in routines)
    event.add("summary", words["summary"] % {"zones": zones} if len(routines) > 1 else zones)
    event.add("description", "\n".join(_description(course, kb, lang, routines)).strip())
    event.add("categories", [words["cal"]])
    event.add("transp", "TRANSPARENT")
    if reminder_minutes is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", words["alarm"])
        alarm.add("trigger", timedelta(minutes=-reminder_minutes))
        event.add_component(alarm)


def _notice_event(
    event: Event, course: Course, kb: KB, lang: str, notices: list[str], day: date
) -> None:
    """``event`` as a routine not to be done now: all day on ``day``, titled with the
    first of ``notices``, saying them all and when to stop and call the doctor; no
    repetition, no alarm."""
    words = _words(lang)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", notices[0])
    event.add("description", "\n".join([*notices, "", *_stop_lines(course, kb, lang)]))
    event.add("categories", [words["cal"]])
    event.add("transp", "TRANSPARENT")
