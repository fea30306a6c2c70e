"""Courses, sessions, the home program and the patient's diary, role- and clinic-scoped.

The clinical logic is the library's (:mod:`spinecare.engine.course`): this module only
loads and saves its objects (a :class:`Course` and each :class:`Session` are kept as JSON)
and checks who may do what:

- admins and therapists of the patient's clinic start courses, re-screen the session day,
  record sessions, mark the home-program steps taught and complete a course;
- the physician named on a course (who reviews its stop events) sees it, resumes a
  course a stop rule paused, or ends it;
- a patient sees only their own courses, and writes only their own diary.

Every read and change is audited. Library refusals (:class:`~spinecare.errors.InputError`,
whose message starts with the field name) become :class:`FormError` with that field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm.exc import StaleDataError

from spinecare.clinic.audit import record as audit
from spinecare.clinic.models import (
    ClinicOut,
    CourseOut,
    CourseSummaryOut,
    CurrentUser,
    DiaryEntryOut,
    HomeStepOut,
    PatientOut,
    ReviewItemOut,
)
from spinecare.clinic.patients import lock_patient, now, physicians, screen_patient
from spinecare.clinic.permissions import (
    PATIENT_NOT_FOUND,
    acting,
    check_course,
    check_patient,
    check_review_queue,
    is_clinic_physician,
)
from spinecare.dates import date_problem, iso_date
from spinecare.engine import course as lib
from spinecare.engine.course import Course, Session, SessionCheck, StopEvent
from spinecare.engine.screening import Screening, screen_record
from spinecare.errors import InputError, NotFoundError, SpinecareError
from spinecare.i18n import typed_number
from spinecare.kb.loader import KB
from spinecare.messages import FIELD_PROBLEM, N_, Day, Message
from spinecare.record.model import PatientRecord
from spinecare.store.errors import FormError, VersionConflict
from spinecare.store.models import (
    Clinic,
    CourseRow,
    DiaryEntry,
    HomeStepRow,
    PatientRow,
    SessionRow,
    User,
)
from spinecare.store.records import record_of, store_record

__all__ = [
    "CoursePeople",
    "CourseSession",
    "DiaryResult",
    "SessionBlocked",
    "StopReview",
    "add_diary_entry",
    "check_day",
    "complete",
    "course_of",
    "course_people",
    "course_screening",
    "course_summaries",
    "course_verdict",
    "courses_of",
    "diary_of",
    "form_error",
    "get_course",
    "home_steps_of",
    "latest_course_id",
    "paused_courses",
    "pending_stops",
    "record_session",
    "resume",
    "sessions_of",
    "sessions_on",
    "set_home_program",
    "start",
    "stop_reviews",
]

FIELD = re.compile(r"^([a-z_]+)(?:\[[^\]]*\])?: (.*)$", re.S)
MAX_DIARY_KEY = 100
MAX_DIARY_A_DAY = 20
"""Entries a patient may record for one day of a course (morning and evening, a
correction): a day with more is refused, so that a script cannot fill the chart. An entry
that reports a warning sign is never refused for it: the stop it calls for is recorded."""


class SessionBlocked(SpinecareError):
    """The re-screening of the session day does not allow a session (409)."""

    code = "session_blocked"

    def __init__(self, check: SessionCheck) -> None:
        self.check = check
        why = "; ".join(str(r.get("reason")) for r in check.reasons) or (f"verdict {check.verdict}")
        super().__init__(f"no session on {check.day.isoformat()}: {why}")


def form_error(exc: InputError, default: str = "form") -> FormError:
    """A library refusal (``field: message``) as a form error beside that field."""
    if isinstance(exc, FormError):
        return exc
    message = exc.message
    if isinstance(message, Message) and message.msgid == FIELD_PROBLEM:
        # the problem beside its field, translatable
        field = FIELD.match(f"{message.params['field']}: ")
        name = field.group(1) if field else str(message.params["field"])
        return FormError({name: message.params["problem"]})
    match = FIELD.match(message)
    if match:
        return FormError({match.group(1): match.group(2)})
    return FormError({default: message})


def course_of(course: CourseOut) -> Course:
    """The library's course (:class:`spinecare.engine.course.Course`) of a stored one."""
    return Course.from_json(course.course)


def _course(row: CourseRow) -> Course:
    return Course.from_json(row.data)


def _out(row: CourseRow) -> CourseOut:
    return CourseOut.model_validate(row)


def _save(row: CourseRow, course: Course) -> None:
    row.data = course.to_json()
    row.status = course.status
    row.needs_physician = course.needs_physician
    row.updated_at = now()


# ---------------------------------------------------------------------------------------
# Visibility


