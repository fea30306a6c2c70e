"""Session days: re-screening before a session, and the session record itself."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from spinecare.engine.course.model import (
    MAX_SESSION_MINUTES,
    NOT_A_COURSE_ZONE,
    PAIN_MAX,
    PAIN_MIN,
    UNKNOWN_MEASURE,
    UNKNOWN_QUESTION,
    Course,
    not_a_number,
)
from spinecare.engine.screening import ALLOWED, Screening, screen_record
from spinecare.errors import InputError
from spinecare.i18n import day_text, translator, typed_number
from spinecare.kb.loader import KB
from spinecare.messages import Day, Message, Quantity, field_error
from spinecare.record.model import Answer, Observation, PatientRecord

MAX_SAME_DAY_REASON = 500

# --------------------------------------------------------------------------------------
# The session day
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class SessionCheck:
    """May a session start on ``day``? If not, ``reasons`` and ``missing`` say why."""

    day: date
    may_start: bool
    verdict: str
    reasons: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    precautions: list[dict[str, Any]]
    screening: Screening = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "may_start": self.may_start,
            "verdict": self.verdict,
            "reasons": self.reasons,
            "missing": self.missing,
            "precautions": self.precautions,
        }


def _course_text(lang: str) -> dict[str, str]:
    _ = translator(lang)
    return {
        "paused": _("The course is paused by a stop rule: the physician must review it first."),
        "completed": _("The course has ended."),
        "before_start": _("The day is before the course start (%(start)s)."),
    }


def _day_record(
    record: PatientRecord,
    day: date,
    pain: float | None,
    answers: Mapping[str, bool | str | float] | None,
    vitals: Mapping[str, float] | None,
    kb: KB,
) -> PatientRecord:
    extra_obs: list[Observation] = []
    extra_answers: list[Answer] = []
    if pain is not None:
        extra_obs.append(
            Observation(
                ref=f"session-day:{day.isoformat()}#pain",
                measure="pain_score",
                value=pain_value("pain", pain),
                unit=kb.measures["pain_score"].unit,
                when=day,
                in_order=True,  # entered at the session
            )
        )
    for measure, value in (vitals or {}).items():
        if measure not in kb.measures:
            known = ", ".join(sorted(kb.measures))
            problem = Message(UNKNOWN_MEASURE, value=measure, known=known)
            raise InputError(field_error("vitals", problem))
        extra_obs.append(
            Observation(
                ref=f"session-day:{day.isoformat()}#{measure}",
                measure=measure,
                value=float(value),
                unit=kb.measures[measure].unit,
                when=day,
                in_order=True,  # entered at the session
            )
        )
    for question, answer in (answers or {}).items():
        if question not in kb.questions:
            known = ", ".join(sorted(kb.questions))
            problem = Message(UNKNOWN_QUESTION, value=question, known=known)
            raise InputError(field_error("answers", problem))
        extra_answers.append(
            Answer(
                ref=f"session-day:{day.isoformat()}#{question}",
                question=question,
                value=answer,
                when=day,
            )
        )
    if not extra_obs and not extra_answers:
        return record
    return replace(
        record,
        observations=[*record.observations, *extra_obs],
        answers=[*record.answers, *extra_answers],
    )


def check_session_day(
    record: PatientRecord,
    kb: KB,
    day: date,
    lang: str = "en",
    *,
    pain: float | None = None,
    answers: Mapping[str, bool | str | float] | None = None,
    vitals: Mapping[str, float] | None = None,
    course: Course | None = None,
) -> SessionCheck:
    """Re-screen the patient with that day's data; a session may start only when the
    verdict is ``allowed`` or ``allowed_with_precautions`` (and the course, if given, is
    active and has begun).

    ``pain``, ``answers`` and ``vitals`` (measure id -> value in the KB unit) are that
    day's data when not yet in ``record``: they are added, dated ``day``, to a copy.
    """
    patient = _day_record(record, day, pain, answers, vitals, kb)
    screening = screen_record(patient, kb, day, lang)
    reasons: list[dict[str, Any]] = []
    precautions: list[dict[str, Any]] = []
    for f in screening.findings:
        if not f.counts:
            continue
        entry = {
            "concept": f.concept,
            "rule": f.rule,
            "effect": f.effect,
            "certainty": f.certainty,
            "reason": f.reason,
            "sources": list(f.sources),
        }
        if f.effect == "allowed_with_precautions":
            if f.certainty == "present":
                precautions.append(entry)
        elif screening.verdict not in ALLOWED and (
            f.certainty == "present" or screening.verdict == "needs_data"
        ):
            reasons.append(entry)
    missing = [m.to_json() for m in screening.missing] if screening.verdict not in ALLOWED else []
    may_start = screening.verdict in ALLOWED
    text = _course_text(lang)
    if course is not None:
        blocker = None
        if course.status == "paused":
            blocker = ("course_paused", text["paused"])
        elif course.status == "completed":
            blocker = ("course_completed", text["completed"])
        elif day < course.start:
            blocker = (
                "before_start",
                text["before_start"] % {"start": day_text(course.start, lang)},
            )
        if blocker is not None:
            may_start = False
            reasons.insert(
                0,
                {
                    "concept": None,
                    "rule": blocker[0],
                    "effect": "course",
                    "certainty": "present",
                    "reason": blocker[1],
                    "sources": [],
                },
            )
    return SessionCheck(
        day=day,
        may_start=may_start,
        verdict=screening.verdict,
        reasons=reasons,
        missing=missing,
        precautions=precautions,
        screening=screening,
    )


# --------------------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------------------


def pain_value(name: str, value: Any) -> int:
    def refused(problem: Message) -> InputError:
        return InputError(field_error(name, problem))

    if isinstance(value, bool):
        raise refused(Message("pain is a score from 0 to 10, not yes or no"))
    if isinstance(value, str):
        written = value[:40]
    elif isinstance(value, int) and abs(value) >= 10**40:  # repr() refuses 4,300 digits
        written = f"{str(value)[:1] if value > 0 else '-'}…"
    else:
        written = repr(value)[:40]
    not_a_score = Message("'%(value)s' is not a pain score from 0 to 10", value=written)
    if isinstance(value, str) and not value.strip():
        raise refused(Message("required: a pain score from 0 to 10"))
    if isinstance(value, str):
        try:
            value = typed_number(value)
        except ValueError:
            raise refused(not_a_score) from None
    if isinstance(value, int) and abs(value) > 10**6:  # before float(), which overflows
        value = math.inf  # said as not a score
    if not isinstance(value, int | float) or not math.isfinite(value):
        # NaN, or a number too large to be one (400 digits read as infinity)
        raise refused(not_a_score)
    shown = Quantity(float(value), None)
    if value != int(value):
        raise refused(Message("pain is a whole number from 0 to 10 (got %(value)s)", value=shown))
    if not PAIN_MIN <= value <= PAIN_MAX:
        raise refused(Message("pain must be from 0 to 10 (got %(value)s)", value=shown))
    return int(value)


@dataclass(frozen=True, slots=True)
class Session:
    """One massage session. Pain is the 0-10 numeric rating scale, before and after."""

    day: date
    pre_pain: int
    post_pain: int
    techniques: Mapping[str, Sequence[str]] = field(default_factory=dict)
    minutes: float = 0
    notes: str = ""
    adverse_event: str | None = None
    id: str | None = None
    same_day_reason: str | None = None
    """Why this is a second session of the course on the same day (None for the first)."""

    def __post_init__(self) -> None:
        if not isinstance(self.day, date):
            raise InputError(field_error("day", Message("the session date is required")))
        object.__setattr__(self, "pre_pain", pain_value("pre_pain", self.pre_pain))
        object.__setattr__(self, "post_pain", pain_value("post_pain", self.post_pain))
        minutes = self.minutes
        if isinstance(minutes, str) and not minutes.strip():
            problem = Message("required: how many minutes the session took")
            raise InputError(field_error("minutes", problem))
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            try:
                minutes = typed_number(str(minutes))
            except ValueError:
                raise InputError(not_a_number("minutes", self.minutes)) from None
        if math.isnan(minutes) or minutes < 0:
            problem = Message("must be 0 or more (got %(value)s)", value=str(self.minutes))
            raise InputError(field_error("minutes", problem))
        if minutes > MAX_SESSION_MINUTES:
            problem = Message(
                "%(minutes)s is more than %(most)s for one session",
                minutes=Quantity(minutes, None),
                most=Quantity(MAX_SESSION_MINUTES, "min"),
            )
            raise InputError(field_error("minutes", problem))
        object.__setattr__(self, "minutes", float(minutes))
        event = (self.adverse_event or "").strip() or None
        object.__setattr__(self, "adverse_event", event)
        object.__setattr__(self, "same_day_reason", (self.same_day_reason or "").strip() or None)
        object.__setattr__(self, "notes", (self.notes or "").strip())
        object.__setattr__(
            self, "techniques", {str(z): list(t) for z, t in dict(self.techniques).items()}
        )

    @property
    def change(self) -> int:
        """Post minus pre (positive: pain went up during the session)."""
        return self.post_pain - self.pre_pain

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "day": self.day.isoformat(),
            "pre_pain": self.pre_pain,
            "post_pain": self.post_pain,
            "techniques": {z: list(t) for z, t in self.techniques.items()},
            "minutes": self.minutes,
            "notes": self.notes,
            "adverse_event": self.adverse_event,
            **({"same_day_reason": self.same_day_reason} if self.same_day_reason else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Session:
        return cls(
            day=date.fromisoformat(data["day"]),
            pre_pain=data["pre_pain"],
            post_pain=data["post_pain"],
            techniques=data.get("techniques") or {},
            minutes=data.get("minutes", 0),
            notes=data.get("notes") or "",
            adverse_event=data.get("adverse_event"),
            id=data.get("id"),
            same_day_reason=data.get("same_day_reason"),
        )


def new_session(
    course: Course,
    *,
    day: date,
    pre_pain: Any,
    post_pain: Any,
    techniques: Mapping[str, Sequence[str]] | None = None,
    minutes: Any = 0,
    notes: str = "",
    adverse_event: str | None = None,
    id: str | None = None,
    earlier: Sequence[Session] = (),
    same_day_reason: str | None = None,
) -> Session:
    """A session validated on its own (pain 0-10, minutes >= 0) and against the course:
    not before its start, the course active, techniques among the course's for its zones,
    and one a day: a second session on a day that has one (in ``earlier``, the course's
    recorded sessions) needs ``same_day_reason``."""
    reason = (same_day_reason or "").strip()
    if len(reason) > MAX_SAME_DAY_REASON:
        problem = Message("at most %(n)s characters", n=MAX_SAME_DAY_REASON)
        raise InputError(field_error("same_day_reason", problem))
    if any(s.day == day for s in earlier):
        if not reason:
            problem = Message(
                "a session of this course is already recorded on %(day)s; a second one the "
                "same day needs the reason",
                day=Day(day),
            )
            raise InputError(field_error("same_day_reason", problem))
    else:
        reason = ""
    session = Session(
        day=day,
        pre_pain=pre_pain,
        post_pain=post_pain,
        techniques=techniques or {},
        minutes=minutes,
        notes=notes,
        adverse_event=adverse_event,
        id=id,
        same_day_reason=reason or None,
    )
    if session.day < course.start:
        problem = Message(
            "the session date %(day)s is before the course start %(start)s",
            day=Day(session.day),
            start=Day(course.start),
        )
        raise InputError(field_error("day", problem))
    if course.status == "paused":
        problem = Message(
            "the course is paused; no session can be recorded until the physician resumes it"
        )
        raise InputError(field_error("status", problem))
    if course.status != "active":
        raise InputError(
            field_error("status", Message("the course has ended; no session can be recorded"))
        )
    for zone, done in session.techniques.items():
        if zone not in course.zones:
            problem = Message(NOT_A_COURSE_ZONE, zone=zone)
            raise InputError(field_error("techniques", problem))
        for t in done:
            if t not in course.techniques:
                problem = Message(
                    "'%(technique)s' is not one of the course's techniques", technique=t
                )
                raise InputError(field_error("techniques", problem))
    return session
