"""Courses: starting from a plan, adjustment ranges, sessions, stop rules, progress."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from spinecare.core import load_record, plan
from spinecare.engine.course import (
    Course,
    Session,
    adherence_of,
    apply_stop_rules,
    check_session_day,
    complete_course,
    home_routine,
    new_session,
    planned_by,
    progress,
    resume_course,
    start_course,
)
from spinecare.errors import InputError
from spinecare.i18n import translate
from spinecare.record.model import Answer, Clearance

DEMO = "spinecare/demo/"
SOKOLOVA = DEMO + "01-sokolova-cervical-osteochondrosis.yaml"
HUGHES = DEMO + "02-hughes-lumbar-osteochondrosis-osteoporosis.yaml"
KUZNETSOVA = DEMO + "05-kuznetsova-herniation-no-clearance.yaml"
FEDOROVA = DEMO + "09-fedorova-active-cancer.yaml"
AS_OF = "2026-11-20"
START = date(2026, 11, 23)


@pytest.fixture(scope="module")
def ready_plan(kb):
    p = plan(SOKOLOVA, AS_OF, kb=kb)
    assert p.status == "ready"
    return p


@pytest.fixture
def course(ready_plan, kb) -> Course:
    return start_course(ready_plan, start=START, kb=kb)


def _session(day_offset: int, pre: int, post: int, **kw) -> Session:
    return Session(day=START + timedelta(days=day_offset), pre_pain=pre, post_pain=post, **kw)


# --- starting a course ---------------------------------------------------------------


def test_start_defaults_to_the_plan(course, ready_plan):
    assert course.status == "active"
    assert course.zones == ["collar_zone"]
    assert course.modalities == ["classical", "self_massage"]
    assert course.sessions == ready_plan.course["sessions"] == 10
    assert course.sessions_per_week == 3
    assert course.minutes_per_session == 15
    assert course.techniques == ["stroking", "rubbing", "kneading", "vibration", "stroking"]
    assert course.adjustments == []
    assert course.stop_rules == ["pain_increase", "new_neurological_symptoms", "adverse_event"]
    assert [h.zone for h in course.home] == ["collar_zone"]
    assert course.planned_end == date(2026, 12, 16)  # 10 sessions at 3 a week


@pytest.mark.parametrize(
    ("source", "status", "words"),
    [
        (KUZNETSOVA, "pending", ["provisional", "prepared but not started", "Disc herniation"]),
        (FEDOROVA, "blocked", ["does not allow massage", "no course can be started", "malignant"]),
    ],
)
def test_only_a_ready_plan_starts(kb, source, status, words):
    p = plan(source, AS_OF, kb=kb)
    assert p.status == status
    with pytest.raises(InputError) as err:
        start_course(p, start=START, kb=kb)
    for word in words:
        assert word in err.value.message


def test_adjustment_within_range_is_recorded_without_reason(ready_plan, kb):
    c = start_course(ready_plan, start=START, sessions=12, sessions_per_week=2, kb=kb)
    assert c.sessions == 12 and c.sessions_per_week == 2
    by_field = {a.field: a for a in c.adjustments}
    assert by_field["sessions"].planned == 10 and by_field["sessions"].value == 12
    assert by_field["sessions"].within_range and by_field["sessions"].reason is None
    assert (by_field["sessions"].min, by_field["sessions"].max) == (10, 15)
    assert by_field["sessions_per_week"].sources == ["sherman_2014", "policy_course_dose"]


@pytest.mark.parametrize(
    ("field", "value", "range_text"),
    [
        ("sessions", 20, "10–15 sessions"),
        ("sessions", 8, "10–15 sessions"),
        ("sessions_per_week", 7, "2–5 per week"),
        ("minutes_per_session", 45, "10–20 min"),
    ],
)
def test_outside_range_needs_a_reason(ready_plan, kb, field, value, range_text):
    with pytest.raises(InputError) as err:
        start_course(ready_plan, start=START, kb=kb, **{field: value})
    message = err.value.message
    assert message.startswith(f"{field}:")
    assert range_text in message
    assert "reason is required" in message
    # beside its field, in Russian, with the zone's name and the units as people write them
    russian = translate(message.params["problem"], "ru")
    assert "Воротниковая зона" in russian and "обоснование" in russian
    # With a written reason it is accepted and recorded.
    c = start_course(
        ready_plan,
        start=START,
        kb=kb,
        reasons={field: "  patient travels; agreed  "},
        **{field: value},
    )
    adj = next(a for a in c.adjustments if a.field == field)
    assert adj.within_range is False
    assert adj.reason == "patient travels; agreed"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"sessions": 0}, "sessions"),
        ({"sessions": -3}, "sessions"),
        ({"sessions": 10.5}, "sessions"),
        ({"minutes_per_session": "abc"}, "minutes_per_session"),
        ({"sessions_per_week": float("nan")}, "sessions_per_week"),
    ],
)
def test_impossible_course_values_refused_even_with_reason(ready_plan, kb, kwargs, field):
    with pytest.raises(InputError, match=f"^{field}:"):
        start_course(ready_plan, start=START, kb=kb, reasons={field: "because"}, **kwargs)


def test_blank_reason_is_no_reason(ready_plan, kb):
    with pytest.raises(InputError, match="reason is required"):
        start_course(ready_plan, start=START, kb=kb, sessions=30, reasons={"sessions": "   "})


def test_two_zones_combine_ranges(ready_plan, kb):
    # Adding a zone the record does not show needs a reason; minutes add up per zone.
    with pytest.raises(InputError, match=r"zones: Lumbosacral region .*: not found in the record"):
        start_course(ready_plan, start=START, kb=kb, zones=["collar_zone", "lumbosacral"])
    c = start_course(
        ready_plan,
        start=START,
        kb=kb,
        zones=["lumbosacral", "collar_zone"],
        reasons={"zones": "low back pain reported today"},
    )
    assert c.zones == ["collar_zone", "lumbosacral"]
    assert c.minutes_per_session == 35  # 15 + 20
    with pytest.raises(InputError, match=r"minutes_per_session: 60 min .*: 20–50 min\)"):
        start_course(
            ready_plan,
            start=START,
            kb=kb,
            zones=["collar_zone", "lumbosacral"],
            minutes_per_session=60,
            reasons={"zones": "low back pain reported today"},
        )
    with pytest.raises(InputError, match="zones: unknown zone 'knee'"):
        start_course(ready_plan, start=START, kb=kb, zones=["knee"], reasons={"zones": "x"})


def test_excluded_modality_is_refused_whatever_the_reason(kb):
    # Lumbar osteochondrosis (cupping proposed) on a blood thinner the physician cleared:
    # the plan is ready and cupping is excluded.
    record = load_record(HUGHES, kb)
    record = replace(
        record,
        answers=[*record.answers, Answer("t", "takes_anticoagulant", True, date(2026, 11, 20))],
        clearances=[Clearance("t", ("anticoagulant_therapy",), when=date(2026, 11, 19))],
    )
    p = plan(record, AS_OF, kb=kb)
    assert p.status == "ready" and any(a["id"] == "no_vacuum" for a in p.avoid)
    with pytest.raises(InputError, match=r"modalities: Vacuum \(cupping\) massage is excluded"):
        start_course(
            p,
            start=START,
            kb=kb,
            modalities=["classical", "vacuum"],
            reasons={"modalities": "patient asks"},
        )


def test_modality_not_proposed_needs_reason(ready_plan, kb):
    with pytest.raises(InputError, match=r"modalities: Vacuum \(cupping\) massage: not proposed"):
        start_course(ready_plan, start=START, kb=kb, modalities=["classical", "vacuum"])
    c = start_course(
        ready_plan, start=START, kb=kb, modalities=["classical"]
    )  # dropping one is within what the plan allows
    assert c.modalities == ["classical"] and c.home == []


def test_home_steps_and_minutes(ready_plan, kb):
    c = start_course(
        ready_plan,
        start=START,
        kb=kb,
        home_steps={"collar_zone": ["knead_shoulder", "stroke_neck_to_arm"]},
        home_minutes={"collar_zone": 12},
    )
    assert c.home[0].steps == ["stroke_neck_to_arm", "knead_shoulder"]  # KB order
    assert c.home[0].minutes == 12
    routine = home_routine(c, kb, "ru")
    assert routine[0]["title"].startswith("Самомассаж")
    assert len(routine[0]["steps"]) == 2
    with pytest.raises(InputError, match="home_steps: 'jump' is not a step"):
        start_course(ready_plan, start=START, kb=kb, home_steps={"collar_zone": ["jump"]})
    with pytest.raises(
        InputError, match=r"home_minutes: 40 min a day .* \(Collar zone .*: 5–15 min\)"
    ):
        start_course(ready_plan, start=START, kb=kb, home_minutes={"collar_zone": 40})


def test_course_json_round_trip(ready_plan, kb):
    c = start_course(ready_plan, start=START, kb=kb, sessions=20, reasons={"sessions": "long"})
    apply_stop_rules(c, [_session(0, 3, 6)], {}, kb)
    again = Course.from_json(c.to_json())
    assert again.to_json() == c.to_json()
    s = _session(2, 4, 3, techniques={"collar_zone": ["stroking"]}, minutes=15, notes=" ok ")
    assert Session.from_json(s.to_json()) == s


# --- the session day ------------------------------------------------------------------


def test_session_day_allowed_with_fresh_data(kb, course):
    record = load_record(SOKOLOVA, kb)
    check = check_session_day(record, kb, date(2026, 11, 20), "en", course=None)
    assert check.may_start and check.verdict == "allowed"
    assert check.reasons == [] and check.missing == []


def test_session_day_stale_data_blocks_and_names_what_to_measure(kb, course):
    record = load_record(SOKOLOVA, kb)
    day = date(2026, 12, 23)
    check = check_session_day(record, kb, day, "en", course=course)
    assert not check.may_start
    assert check.verdict == "needs_data"
    assert {m["item"] for m in check.missing} >= {"blood_pressure", "body_temperature"}
    # That day's vitals and answers settle it.
    check = check_session_day(
        record,
        kb,
        day,
        "en",
        pain=3,
        vitals={"systolic_bp": 124, "diastolic_bp": 80, "body_temperature": 36.7},
        answers={"fever_today": False},
        course=course,
    )
    assert check.may_start, check.to_json()


def test_session_day_fever_defers(kb, course):
    record = load_record(SOKOLOVA, kb)
    check = check_session_day(
        record, kb, date(2026, 11, 20), "ru", vitals={"body_temperature": 38.2}, course=course
    )
    assert not check.may_start
    assert check.verdict == "defer"
    assert any(r["concept"] == "fever" and r["certainty"] == "present" for r in check.reasons)


def test_session_day_red_flag_answer(kb):
    record = load_record(SOKOLOVA, kb)
    record = replace(
        record,
        answers=[*record.answers, Answer("test", "gait_disturbance", True, date(2026, 11, 20))],
    )
    check = check_session_day(record, kb, date(2026, 11, 20), "en")
    assert check.verdict == "refer_urgently" and not check.may_start
    assert check.reasons[0]["effect"] == "refer_urgently"


def test_session_day_paused_course_or_before_start(kb, course):
    record = load_record(SOKOLOVA, kb)
    check = check_session_day(record, kb, date(2026, 11, 20), "en", course=course)
    assert not check.may_start and check.reasons[0]["rule"] == "before_start"
    course.status = "paused"
    check = check_session_day(record, kb, START, "en", pain=2, course=course)
    assert not check.may_start and check.reasons[0]["rule"] == "course_paused"


def test_session_day_bad_pain_refused(kb):
    record = load_record(SOKOLOVA, kb)
    with pytest.raises(InputError, match="pain"):
        check_session_day(record, kb, START, "en", pain=14)


@pytest.mark.parametrize(
    "value",
    ["9" * 400, "9" * 5000, 10**400, -(10**5000), "1e400", "nan"],
    ids=["400 digits", "5000 digits", "int 10^400", "int -10^5000", "1e400", "nan"],
)
def test_a_pain_score_too_large_to_be_a_number_is_refused(value):
    """Four hundred digits read as infinity, and a whole number of thousands of digits
    cannot be made a float: both were an internal error (the diary, a session)."""
    from spinecare.engine.course import sessions

    with pytest.raises(InputError, match="not a pain score"):
        sessions.pain_value("pain", value)


# --- sessions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pre_pain": 14}, "pre_pain"),
        ({"post_pain": -1}, "post_pain"),
        ({"pre_pain": 3.5}, "pre_pain"),
        ({"pre_pain": "high"}, "pre_pain"),
        ({"pre_pain": True}, "pre_pain"),
        ({"minutes": -5}, "minutes"),
        ({"minutes": 600}, "minutes"),
        ({"day": date(2026, 11, 22)}, "day"),
        ({"techniques": {"lumbosacral": ["stroking"]}}, "techniques"),
        ({"techniques": {"collar_zone": ["cracking"]}}, "techniques"),
    ],
)
def test_impossible_session_values_refused(course, kwargs, field):
    base = {"day": START, "pre_pain": 4, "post_pain": 3, "minutes": 15}
    base.update(kwargs)
    with pytest.raises(InputError) as err:
        new_session(course, **base)
    assert err.value.message.startswith(f"{field}:")


def test_session_accepts_form_strings(course):
    s = new_session(course, day=START, pre_pain="4", post_pain=" 2 ", minutes="15")
    assert (s.pre_pain, s.post_pain, s.minutes, s.change) == (4, 2, 15.0, -2)
    assert s.adverse_event is None


def test_session_on_paused_course_refused(course, kb):
    apply_stop_rules(course, [_session(0, 2, 5)], None, kb)
    with pytest.raises(InputError, match="status: the course is paused"):
        new_session(course, day=START + timedelta(days=2), pre_pain=2, post_pain=2)


# --- stop rules ---------------------------------------------------------------------------


def test_pain_rise_below_threshold_does_not_stop(course, kb):
    events = apply_stop_rules(course, [_session(0, 3, 4), _session(2, 4, 2)], {}, kb)
    assert events == [] and course.status == "active" and not course.needs_physician


def test_pain_rise_at_threshold_pauses(course, kb):
    sessions = [_session(0, 3, 3), _session(2, 3, 5)]
    events = apply_stop_rules(course, sessions, {}, kb)
    assert [e.rule for e in events] == ["pain_increase"]
    e = events[0]
    assert e.threshold == kb.threshold("pain_increase_stop") == 2
    assert e.session == 1 and e.day == START + timedelta(days=2)
    assert "ostelo_2008" in e.sources
    assert e.text["en"].startswith("Stop the massage")
    assert "Прекратите массаж" in e.text["ru"]
    assert "+2" in e.detail_in("en") and "Сеанс 2" in e.detail_in("ru")
    assert course.status == "paused" and course.needs_physician
    # The same session does not fire again, even after the physician resumes the course.
    resume_course(course, day=START + timedelta(days=3), by="Dr Petrov", note="cleared")
    assert course.status == "active"
    assert apply_stop_rules(course, sessions, {}, kb) == []
    assert course.status == "active"


def test_new_neurological_symptom_pauses(course, kb):
    events = apply_stop_rules(
        course,
        [_session(0, 3, 2)],
        {"saddle_anaesthesia": True, "hand_clumsiness": False},
        kb,
        day=START + timedelta(days=1),
    )
    assert len(events) == 1
    e = events[0]
    assert e.rule == "new_neurological_symptoms" and e.kind == "symptom"
    assert e.day == START + timedelta(days=1)
    assert "nice_cks_red_flags" in e.sources
    assert course.status == "paused"


def test_symptom_answers_validated(course, kb):
    with pytest.raises(InputError, match="new_symptoms: unknown question 'itchy'"):
        apply_stop_rules(course, [], {"itchy": True}, kb)
    with pytest.raises(InputError, match="yes or no"):
        apply_stop_rules(course, [], {"saddle_anaesthesia": "maybe"}, kb)


def test_adverse_event_pauses(course, kb):
    events = apply_stop_rules(
        course, [_session(0, 3, 2, adverse_event="dizziness after the session")], {}, kb
    )
    assert [e.rule for e in events] == ["adverse_event"]
    assert "dizziness" in events[0].detail["en"]
    assert "ernst_2003" in events[0].sources
    assert course.status == "paused"


def test_blank_adverse_event_is_none(course, kb):
    s = _session(0, 3, 2, adverse_event="   ")
    assert s.adverse_event is None
    assert apply_stop_rules(course, [s], {}, kb) == []


def test_resume_requires_note(course, kb):
    with pytest.raises(InputError, match="only a paused course"):
        resume_course(course, day=START, by="Dr", note="x")
    apply_stop_rules(course, [_session(0, 1, 5)], {}, kb)
    with pytest.raises(InputError, match="note"):
        resume_course(course, day=START, by="Dr Petrov", note="  ")


# --- progress -------------------------------------------------------------------------------


def test_planned_by_frequency(course):
    # 3 a week from Monday: Mon, Wed, Fri, Mon ...
    assert planned_by(course, START - timedelta(days=1)) == 0
    assert planned_by(course, START) == 1
    assert planned_by(course, START + timedelta(days=2)) == 2
    assert planned_by(course, START + timedelta(days=4)) == 3
    assert planned_by(course, START + timedelta(days=6)) == 3
    assert planned_by(course, START + timedelta(days=7)) == 4
    assert planned_by(course, START + timedelta(days=100)) == 10


def test_progress_adherence_and_mcid(course, kb):
    sessions = [_session(0, 6, 5), _session(2, 5, 4), _session(7, 5, 4)]
    p = progress(course, sessions, kb, as_of=START + timedelta(days=9))
    assert [pt["pre"] for pt in p.points] == [6, 5, 5]
    assert [pt["post"] for pt in p.points] == [5, 4, 4]
    assert p.first_pre == 6 and p.last_post == 4 and p.change == -2 and p.improvement == 2
    assert p.mcid["value"] == 2 and p.mcid["sources"][0]["id"] == "ostelo_2008"
    assert p.mcid_reached is True
    assert p.planned_so_far == 5  # day 9 at 3 a week
    assert p.sessions_done == 3 and p.adherence == 0.6
    assert not p.ended and p.summary is None


def test_adherence_never_exceeds_100_percent(course, kb):
    # Two sessions on the start day and one the next day: one was due on day 0, one more
    # by day 2. Same-day and early sessions do not push adherence past 100%.
    sessions = [_session(0, 5, 4), _session(0, 4, 4), _session(1, 4, 3)]
    p = progress(course, sessions, kb, as_of=START)
    assert p.planned_so_far == 1 and p.sessions_done == 3 and p.adherence == 1.0
    p = progress(course, sessions, kb, as_of=START + timedelta(days=2))
    assert p.planned_so_far == 2 and p.adherence == 1.0
    p = progress(course, sessions, kb, as_of=START + timedelta(days=4))
    assert p.planned_so_far == 3 and p.adherence == round(2 / 3, 3)  # two days with sessions
    # a second session the same day does not make up a missed one
    assert adherence_of([_session(0, 5, 4), _session(0, 5, 4)], 2) == 0.5
    assert adherence_of([], 0) is None


def test_one_session_a_day_unless_a_reason_is_given(course):
    first = new_session(course, day=START, pre_pain=5, post_pain=4)
    with pytest.raises(InputError, match="same_day_reason: a session of this course") as caught:
        new_session(course, day=START, pre_pain=4, post_pain=3, earlier=[first])
    assert caught.value.message.params["field"] == "same_day_reason"
    assert caught.value.message.params["problem"].params["day"].day == START
    second = new_session(
        course,
        day=START,
        pre_pain=4,
        post_pain=3,
        earlier=[first],
        same_day_reason=" pain flared after the first ",
    )
    assert second.same_day_reason == "pain flared after the first"
    assert Session.from_json(second.to_json()).same_day_reason == "pain flared after the first"
    next_day = new_session(
        course, day=START + timedelta(days=1), pre_pain=4, post_pain=3, earlier=[first]
    )
    assert next_day.same_day_reason is None and "same_day_reason" not in next_day.to_json()


def test_progress_mcid_not_reached_and_empty(course, kb):
    p = progress(course, [_session(0, 5, 4), _session(2, 5, 4)], kb)
    assert p.improvement == 1 and p.mcid_reached is False
    empty = progress(course, [], kb)
    assert empty.points == [] and empty.change is None and empty.mcid_reached is None
    assert empty.planned_so_far == 1 and empty.adherence == 0


def test_course_summary_when_it_ends(course, kb):
    sessions = [_session(2 * i, 7 - i // 2, 6 - i // 2) for i in range(10)]
    p = progress(course, sessions, kb)
    assert p.ended and p.summary is not None
    s = p.summary
    assert s["sessions_done"] == 10 and s["first_pre"] == 7 and s["last_post"] == 2
    assert s["change"] == -5 and s["mcid_reached"] is True
    assert "10 of 10 sessions" in s["text"]["en"]
    assert "достигает минимально значимого" in s["text"]["ru"]
    assert "Ostelo" in s["text"]["en"]
    # Ending early also gives the summary; adherence of the sessions due by the day it
    # ended (three a week: days 0, 2, 4 of the six days), the summary of the whole course.
    complete_course(course, day=START + timedelta(days=5))
    p = progress(course, sessions[:3], kb)
    assert p.ended and p.planned_so_far == 3 and p.adherence == 1.0
    assert p.summary is not None and p.summary["sessions_done"] == 3
    assert "3 of 10 sessions" in p.summary["text"]["en"]
    # ended on its first day with no session: one was due, none done
    p = progress(replace(course, end=START), [], kb)
    assert p.planned_so_far == 1 and p.adherence == 0.0


def test_course_summary_says_pain_that_rose_is_worse(course, kb):
    """Pain higher after the last session than before the first is worse, never "a
    change short of the minimal important difference"."""
    sessions = [_session(2 * i, 3 + i // 3, 4 + i // 3) for i in range(10)]
    complete_course(course, day=START + timedelta(days=20))
    p = progress(course, sessions, kb)
    assert p.summary is not None and p.change is not None and p.change > 0
    text = p.summary["text"]
    assert "worse" in text["en"] and "minimal clinically important" not in text["en"]
    assert "хуже" in text["ru"] and "минимально значимого" not in text["ru"]


COURSE_INPUT_ERRORS = {
    "no start date": {"start": None},
    "unknown zone": {"zones": ["knee"], "reasons": {"zones": "x"}},
    "no zone": {"zones": []},
    "unknown modality": {"modalities": ["reiki"], "reasons": {"modalities": "x"}},
    "home zone not in the course": {"home_minutes": {"lumbosacral": 5}},
    "unknown home step": {"home_steps": {"collar_zone": ["juggling"]}},
}


@pytest.mark.parametrize("case", sorted(COURSE_INPUT_ERRORS))
def test_course_input_errors_are_said_in_russian(case, ready_plan, kb):
    given = {"start": START, **COURSE_INPUT_ERRORS[case]}
    with pytest.raises(InputError) as caught:
        start_course(ready_plan, kb=kb, **given)
    english = caught.value.one_line()
    russian = translate(english, "ru")
    assert russian != english
    assert russian.split(": ")[0] == english.split(": ")[0]  # the field, as named
    assert any("а" <= c <= "я" for c in russian.split(": ", 1)[1].lower())


@pytest.mark.parametrize(
    "symptoms", [{"itchy": True}, {"saddle_anaesthesia": "maybe"}], ids=["unknown", "not yes/no"]
)
def test_stop_rule_answer_errors_are_said_in_russian(symptoms, course, kb):
    with pytest.raises(InputError) as caught:
        apply_stop_rules(course, [], symptoms, kb)
    russian = translate(caught.value.one_line(), "ru")
    assert russian.startswith("new_symptoms: ") and any("а" <= c <= "я" for c in russian)


@pytest.mark.parametrize(
    "module",
    [
        *(f"spinecare/engine/course/{m}.py" for m in ("model", "sessions", "start", "stops")),
        "spinecare/engine/planning.py",
        "spinecare/reports/calendar.py",
    ],
)
def test_every_course_refusal_is_built_as_a_message(module):
    from tests.test_file_errors import ROOT, _plain_errors

    assert _plain_errors(ROOT / module) == []


def test_a_stop_rules_detail_ends_a_question_with_its_own_mark() -> None:
    """ "New symptom reported on ...: ... when you bend your head?." ran the question mark and
    the full stop together, in both languages."""
    from datetime import date

    from spinecare.engine.course.stops import _detail
    from spinecare.kb import load_kb

    kb = load_kb()
    asked = next(q for q in kb.model.questions if q.label.get("en").endswith("?"))
    said = _detail("symptom", day=date(2026, 12, 6), label=asked.label)
    assert all(text.endswith("?") and "?." not in text for text in said.values()), said