def _course_row(
    session: DbSession,
    user: User,
    course_id: int,
    *,
    write: bool = False,
    audit_as: str | None = "read",
    chart: bool = False,
) -> CourseRow:
    action = "change" if write else "chart" if chart else "read"
    row = check_course(session, user, course_id, action)
    if audit_as:
        audit(session, user, audit_as, "course", str(row.id), patient_id=row.patient_id)
    return row


def get_course(
    session: DbSession,
    who: CurrentUser,
    course_id: int,
    *,
    write: bool = False,
    audit_as: str | None = "read",
    chart: bool = False,
) -> CourseOut:
    """The course if ``user`` may see its patient (404 / 403 otherwise); ``write``: staff;
    ``chart``: the course's page as the clinic keeps it, the staff's and the physicians'
    (a patient's account is refused its own, 403: it reads its home routine and progress).
    The read is audited as ``audit_as`` (None: not at all, the page that follows records
    it)."""
    user = acting(session, who)
    row = _course_row(session, user, course_id, write=write, audit_as=audit_as, chart=chart)
    return _out(row)


@dataclass(frozen=True)
class CoursePeople:
    """Who a course concerns: its patient, the name of the physician reviewing it (if
    any), the clinic's name and contacts."""

    patient: PatientOut
    physician_name: str | None
    clinic: ClinicOut


def course_people(session: DbSession, course: CourseOut) -> CoursePeople:
    """The people of a course :func:`get_course` has already let the user see."""
    patient = session.get(PatientRow, course.patient_id)
    if patient is None:  # a course always has its patient (foreign key)
        raise NotFoundError(Message(PATIENT_NOT_FOUND, id=course.patient_id))
    physician = session.get(User, course.physician_id) if course.physician_id else None
    clinic = session.get(Clinic, patient.clinic_id)
    return CoursePeople(
        PatientOut.model_validate(patient),
        physician.full_name if physician else None,
        ClinicOut.model_validate(clinic) if clinic else ClinicOut(name=""),
    )


def course_screening(
    session: DbSession, course: CourseOut, kb: KB, day: date, lang: str = "en"
) -> Screening:
    """The screening on ``day`` of the patient of a course :func:`get_course` has already
    let the user see (that read is audited): whether the home routine may be offered
    today (:data:`spinecare.reports.notices.STOPPING_VERDICTS`)."""
    patient = _course_patient(session, course)
    return screen_record(record_of(session, patient), kb, day, lang)


def course_verdict(session: DbSession, course: CourseOut, kb: KB, day: date) -> str:
    """The verdict on ``day`` of the patient of a course :func:`get_course` has already let
    the user see: the stored one where it holds (the patient list's, cleared by every
    write to the record), else screened and stored (:func:`course_screening` gives the
    reasons, for a routine stopped)."""
    from spinecare.clinic.verdicts import list_verdicts

    patient = _course_patient(session, course)
    return list_verdicts(session, [patient], kb, day)[patient.id]


def _course_patient(session: DbSession, course: CourseOut) -> PatientRow:
    patient = session.get(PatientRow, course.patient_id)
    if patient is None:  # a course always has its patient (foreign key)
        raise NotFoundError(Message(PATIENT_NOT_FOUND, id=course.patient_id))
    return patient


def latest_course_id(session: DbSession, who: CurrentUser) -> int | None:
    """The newest course of the patient ``user`` is (None for other roles, or no course)."""
    user = acting(session, who)
    if user.role != "patient" or user.patient_id is None:
        return None
    return session.scalar(
        select(CourseRow.id)
        .where(CourseRow.patient_id == user.patient_id, CourseRow.clinic_id == user.clinic_id)
        .order_by(CourseRow.id.desc())
    )


def _course_rows(session: DbSession, patient_id: int) -> list[CourseRow]:
    return list(
        session.scalars(
            select(CourseRow)
            .where(CourseRow.patient_id == patient_id)
            .order_by(CourseRow.id.desc())
        )
    )


def courses_of(session: DbSession, patient_id: int) -> list[CourseOut]:
    """The patient's courses, newest first (for a patient the caller has already been
    let see)."""
    return [_out(r) for r in _course_rows(session, patient_id)]


def course_summaries(session: DbSession, patient_id: int) -> list[CourseSummaryOut]:
    """The patient's courses in one line each, newest first (for a patient the caller has
    already been let see)."""
    return [CourseSummaryOut.model_validate(r) for r in _course_rows(session, patient_id)]


def _review_item(row: CourseRow, patient: PatientRow) -> ReviewItemOut:
    events = _course(row).stop_events
    return ReviewItemOut(
        id=row.id,
        patient_name=patient.name,
        patient_id=patient.id,
        status=row.status,
        rules=[e.rule for e in events],
        last=events[-1].day if events else None,
    )


def paused_courses(session: DbSession, who: CurrentUser) -> list[ReviewItemOut]:
    """Courses a stop rule paused: the physician's own; staff see the clinic's."""
    user = acting(session, who)
    query = (
        select(CourseRow, PatientRow)
        .join(PatientRow, PatientRow.id == CourseRow.patient_id)
        .where(CourseRow.clinic_id == user.clinic_id, CourseRow.needs_physician.is_(True))
    )
    check_review_queue(user)
    if user.role == "physician":  # their own, and those no physician reviews yet
        query = query.where(
            or_(CourseRow.physician_id == user.id, CourseRow.physician_id.is_(None))
        )
    rows = [
        _review_item(c, p) for c, p in session.execute(query.order_by(CourseRow.updated_at.desc()))
    ]
    audit(session, user, "list", "course", None, detail=f"paused courses: {len(rows)}")
    return rows


@dataclass(frozen=True)
class CourseSession:
    """A recorded session of a course: its number in the store and the library's session."""

    id: int
    session: Session

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, **self.session.to_json()}


def sessions_of(session: DbSession, course_id: int) -> list[CourseSession]:
    """The course's sessions by day (of a course the caller has already been let see)."""
    rows = session.scalars(
        select(SessionRow)
        .where(SessionRow.course_id == course_id)
        .order_by(SessionRow.day, SessionRow.id)
    )
    return [CourseSession(r.id, Session.from_json(r.data)) for r in rows]


def sessions_on(session: DbSession, patient_id: int, day: date) -> list[Session]:
    """The massage sessions of any of the patient's courses recorded on ``day`` (of a
    patient the caller has already been let see), in the order they were recorded."""
    rows = session.scalars(
        select(SessionRow)
        .join(CourseRow, CourseRow.id == SessionRow.course_id)
        .where(CourseRow.patient_id == patient_id, SessionRow.day == day)
        .order_by(SessionRow.id)
    )
    return [Session.from_json(r.data) for r in rows]


def _home_step_rows(session: DbSession, course_id: int) -> list[HomeStepRow]:
    return list(
        session.scalars(
            select(HomeStepRow).where(HomeStepRow.course_id == course_id).order_by(HomeStepRow.id)
        )
    )


def home_steps_of(session: DbSession, course_id: int) -> list[HomeStepOut]:
    """The steps taught in the course (of a course the caller has already been let see)."""
    return [HomeStepOut.model_validate(r) for r in _home_step_rows(session, course_id)]


def _home_step(
    row: CourseRow, home: lib.HomeAssignment, step: str, per_day: int, day: date, user: User
) -> HomeStepRow:
    """The row of one self-massage step taught on ``day``."""
    return HomeStepRow(
        course_id=row.id,
        zone=home.zone,
        step=step,
        minutes=home.minutes,
        times_per_day=per_day,
        taught_on=day,
        taught_by=user.id,
    )


def diary_of(session: DbSession, course_id: int, limit: int = 60) -> list[DiaryEntryOut]:
    """The newest diary days (of a course the caller has already been let see)."""
    rows = session.scalars(
        select(DiaryEntry)
        .where(DiaryEntry.course_id == course_id)
        .order_by(DiaryEntry.day.desc(), DiaryEntry.id.desc())
        .limit(limit)
    )
    return [DiaryEntryOut.model_validate(e) for e in rows]


def _earlier(session: DbSession, row: CourseRow) -> list[Session]:
    return [s.session for s in sessions_of(session, row.id)]


# ---------------------------------------------------------------------------------------
# Starting a course


RUNNING = N_("the patient has a course under way since %(day)s: end it before starting another")


def _start_course(
    plan: Any, *, start: date, kb: KB, reasons: dict[str, str], values: dict[str, Any]
) -> tuple[Course | None, dict[str, Any]]:
    """The library's course from ``plan`` with ``values``, or every field's refusal: the
    library refuses one field at a time, so the field it names is left out (the plan's own
    value stands in) and the rest is checked again, until nothing more is refused."""
    values = dict(values)
    problems: dict[str, Any] = {}
    for _ in range(len(values) + 1):
        try:
            course = lib.start_course(plan, start=start, kb=kb, reasons=reasons, **values)
        except InputError as exc:
            found = form_error(exc).errors
            for name, problem in found.items():
                problems.setdefault(name, problem)
            named = [name for name in found if name in values]
            if not named:  # a refusal of no field of the form's: nothing more to check
                return None, problems
            for name in named:
                del values[name]
            continue
        return (course if not problems else None), problems
    return None, problems


def start(
    session: DbSession,
    who: CurrentUser,
    patient_id: int,
    kb: KB,
    *,
    start_day: date | str,
    values: dict[str, Any],
    reasons: dict[str, str],
    physician_id: int | None,
    today: date,
) -> CourseOut:
    """Start a course from the patient's plan today (only a ``ready`` plan starts).

    ``values`` holds the library's keyword arguments (``sessions``, ``sessions_per_week``,
    ``minutes_per_session``, ``zones``, ``modalities``, ``home_steps``, ``home_minutes``);
    ``start_day`` is the start date, or the text written where one could not be read
    (:func:`~spinecare.dates.date_problem` says what is wrong with it). Every field's problem is
    refused at once (:class:`FormError` with one message per field)."""
    user = acting(session, who)
    patient = check_patient(session, user, patient_id, write=True)
    # one running course: two starts at once (two servers) are decided one after the other
    lock_patient(session, patient.id)
    errors: dict[str, Any] = {}
    if isinstance(start_day, str):
        errors["start"] = date_problem(start_day)
    elif start_day < today:
        errors["start"] = Message("the start %(day)s is in the past", day=Day(start_day))
    elif start_day > today + timedelta(days=366):
        errors["start"] = N_("more than a year ahead; check the year")
    running = session.scalar(
        select(CourseRow.start).where(
            CourseRow.patient_id == patient.id, CourseRow.status.in_(("active", "paused"))
        )
    )
    if running is not None:
        errors["form"] = Message(RUNNING, day=Day(running))
    doctor_id: int | None = None
    if physician_id:
        if is_clinic_physician(session.get(User, physician_id), user.clinic_id):
            doctor_id = physician_id
        else:
            errors["physician_id"] = N_("choose a physician of this clinic")
    else:
        # the physician told of a stop event: the clinic's only one, or the one chosen
        doctors = physicians(session, user.clinic_id)
        if len(doctors) > 1:
            errors["physician_id"] = N_("choose the physician who reviews the course's stop events")
        doctor_id = doctors[0].id if len(doctors) == 1 else None
    if "form" in errors:  # a course under way: nothing else to check
        raise FormError(errors)
    ps = screen_patient(session, who, patient_id, kb, today)
    problem = lib.not_startable(ps.plan)
    if problem is not None:  # the page lists the plan's reasons
        raise FormError({"plan": problem, **errors})
    course, problems = _start_course(
        ps.plan,
        start=today if isinstance(start_day, str) else start_day,
        kb=kb,
        reasons=reasons,
        values=values,
    )
    errors = problems | errors
    if errors or course is None:
        raise FormError(errors)
    course.patient_id = patient.external_id
    moment = now()
    row = CourseRow(
        patient_id=patient.id,
        clinic_id=user.clinic_id,
        physician_id=doctor_id,
        started_by=user.id,
        status=course.status,
        needs_physician=False,
        start=course.start,
        data=course.to_json(),
        created_at=moment,
        updated_at=moment,
    )
    session.add(row)
    session.flush()
    for h in course.home:
        for step in h.steps:
            session.add(_home_step(row, h, step, 1, course.start, user))
    session.flush()
    audit(
        session,
        user,
        "course_start",
        "course",
        str(row.id),
        patient_id=patient.id,
        detail=f"zones={','.join(course.zones)} sessions={course.sessions}",
    )
    return _out(row)


# ---------------------------------------------------------------------------------------
# The session day


def _merge(record: PatientRecord, facts: PatientRecord | None) -> PatientRecord:
    if facts is None:
        return record
    return replace(
        record,
        observations=[*record.observations, *facts.observations],
        answers=[*record.answers, *facts.answers],
        conditions=[*record.conditions, *facts.conditions],
        medications=[*record.medications, *facts.medications],
    )


def _symptom_questions(kb: KB) -> list[str]:
    out: list[str] = []
    for rule in kb.model.plans.stop_rules:
        out.extend(q for q in rule.questions if q not in out)
    return out


def _symptoms(kb: KB, facts: PatientRecord | None) -> dict[str, bool]:
    wanted = set(_symptom_questions(kb))
    return {
        a.question: a.value
        for a in (facts.answers if facts else [])
        if a.question in wanted and isinstance(a.value, bool)
    }


def check_day(
    session: DbSession,
    who: CurrentUser,
    course_id: int,
    kb: KB,
    day: date,
    facts: PatientRecord | None,
    lang: str = "en",
) -> tuple[CourseOut, SessionCheck, list[StopEvent]]:
    """Re-screen the patient on ``day`` with that day's ``facts`` (vitals, pain, answers).

    A new neurological symptom answered yes fires the stop rule: the course pauses and
    goes to the physician (saved at once), whatever the verdict."""
    user = acting(session, who)
    row, check, events = _check_day(session, user, course_id, kb, day, facts, lang)
    return _out(row), check, events


def _check_day(
    session: DbSession,
    user: User,
    course_id: int,
    kb: KB,
    day: date,
    facts: PatientRecord | None,
    lang: str,
) -> tuple[CourseRow, SessionCheck, list[StopEvent]]:
    row = _course_row(session, user, course_id, write=True, audit_as="session_check")
    course = _course(row)
    patient = session.get(PatientRow, row.patient_id)
    assert patient is not None
    events: list[StopEvent] = []
    symptoms = _symptoms(kb, facts)
    if any(symptoms.values()) and course.status != "completed":
        events = lib.apply_stop_rules(course, _earlier(session, row), symptoms, kb, day=day)
        if events:
            _save(row, course)
            _store_facts(session, user, patient, facts, day)
            audit_stop(session, user, row, events)
    check = lib.check_session_day(
        _merge(record_of(session, patient), facts), kb, day, lang, course=course
    )
    return row, check, events


def audit_stop(session: DbSession, user: User, row: CourseRow, events: list[StopEvent]) -> None:
    audit(
        session,
        user,
        "course_pause",
        "course",
        str(row.id),
        patient_id=row.patient_id,
        detail="; ".join(e.rule for e in events),
    )


def _store_facts(
    session: DbSession, user: User, patient: PatientRow, facts: PatientRecord | None, day: date
) -> None:
    if facts is None or not (facts.observations or facts.answers):
        return
    store_record(
        session,
        patient,
        facts,
        day=day,
        source="form",
        label=SESSION_DAY_LABEL,
        user_id=user.id,
        now=now(),
    )


SESSION_DAY_LABEL = "session day"
"""The label a session day's checks are stored with (a form's: pages name it so)."""


STAND_INS: dict[str, Any] = {
    "pre_pain": 0,
    "post_pain": 0,
    "minutes": 0,
    "techniques": {},
    "same_day_reason": "-",
}
"""A value the library takes for each field of a session it may refuse, put in the
refused value's place so that the other fields are checked too."""


def _new_session(course: Course, errors: dict[str, Any], **fields: Any) -> Session:
    """The library's session (:func:`spinecare.engine.course.new_session`), or every
    field's refusal at once (with ``errors`` found before): the library refuses one field
    at a time, so a refused field's value is replaced by a stand-in
    (:data:`STAND_INS`) and the rest checked again."""
    problems = dict(errors)
    for _ in range(len(STAND_INS) + 1):
        try:
            new = lib.new_session(course, **fields)
        except InputError as exc:
            found = form_error(exc).errors
            for name, problem in found.items():
                problems.setdefault(name, problem)
            named = [n for n in found if n in STAND_INS and fields.get(n) is not STAND_INS[n]]
            if not named:  # no field of its own to set aside: nothing more to check
                raise FormError(problems) from None
            fields.update({n: STAND_INS[n] for n in named})
            continue
        if problems:
            raise FormError(problems)
        return new
    raise FormError(problems)


def record_session(
    session: DbSession,
    who: CurrentUser,
    course_id: int,
    kb: KB,
    *,
    day: date,
    facts: PatientRecord | None,
    pre_pain: Any,
    post_pain: Any,
    techniques: dict[str, list[str]],
    minutes: Any,
    notes: str,
    adverse_event: str | None,
    lang: str = "en",
    same_day_reason: str | None = None,
) -> tuple[CourseOut, CourseSession, list[StopEvent]]:
    """Re-screen the day (refused with :class:`SessionBlocked` when it blocks), store the
    day's facts as an intake, record the session, and apply the stop rules."""
    user = acting(session, who)
    row, check, events = _check_day(session, user, course_id, kb, day, facts, lang)
    if not check.may_start:
        if events:
            session.commit()  # the pause stands even though the session is refused
        raise SessionBlocked(check)
    course = _course(row)
    errors: dict[str, Any] = {}
    if len(notes) > 5000:
        errors["notes"] = N_("at most 5000 characters")
    if adverse_event and len(adverse_event) > 2000:
        errors["adverse_event"] = N_("at most 2000 characters")
    new = _new_session(
        course,
        errors,
        day=day,
        pre_pain=pre_pain,
        post_pain=post_pain,
        techniques=techniques,
        minutes=minutes,
        notes=notes.strip()[:5000],
        adverse_event=(adverse_event or "").strip()[:2000] or None,
        earlier=_earlier(session, row),
        same_day_reason=same_day_reason,
    )
    patient = session.get(PatientRow, row.patient_id)
    assert patient is not None
    _store_facts(session, user, patient, facts, day)
    srow = SessionRow(
        course_id=row.id,
        patient_id=row.patient_id,
        day=day,
        data=new.to_json(),
        day_check=check.to_json(),
        recorded_by=user.id,
        created_at=now(),
    )
    session.add(srow)
    session.flush()
    new = replace(new, id=f"session-{srow.id}")
    srow.data = new.to_json()
    all_sessions = [s.session for s in sessions_of(session, row.id) if s.id != srow.id] + [new]
    fired = lib.apply_stop_rules(course, all_sessions, _symptoms(kb, facts), kb, day=day)
    if not fired and len(all_sessions) >= course.sessions and course.status == "active":
        lib.complete_course(course, day=day)
    _save(row, course)
    try:
        session.flush()
    except StaleDataError:
        session.rollback()  # the session is unusable until rolled back; nothing was saved
        raise VersionConflict(
            Message("course %(id)s was changed meanwhile; reload", id=row.id)
        ) from None
    audit(
        session,
        user,
        "session",
        "course_session",
        str(srow.id),
        patient_id=row.patient_id,
        detail=f"course={row.id} day={day.isoformat()} pain {new.pre_pain}->{new.post_pain}",
    )
    if fired:
        audit_stop(session, user, row, fired)
    return _out(row), CourseSession(srow.id, new), fired


# ---------------------------------------------------------------------------------------
# Physician review, completion


ANSWERED = "answered"
"""The key of a resumption (``Course.resumptions``) that says how many of the course's
stop events it answered: the first n, in the order they fired. :func:`resume` records
it; a resumption recorded before it was kept is matched to its events by their days."""


@dataclass(frozen=True)
class StopReview:
    """Stop events that paused a course, in the order they fired, and the physician's
    resumption that answered them (None while the course waits for the physician)."""

    events: tuple[StopEvent, ...]
    resumption: dict[str, Any] | None


def stop_reviews(course: Course) -> list[StopReview]:
    """The course's stop events with the resumptions that answered them, in order: each
    resumption once, after the events it answered; the events no physician has answered
    yet come last, with no resumption. A later stop event is never shown as resumed by an
    earlier note."""
    events = list(course.stop_events)
    out: list[StopReview] = []
    done = 0
    for i, resumption in enumerate(course.resumptions):
        count = resumption.get(ANSWERED)
        if isinstance(count, int) and not isinstance(count, bool):
            upto = count
        else:  # kept before the count was: the events that fired up to its day, leaving
            # one at least for each later resumption and for a pause still under review
            day = str(resumption.get("day", ""))
            upto = done
            while upto < len(events) and events[upto].day.isoformat() <= day:
                upto += 1
            later = len(course.resumptions) - i - 1 + (course.status == "paused")
            upto = min(upto, len(events) - later)
        upto = min(len(events), max(upto, done + 1))  # a resumption answers a pause
        out.append(StopReview(tuple(events[done:upto]), resumption))
        done = upto
    if done < len(events):
        out.append(StopReview(tuple(events[done:]), None))
    return out


def pending_stops(course: Course) -> tuple[StopEvent, ...]:
    """The stop events of a paused course that no physician has answered yet."""
    if course.status != "paused":
        return ()
    reviews = stop_reviews(course)
    return reviews[-1].events if reviews and reviews[-1].resumption is None else ()


def resume(
    session: DbSession, who: CurrentUser, course_id: int, *, note: str, day: date
) -> CourseOut:
    """The course's physician lets a paused course go on (a note is required)."""
    user = acting(session, who)
    row = check_course(session, user, course_id, "resume")
    course = _course(row)
    if len(note) > 2000:
        raise FormError({"note": N_("at most 2000 characters")})
    try:
        lib.resume_course(course, day=day, by=user.full_name, note=note)
    except InputError as exc:
        raise form_error(exc, "note") from None
    # the stop events this resumption answers: those that fired before it
    course.resumptions[-1][ANSWERED] = len(course.stop_events)
    row.physician_id = user.id
    _save(row, course)
    audit(session, user, "course_resume", "course", str(row.id), patient_id=row.patient_id)
    return _out(row)


def complete(session: DbSession, who: CurrentUser, course_id: int, *, day: date) -> CourseOut:
    """End the course (staff, or the course's physician)."""
    user = acting(session, who)
    row = check_course(session, user, course_id, "end")
    course = _course(row)
    if course.status == "completed":
        raise VersionConflict(Message("course %(id)s has already ended", id=row.id))
    try:
        lib.complete_course(course, day=day)
    except InputError as exc:
        raise form_error(exc, "day") from None
    course.needs_physician = False
    _save(row, course)
    audit(session, user, "course_complete", "course", str(row.id), patient_id=row.patient_id)
    return _out(row)


# ---------------------------------------------------------------------------------------
# Home program


def _home_minutes(program: Any, raw: str, reason: str) -> tuple[float, str | Message | None]:
    """Minutes a day for a zone (the KB's value when none is typed), or the problem."""
    value: float = program.minutes.value
    if not raw:
        return value, None
    try:
        value = typed_number(raw)
    except ValueError:
        return value, Message("'%(value)s' is not a number", value=raw)
    if value <= 0 or value > 120:
        return value, N_("minutes a day must be more than 0 and at most 120")
    low, high = program.minutes.min, program.minutes.max
    if not low <= value <= high and not reason.strip():
        return value, Message(
            "%(value)s min is outside the recommended range "
            "(%(low)s-%(high)s min); a written reason is required",
            value=f"{value:g}",
            low=f"{low:g}",
            high=f"{high:g}",
        )
    return value, None


def _store_home_steps(
    session: DbSession,
    row: CourseRow,
    home: list[lib.HomeAssignment],
    per_day: dict[str, int],
    day: date,
    user: User,
) -> None:
    """The taught steps as rows: new ones added, changed ones updated, dropped ones removed."""
    previous = {(r.zone, r.step): r for r in _home_step_rows(session, row.id)}
    keep: set[tuple[str, str]] = set()
    for h in home:
        for s in h.steps:
            keep.add((h.zone, s))
            existing = previous.get((h.zone, s))
            if existing is None:
                session.add(_home_step(row, h, s, per_day[h.zone], day, user))
            else:
                existing.minutes = h.minutes
                existing.times_per_day = per_day[h.zone]
    for key, r in previous.items():
        if key not in keep:
            session.delete(r)


def set_home_program(
    session: DbSession,
    who: CurrentUser,
    course_id: int,
    kb: KB,
    *,
    steps: dict[str, list[str]],
    minutes: dict[str, str],
    times: dict[str, str],
    reason: str,
    day: date,
) -> CourseOut:
    """Mark the steps taught per zone (KB step ids), minutes a day (KB range, else a
    reason) and times a day (1-3)."""
    user = acting(session, who)
    row = _course_row(session, user, course_id, write=True, audit_as="read")
    course = _course(row)
    if course.status == "completed":
        raise FormError({"form": N_("the course has ended")})
    programs = {hp.zone: hp for hp in kb.model.plans.home_programs}
    errors: dict[str, str] = {}
    home: list[lib.HomeAssignment] = []
    per_day: dict[str, int] = {}
    for zone in course.zones:
        program = programs.get(zone)
        chosen = steps.get(zone, [])
        if program is None or not chosen:
            continue
        ids = [s.id for s in program.steps]
        bad = [s for s in chosen if s not in ids]
        if bad:
            errors[f"steps_{zone}"] = Message(
                "not a step of this zone: %(steps)s", steps=", ".join(bad)
            )
            continue
        value, problem = _home_minutes(program, (minutes.get(zone) or "").strip(), reason)
        if problem is not None:
            errors[f"minutes_{zone}"] = problem
            continue
        raw_times = (times.get(zone) or "1").strip()
        if raw_times not in ("1", "2", "3"):
            errors[f"times_{zone}"] = N_("1, 2 or 3 times a day")
            continue
        per_day[zone] = int(raw_times)
        home.append(lib.HomeAssignment(zone, [s for s in ids if s in chosen], value))
    if not errors and not home:
        errors["form"] = N_("mark at least one step taught")
    if errors:
        raise FormError(errors)
    _store_home_steps(session, row, home, per_day, day, user)
    if "self_massage" not in course.modalities:
        course.modalities.append("self_massage")
    before = [h.to_json() for h in course.home]
    after = [h.to_json() for h in home]
    course.home = home
    if reason.strip() and after != before:  # what it was, and what it is now
        course.adjustments.append(
            lib.Adjustment("home_program", before, after, reason=reason.strip())
        )
    _save(row, course)
    session.flush()
    audit(session, user, "home_program", "course", str(row.id), patient_id=row.patient_id)
    return _out(row)


# ---------------------------------------------------------------------------------------
# The patient's diary


@dataclass(frozen=True)
class DiaryResult:
    """The diary day stored (or found again, for a retried key), and the stop events it
    fired."""

    entry: DiaryEntryOut
    created: bool
    events: list[StopEvent]


def _diary_day(day_text: str, today: date, start: date, errors: dict[str, Any]) -> date:
    """The diary's day (today when none is given); problems go to ``errors``."""
    day = today
    try:
        day = iso_date(day_text.strip()) if day_text.strip() else today
    except ValueError:
        errors["day"] = date_problem(day_text.strip())
        return day
    if day > today:
        errors["day"] = N_("this date has not come yet")
    elif day < start:
        errors["day"] = Message("is before the course start %(day)s", day=Day(start))
    return day


def _diary_numbers(
    minutes: str, pain: str, errors: dict[str, Any]
) -> tuple[float | None, int | None]:
    """Minutes spent (0-240) and pain (0-10), each optional; problems go to ``errors``."""
    minutes_value: float | None = None
    if minutes.strip():
        try:
            minutes_value = typed_number(minutes)
        except ValueError:
            errors["minutes"] = Message("'%(value)s' is not a number", value=minutes)
        else:
            if not 0 <= minutes_value <= 240:
                errors["minutes"] = N_("minutes must be from 0 to 240")
    pain_value: int | None = None
    if pain.strip():
        try:
            pain_value = lib.pain_value("pain", pain)
        except InputError as exc:
            errors["pain"] = form_error(exc, "pain").errors.get("pain", exc.message)
    return minutes_value, pain_value


def add_diary_entry(
    session: DbSession,
    who: CurrentUser,
    course_id: int,
    kb: KB,
    *,
    day_text: str,
    done: bool,
    steps: list[str],
    minutes: str,
    pain: str,
    symptoms: list[str],
    notes: str,
    key: str,
    today: date,
) -> DiaryResult:
    """The patient records a day of the home routine. The same ``key`` sent again (an
    offline retry) returns the stored entry instead of a second one."""
    user = acting(session, who)
    row = check_course(session, user, course_id, "diary")
    key = key.strip()
    errors: dict[str, str] = {}
    if not key or len(key) > MAX_DIARY_KEY:
        errors["key"] = Message("a key of 1-%(n)s characters identifies the entry", n=MAX_DIARY_KEY)
    else:
        existing = session.scalar(
            select(DiaryEntry).where(
                DiaryEntry.patient_id == row.patient_id, DiaryEntry.idempotency_key == key
            )
        )
        if existing is not None:
            return DiaryResult(DiaryEntryOut.model_validate(existing), False, [])
    course = _course(row)
    day = _diary_day(day_text, today, course.start, errors)
    known = {s for h in course.home for s in h.steps}
    bad = [s for s in steps if s not in known]
    if bad:
        errors["steps"] = Message("not a step of your routine: %(steps)s", steps=", ".join(bad))
    minutes_value, pain_value = _diary_numbers(minutes, pain, errors)
    questions = set(_symptom_questions(kb))
    if any(q not in questions for q in symptoms):
        errors["symptoms"] = N_("unknown warning sign")
    if len(notes) > 2000:
        errors["notes"] = N_("at most 2000 characters")
    if "day" not in errors and not symptoms:
        recorded = session.scalar(
            select(func.count())
            .select_from(DiaryEntry)
            .where(DiaryEntry.course_id == row.id, DiaryEntry.day == day)
        )
        if (recorded or 0) >= MAX_DIARY_A_DAY:
            errors["day"] = Message(
                "this day already has %(n)s entries, the most a day can take; tell your "
                "therapist at the next session what else you did",
                n=MAX_DIARY_A_DAY,
            )
    if errors:
        raise FormError(errors)
    entry = DiaryEntry(
        patient_id=row.patient_id,
        course_id=row.id,
        day=day,
        done=done,
        steps=list(steps),
        minutes=minutes_value,
        pain=pain_value,
        symptoms=list(symptoms),
        notes=notes.strip() or None,
        idempotency_key=key,
        recorded_by=user.id,
        created_at=now(),
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:  # the same key arrived twice at once
        existing = session.scalar(
            select(DiaryEntry).where(
                DiaryEntry.patient_id == row.patient_id, DiaryEntry.idempotency_key == key
            )
        )
        assert existing is not None
        return DiaryResult(DiaryEntryOut.model_validate(existing), False, [])
    events: list[StopEvent] = []
    if symptoms and course.status != "completed":
        events = lib.apply_stop_rules(
            course,
            _earlier(session, row),
            dict.fromkeys(symptoms, True),
            kb,
            day=day,
        )
        if events:
            _save(row, course)
            audit_stop(session, user, row, events)
    audit(session, user, "diary", "diary_entry", str(entry.id), patient_id=row.patient_id)
    return DiaryResult(DiaryEntryOut.model_validate(entry), True, events)
