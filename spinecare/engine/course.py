"""Courses, sessions, stop rules and progress: plain dataclasses and functions, no database.

A therapist starts a :class:`Course` from a ``ready`` :class:`~spinecare.engine.planning.CoursePlan`
(:func:`start_course`), adjusting values within the KB's ranges (a value outside them
needs a written reason). Before each session :func:`check_session_day` re-screens the
patient with that day's data. A :class:`Session` records pain before and after, the
techniques done per zone, minutes, notes and any adverse event; :func:`new_session`
validates it against the course. :func:`apply_stop_rules` applies the KB's stop rules
(pain up by ``pain_increase_stop`` or more, new neurological symptoms, an adverse event):
each one pauses the course and sends it to the physician. :func:`progress` gives the pain
series, the change against the minimal clinically important difference (``pain_mcid``),
adherence, and a summary once the course ends.

A course is language-neutral: it keeps ids (zones, modalities, techniques, home-program
steps, stop rules), and the texts are looked up in the KB in the reader's language
(:func:`home_routine`). ``to_json`` / ``from_json`` round-trip a course and a session, so an
adapter can store them as JSON.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any

from spinecare.engine.planning import CoursePlan
from spinecare.engine.screening import ALLOWED, Screening, screen_record
from spinecare.errors import InputError
from spinecare.kb.loader import KB, load_kb
from spinecare.kb.schema import Dose, StopRule
from spinecare.record.model import Answer, Observation, PatientRecord

__all__ = [
    "COURSE_STATUSES",
    "MAX_SESSION_MINUTES",
    "Adjustment",
    "Course",
    "HomeAssignment",
    "Progress",
    "Session",
    "SessionCheck",
    "StopEvent",
    "apply_stop_rules",
    "check_session_day",
    "complete_course",
    "course_end_date",
    "home_routine",
    "new_session",
    "progress",
    "resume_course",
    "start_course",
]

COURSE_STATUSES = ("active", "paused", "completed")
"""``active``: sessions may be booked; ``paused``: a stop rule fired, the physician decides;
``completed``: the course has ended (its summary is final)."""

MAX_SESSION_MINUTES = 240
"""A session longer than this is taken as a typing error (4 hours)."""

PAIN_MIN, PAIN_MAX = 0, 10

RANGE_FIELDS = ("sessions", "sessions_per_week", "minutes_per_session")


# --------------------------------------------------------------------------------------
# Course
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Adjustment:
    """A value the therapist changed from the plan's, with the KB range and the reason."""

    field: str
    planned: Any
    value: Any
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    within_range: bool = True
    reason: str | None = None
    sources: list[str] = dataclasses.field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "planned": self.planned,
            "value": self.value,
            "min": self.min,
            "max": self.max,
            "unit": self.unit,
            "within_range": self.within_range,
            "reason": self.reason,
            "sources": list(self.sources),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Adjustment:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@dataclass(slots=True)
class HomeAssignment:
    """The self-massage taught for one zone: the KB step ids and minutes a day."""

    zone: str
    steps: list[str]
    minutes: float

    def to_json(self) -> dict[str, Any]:
        return {"zone": self.zone, "steps": list(self.steps), "minutes": self.minutes}


@dataclass(slots=True)
class StopEvent:
    """A stop rule that fired: the course pauses and goes to the physician."""

    rule: str
    kind: str
    day: date
    text: dict[str, str]
    detail: dict[str, str]
    sources: list[str]
    key: str
    session: int | None = None  # 0-based index into the sessions list, when a session fired it
    threshold: float | None = None

    def text_in(self, lang: str) -> str:
        return self.text["ru" if lang == "ru" else "en"]

    def detail_in(self, lang: str) -> str:
        return self.detail["ru" if lang == "ru" else "en"]

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "kind": self.kind,
            "day": self.day.isoformat(),
            "text": dict(self.text),
            "detail": dict(self.detail),
            "sources": list(self.sources),
            "key": self.key,
            "session": self.session,
            "threshold": self.threshold,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StopEvent:
        return cls(
            rule=data["rule"],
            kind=data["kind"],
            day=date.fromisoformat(data["day"]),
            text=dict(data["text"]),
            detail=dict(data["detail"]),
            sources=list(data["sources"]),
            key=data["key"],
            session=data.get("session"),
            threshold=data.get("threshold"),
        )


@dataclass(slots=True)
class Course:
    """A started course. Language-neutral: ids, numbers and dates only (plus reasons)."""

    patient_id: str
    start: date
    zones: list[str]
    modalities: list[str]
    sessions: int
    sessions_per_week: float
    minutes_per_session: float
    techniques: list[str]
    avoid: list[str]
    home: list[HomeAssignment]
    stop_rules: list[str]
    cost_options: list[str]
    plan_verdict: str
    plan_as_of: str
    adjustments: list[Adjustment] = field(default_factory=list)
    status: str = "active"
    needs_physician: bool = False
    stop_events: list[StopEvent] = field(default_factory=list)
    resumptions: list[dict[str, Any]] = field(default_factory=list)
    end: date | None = None

    @property
    def planned_end(self) -> date:
        return course_end_date(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "patient": self.patient_id,
            "start": self.start.isoformat(),
            "zones": list(self.zones),
            "modalities": list(self.modalities),
            "sessions": self.sessions,
            "sessions_per_week": self.sessions_per_week,
            "minutes_per_session": self.minutes_per_session,
            "techniques": list(self.techniques),
            "avoid": list(self.avoid),
            "home": [h.to_json() for h in self.home],
            "stop_rules": list(self.stop_rules),
            "cost_options": list(self.cost_options),
            "plan_verdict": self.plan_verdict,
            "plan_as_of": self.plan_as_of,
            "adjustments": [a.to_json() for a in self.adjustments],
            "status": self.status,
            "needs_physician": self.needs_physician,
            "stop_events": [e.to_json() for e in self.stop_events],
            "resumptions": list(self.resumptions),
            "end": self.end.isoformat() if self.end else None,
            "planned_end": self.planned_end.isoformat(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Course:
        return cls(
            patient_id=data["patient"],
            start=date.fromisoformat(data["start"]),
            zones=list(data["zones"]),
            modalities=list(data["modalities"]),
            sessions=int(data["sessions"]),
            sessions_per_week=float(data["sessions_per_week"]),
            minutes_per_session=float(data["minutes_per_session"]),
            techniques=list(data["techniques"]),
            avoid=list(data["avoid"]),
            home=[HomeAssignment(h["zone"], list(h["steps"]), h["minutes"]) for h in data["home"]],
            stop_rules=list(data["stop_rules"]),
            cost_options=list(data["cost_options"]),
            plan_verdict=data["plan_verdict"],
            plan_as_of=data["plan_as_of"],
            adjustments=[Adjustment.from_json(a) for a in data.get("adjustments", [])],
            status=data.get("status", "active"),
            needs_physician=bool(data.get("needs_physician", False)),
            stop_events=[StopEvent.from_json(e) for e in data.get("stop_events", [])],
            resumptions=list(data.get("resumptions", [])),
            end=date.fromisoformat(data["end"]) if data.get("end") else None,
        )


def course_end_date(course: Course) -> date:
    """The planned last day: the number of sessions spread at the planned frequency."""
    weeks = course.sessions / course.sessions_per_week if course.sessions_per_week else 0
    return course.start + timedelta(days=max(0, math.ceil(weeks * 7) - 1))


def _reason_text(reasons: Mapping[str, str] | None, name: str) -> str | None:
    if not reasons:
        return None
    text = reasons.get(name)
    if text is None:
        return None
    text = " ".join(str(text).split())
    return text or None


def _fmt(value: float) -> str:
    return f"{value:g}"


def _range_for(doses: Sequence[Dose], *, summed: bool) -> tuple[float, float, str, list[str]]:
    """The allowed range over the course's zones.

    ``summed`` (minutes per session): the zones are massaged one after another, so the
    range is the sum of the zones' ranges. Otherwise (sessions, sessions a week) a value
    must suit every zone: the intersection of the ranges (their hull if they do not meet).
    """
    sources: list[str] = []
    for d in doses:
        sources.extend(s for s in d.sources if s not in sources)
    unit = doses[0].unit
    if summed:
        return sum(d.min for d in doses), sum(d.max for d in doses), unit, sources
    low, high = max(d.min for d in doses), min(d.max for d in doses)
    if low > high:
        low, high = min(d.min for d in doses), max(d.max for d in doses)
    return low, high, unit, sources


def _number(name: str, value: Any, *, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(str(value).strip())
        except ValueError:
            raise InputError(f"{name}: '{value}' is not a number") from None
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise InputError(f"{name}: '{value}' is not a number")
    if integer and number != int(number):
        raise InputError(f"{name}: {value} must be a whole number")
    if number <= 0:
        raise InputError(f"{name}: must be more than 0 (got {_fmt(number)})")
    return number


def start_course(
    plan: CoursePlan,
    *,
    sessions: int | None = None,
    sessions_per_week: float | None = None,
    minutes_per_session: float | None = None,
    zones: Sequence[str] | None = None,
    modalities: Sequence[str] | None = None,
    home_steps: Mapping[str, Sequence[str]] | None = None,
    home_minutes: Mapping[str, float] | None = None,
    reasons: Mapping[str, str] | None = None,
    start: date,
    kb: KB | None = None,
) -> Course:
    """Start a course from a ``ready`` plan.

    Every value defaults to the plan's. A number outside the KB range for the course's
    zone(s), a zone the plan did not find, or a modality the plan did not propose needs a
    written reason in ``reasons`` (keyed by the argument name: ``sessions``,
    ``sessions_per_week``, ``minutes_per_session``, ``zones``, ``modalities``,
    ``home_minutes``); otherwise :class:`InputError` names the field, the range and that a
    reason is required. A modality the plan excluded (for instance cupping with blood
    thinners) is refused whatever the reason. ``home_steps`` (zone -> KB step ids) marks the
    self-massage steps taught (default: all the zone's steps); ``home_minutes`` (zone ->
    minutes a day) defaults to the KB value. Every change is recorded in ``adjustments``.
    """
    if plan.status != "ready":
        why = "; ".join(
            str(r.get("reason") or r.get("missing") or r.get("concept")) for r in plan.reasons
        )
        what = (
            "a pending plan can be prepared but not started"
            if plan.status == "pending"
            else "a blocked plan cannot be started"
        )
        raise InputError(
            f"plan status is '{plan.status}' (verdict {plan.verdict}): {what}"
            + (f"; reasons: {why}" if why else "")
        )
    if not isinstance(start, date):
        raise InputError("start: a date is required")
    kb = kb or load_kb()
    p = kb.model.plans
    adjustments: list[Adjustment] = []

    # Zones -----------------------------------------------------------------------------
    chosen_zones = list(plan.zones) if zones is None else list(dict.fromkeys(zones))
    for z in chosen_zones:
        if z not in kb.zones:
            raise InputError(f"zones: unknown zone '{z}' (known: {', '.join(kb.zones)})")
    if not chosen_zones:
        raise InputError("zones: choose at least one zone (the plan found none in the record)")
    order = list(kb.zones)
    chosen_zones.sort(key=order.index)
    courses = [c for c in p.courses if c.zone in chosen_zones]
    if not courses:
        raise InputError(f"zones: the KB has no course for {', '.join(chosen_zones)}")
    if chosen_zones != list(plan.zones):
        extra = [z for z in chosen_zones if z not in plan.zones]
        reason = _reason_text(reasons, "zones")
        if extra and reason is None:
            raise InputError(
                f"zones: {', '.join(extra)} not found in the record (plan zones: "
                f"{', '.join(plan.zones) or 'none'}); a written reason is required"
            )
        adjustments.append(
            Adjustment(
                "zones", list(plan.zones), chosen_zones, within_range=not extra, reason=reason
            )
        )

    # Modalities ------------------------------------------------------------------------
    proposed = [m["id"] for m in plan.modalities]
    excluded = {a["id"][3:]: a.get("text", "") for a in plan.avoid if a["id"].startswith("no_")}
    known = {m.id for m in p.modalities}
    chosen_mods = proposed if modalities is None else list(dict.fromkeys(modalities))
    for m in chosen_mods:
        if m not in known:
            raise InputError(f"modalities: unknown modality '{m}' (known: {', '.join(known)})")
        if m in excluded:
            raise InputError(f"modalities: '{m}' is excluded for this patient: {excluded[m]}")
    if not chosen_mods:
        raise InputError("modalities: choose at least one modality")
    if chosen_mods != proposed:
        extra = [m for m in chosen_mods if m not in proposed]
        reason = _reason_text(reasons, "modalities")
        if extra and reason is None:
            raise InputError(
                f"modalities: {', '.join(extra)} not proposed by the plan (proposed: "
                f"{', '.join(proposed)}); a written reason is required"
            )
        adjustments.append(
            Adjustment("modalities", proposed, chosen_mods, within_range=not extra, reason=reason)
        )

    # Numbers ---------------------------------------------------------------------------
    plan_course = plan.course or {}
    planned: dict[str, float] = {
        "sessions": float(max(c.sessions.value for c in courses)),
        "sessions_per_week": float(courses[0].sessions_per_week.value),
        "minutes_per_session": float(sum(c.minutes_per_session.value for c in courses)),
    }
    if chosen_zones == list(plan.zones) and plan_course:
        planned["sessions"] = float(plan_course["sessions"])
        planned["sessions_per_week"] = float(plan_course["frequency"]["value"])
        planned["minutes_per_session"] = float(plan_course["minutes_per_session"])
    given: dict[str, Any] = {
        "sessions": sessions,
        "sessions_per_week": sessions_per_week,
        "minutes_per_session": minutes_per_session,
    }
    values: dict[str, float] = {}
    for name in RANGE_FIELDS:
        doses = [getattr(c, name) for c in courses]
        low, high, unit, sources = _range_for(doses, summed=name == "minutes_per_session")
        raw = given[name]
        value = planned[name] if raw is None else _number(name, raw, integer=name == "sessions")
        values[name] = value
        inside = low <= value <= high
        reason = _reason_text(reasons, name)
        if not inside and reason is None:
            raise InputError(
                f"{name}: {_fmt(value)} {unit} is outside the range the knowledge base allows "
                f"for {', '.join(chosen_zones)} ({_fmt(low)}-{_fmt(high)} {unit}); "
                "a written reason is required"
            )
        if value != planned[name] or not inside:
            adjustments.append(
                Adjustment(
                    name,
                    planned[name],
                    value,
                    min=low,
                    max=high,
                    unit=unit,
                    within_range=inside,
                    reason=reason,
                    sources=sources,
                )
            )

    # Techniques and what to avoid come from the plan (precautions may omit some).
    techniques = [t["id"] for t in plan_course.get("techniques", [])] or list(p.sequence)
    avoid = [a["id"] for a in plan.avoid]

    # Home programme ----------------------------------------------------------------------
    home: list[HomeAssignment] = []
    programs = {hp.zone: hp for hp in p.home_programs}
    for key in list(home_steps or {}) + list(home_minutes or {}):
        if key not in chosen_zones:
            raise InputError(f"home_steps: zone '{key}' is not one of the course's zones")
    if "self_massage" in chosen_mods:
        for z in chosen_zones:
            program = programs.get(z)
            if program is None:
                continue
            all_steps = [s.id for s in program.steps]
            steps = all_steps if not home_steps or z not in home_steps else list(home_steps[z])
            for s in steps:
                if s not in all_steps:
                    raise InputError(
                        f"home_steps: '{s}' is not a step of the {z} home programme "
                        f"(steps: {', '.join(all_steps)})"
                    )
            if not steps:
                raise InputError(f"home_steps: mark at least one step taught for {z}")
            steps = [s for s in all_steps if s in steps]
            dose = program.minutes
            minutes = dose.value
            if home_minutes and z in home_minutes:
                minutes = _number(f"home_minutes[{z}]", home_minutes[z])
                inside = dose.min <= minutes <= dose.max
                reason = _reason_text(reasons, "home_minutes")
                if not inside and reason is None:
                    raise InputError(
                        f"home_minutes: {_fmt(minutes)} min a day for {z} is outside the range "
                        f"the knowledge base allows ({_fmt(dose.min)}-{_fmt(dose.max)} min); "
                        "a written reason is required"
                    )
                if minutes != dose.value:
                    adjustments.append(
                        Adjustment(
                            f"home_minutes[{z}]",
                            dose.value,
                            minutes,
                            min=dose.min,
                            max=dose.max,
                            unit=dose.unit,
                            within_range=inside,
                            reason=reason,
                            sources=list(dose.sources),
                        )
                    )
            if steps != all_steps:
                adjustments.append(Adjustment(f"home_steps[{z}]", all_steps, steps))
            home.append(HomeAssignment(z, steps, minutes))

    return Course(
        patient_id=plan.patient_id,
        start=start,
        zones=chosen_zones,
        modalities=chosen_mods,
        sessions=int(values["sessions"]),
        sessions_per_week=values["sessions_per_week"],
        minutes_per_session=values["minutes_per_session"],
        techniques=techniques,
        avoid=avoid,
        home=home,
        stop_rules=[r.id for r in p.stop_rules],
        cost_options=[c.id for c in p.cost_options],
        plan_verdict=plan.verdict,
        plan_as_of=plan.as_of,
        adjustments=adjustments,
    )


def resume_course(course: Course, *, day: date, by: str, note: str) -> Course:
    """A physician clears a paused course to go on (``note`` is required)."""
    if course.status != "paused":
        raise InputError(f"status: only a paused course can be resumed (it is {course.status})")
    if not by.strip() or not note.strip():
        raise InputError("note: resuming a paused course needs the physician's name and a note")
    course.status = "active"
    course.needs_physician = False
    course.resumptions.append({"day": day.isoformat(), "by": by.strip(), "note": note.strip()})
    return course


def complete_course(course: Course, *, day: date) -> Course:
    """End the course (its progress then carries the final summary)."""
    if day < course.start:
        raise InputError(
            f"day: {day.isoformat()} is before the course start {course.start.isoformat()}"
        )
    course.status = "completed"
    course.end = day
    return course


# --------------------------------------------------------------------------------------
# Home routine (texts in the reader's language)
# --------------------------------------------------------------------------------------


def home_routine(course: Course, kb: KB, lang: str) -> list[dict[str, Any]]:
    """The self-massage taught, per zone, in ``lang``: title, frequency, minutes a day,
    the steps (id, text, dose, sources) and warnings, from the KB."""
    programs = {hp.zone: hp for hp in kb.model.plans.home_programs}
    out = []
    for h in course.home:
        program = programs[h.zone]
        by_id = {s.id: s for s in program.steps}
        out.append(
            {
                "zone": h.zone,
                "zone_label": kb.zones[h.zone].label.get(lang),
                "title": program.title.get(lang),
                "frequency": program.frequency.get(lang),
                "minutes": h.minutes,
                "minutes_range": [program.minutes.min, program.minutes.max],
                "steps": [
                    {
                        "id": s,
                        "text": by_id[s].text.get(lang),
                        "dose": by_id[s].dose.get(lang),
                        "sources": list(by_id[s].sources),
                    }
                    for s in h.steps
                ],
                "warnings": [w.get(lang) for w in program.warnings],
                "sources": list(program.sources),
            }
        )
    return out


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


COURSE_TEXT = {
    "en": {
        "paused": "The course is paused by a stop rule: the physician must review it first.",
        "completed": "The course has ended.",
        "before_start": "The day is before the course start ({start}).",
    },
    "ru": {
        "paused": "Курс приостановлен по правилу прекращения: сначала его должен рассмотреть врач.",
        "completed": "Курс завершён.",
        "before_start": "Дата раньше начала курса ({start}).",
    },
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
                value=_pain("pain", pain),
                unit=kb.measures["pain_score"].unit,
                when=day,
            )
        )
    for measure, value in (vitals or {}).items():
        if measure not in kb.measures:
            raise InputError(f"vitals: unknown measure '{measure}'")
        extra_obs.append(
            Observation(
                ref=f"session-day:{day.isoformat()}#{measure}",
                measure=measure,
                value=float(value),
                unit=kb.measures[measure].unit,
                when=day,
            )
        )
    for question, answer in (answers or {}).items():
        if question not in kb.questions:
            raise InputError(f"answers: unknown question '{question}'")
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
    text = COURSE_TEXT["ru" if lang == "ru" else "en"]
    if course is not None:
        blocker = None
        if course.status == "paused":
            blocker = ("course_paused", text["paused"])
        elif course.status == "completed":
            blocker = ("course_completed", text["completed"])
        elif day < course.start:
            blocker = ("before_start", text["before_start"].format(start=course.start.isoformat()))
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


def _pain(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise InputError(f"{name}: pain is a score from 0 to 10, not {value}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise InputError(f"{name}: '{value}' is not a pain score from 0 to 10") from None
    if not isinstance(value, int | float) or math.isnan(value):
        raise InputError(f"{name}: '{value}' is not a pain score from 0 to 10")
    if value != int(value):
        raise InputError(f"{name}: pain is a whole number from 0 to 10 (got {value})")
    if not PAIN_MIN <= value <= PAIN_MAX:
        raise InputError(f"{name}: pain must be from 0 to 10 (got {_fmt(float(value))})")
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

    def __post_init__(self) -> None:
        if not isinstance(self.day, date):
            raise InputError("day: the session date is required")
        object.__setattr__(self, "pre_pain", _pain("pre_pain", self.pre_pain))
        object.__setattr__(self, "post_pain", _pain("post_pain", self.post_pain))
        minutes = self.minutes
        if isinstance(minutes, bool) or not isinstance(minutes, int | float):
            try:
                minutes = float(str(minutes).strip())
            except ValueError:
                raise InputError(f"minutes: '{self.minutes}' is not a number") from None
        if math.isnan(minutes) or minutes < 0:
            raise InputError(f"minutes: must be 0 or more (got {self.minutes})")
        if minutes > MAX_SESSION_MINUTES:
            raise InputError(
                f"minutes: {_fmt(minutes)} is more than {MAX_SESSION_MINUTES} minutes "
                "for one session"
            )
        object.__setattr__(self, "minutes", float(minutes))
        event = (self.adverse_event or "").strip() or None
        object.__setattr__(self, "adverse_event", event)
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
) -> Session:
    """A session validated on its own (pain 0-10, minutes >= 0) and against the course:
    not before its start, the course active, techniques among the course's for its zones."""
    session = Session(
        day=day,
        pre_pain=pre_pain,
        post_pain=post_pain,
        techniques=techniques or {},
        minutes=minutes,
        notes=notes,
        adverse_event=adverse_event,
        id=id,
    )
    if session.day < course.start:
        raise InputError(
            f"day: the session date {session.day.isoformat()} is before the course start "
            f"{course.start.isoformat()}"
        )
    if course.status != "active":
        raise InputError(
            f"status: the course is {course.status}; no session can be recorded"
            + (" until the physician resumes it" if course.status == "paused" else "")
        )
    for zone, done in session.techniques.items():
        if zone not in course.zones:
            raise InputError(
                f"techniques: zone '{zone}' is not in the course ({', '.join(course.zones)})"
            )
        for t in done:
            if t not in course.techniques:
                raise InputError(
                    f"techniques: '{t}' is not in the course's technique sequence "
                    f"({', '.join(dict.fromkeys(course.techniques))})"
                )
    return session


# --------------------------------------------------------------------------------------
# Stop rules
# --------------------------------------------------------------------------------------

STOP_DETAIL = {
    "pain_increase": {
        "en": "Session {n} on {day}: pain {pre} before, {post} after (+{rise}; "
        "the course pauses from +{threshold}).",
        "ru": "Сеанс {n}, {day}: боль {pre} до, {post} после (+{rise}; "
        "курс приостанавливается от +{threshold}).",
    },
    "symptom": {
        "en": "New symptom reported on {day}: {label}.",
        "ru": "Новый симптом, отмечен {day}: {label}.",
    },
    "adverse_event": {
        "en": "Adverse event at session {n} on {day}: {event}",
        "ru": "Нежелательное явление на сеансе {n}, {day}: {event}",
    },
}


def _event(
    rule: StopRule,
    day: date,
    key: str,
    detail: dict[str, str],
    *,
    session: int | None = None,
    threshold: float | None = None,
    extra_sources: Iterable[str] = (),
) -> StopEvent:
    sources = list(rule.sources)
    sources.extend(s for s in extra_sources if s not in sources)
    return StopEvent(
        rule=rule.id,
        kind=rule.kind,
        day=day,
        text={"en": rule.text.en, "ru": rule.text.ru},
        detail=detail,
        sources=sources,
        key=key,
        session=session,
        threshold=threshold,
    )


def apply_stop_rules(
    course: Course,
    sessions: Sequence[Session],
    new_symptoms: Mapping[str, bool] | None,
    kb: KB,
    *,
    day: date | None = None,
) -> list[StopEvent]:
    """Apply the KB's stop rules; return the events that fired now (not seen before).

    ``pain_increase``: post minus pre pain at a session >= the rule's threshold
    (``pain_increase_stop``); ``symptom``: any of the rule's questions answered yes in
    ``new_symptoms`` (dated ``day``, default the last session's date); ``adverse_event``: a
    session records one. Any new event pauses the course and sets ``needs_physician``.
    Events already in ``course.stop_events`` (same key) are not raised again, so a
    course the physician resumed is not paused again by the same session.
    """
    symptoms = dict(new_symptoms or {})
    for q, v in symptoms.items():
        if q not in kb.questions:
            raise InputError(f"new_symptoms: unknown question '{q}'")
        if not isinstance(v, bool):
            raise InputError(f"new_symptoms: the answer to '{q}' must be yes or no")
    ordered = sorted(enumerate(sessions), key=lambda pair: (pair[1].day, pair[0]))
    when = day or (ordered[-1][1].day if ordered else course.start)
    seen = {e.key for e in course.stop_events}
    events: list[StopEvent] = []
    for rule in kb.model.plans.stop_rules:
        if rule.id not in course.stop_rules:
            continue
        if rule.kind == "pain_increase":
            tid = rule.threshold or "pain_increase_stop"
            threshold = kb.threshold(tid)
            for n, (index, s) in enumerate(ordered, start=1):
                rise = s.post_pain - s.pre_pain
                if rise < threshold:
                    continue
                ref = s.id or f"{s.day.isoformat()}#{index}"
                values = {
                    "n": n,
                    "day": s.day.isoformat(),
                    "pre": s.pre_pain,
                    "post": s.post_pain,
                    "rise": rise,
                    "threshold": _fmt(threshold),
                }
                events.append(
                    _event(
                        rule,
                        s.day,
                        f"{rule.id}@{ref}",
                        {k: v.format(**values) for k, v in STOP_DETAIL["pain_increase"].items()},
                        session=index,
                        threshold=threshold,
                        extra_sources=kb.thresholds[tid].sources,
                    )
                )
        elif rule.kind == "symptom":
            for q in rule.questions:
                if symptoms.get(q) is True:
                    label = kb.questions[q].label
                    events.append(
                        _event(
                            rule,
                            when,
                            f"{rule.id}:{q}@{when.isoformat()}",
                            {
                                lang: STOP_DETAIL["symptom"][lang].format(
                                    day=when.isoformat(), label=label.get(lang)
                                )
                                for lang in ("en", "ru")
                            },
                        )
                    )
        elif rule.kind == "adverse_event":
            for n, (index, s) in enumerate(ordered, start=1):
                if not s.adverse_event:
                    continue
                ref = s.id or f"{s.day.isoformat()}#{index}"
                events.append(
                    _event(
                        rule,
                        s.day,
                        f"{rule.id}@{ref}",
                        {
                            lang: STOP_DETAIL["adverse_event"][lang].format(
                                n=n, day=s.day.isoformat(), event=s.adverse_event
                            )
                            for lang in ("en", "ru")
                        },
                        session=index,
                    )
                )
    fresh = [e for e in events if e.key not in seen]
    if fresh:
        course.stop_events.extend(fresh)
        if course.status != "completed":
            course.status = "paused"
        course.needs_physician = True
    return fresh


# --------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Progress:
    """Pain over the course, the change against the MCID, adherence and (at the end) a summary.

    ``change`` is last post-session pain minus first pre-session pain (negative: better);
    ``improvement`` is its opposite; ``mcid_reached`` is True when the improvement is at
    least the MCID (None without sessions).
    """

    points: list[dict[str, Any]]
    first_pre: int | None
    last_post: int | None
    change: int | None
    improvement: int | None
    mcid: dict[str, Any]
    mcid_reached: bool | None
    sessions_done: int
    sessions_planned: int
    planned_so_far: int
    adherence: float | None
    as_of: date
    ended: bool
    summary: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "first_pre": self.first_pre,
            "last_post": self.last_post,
            "change": self.change,
            "improvement": self.improvement,
            "mcid": self.mcid,
            "mcid_reached": self.mcid_reached,
            "sessions_done": self.sessions_done,
            "sessions_planned": self.sessions_planned,
            "planned_so_far": self.planned_so_far,
            "adherence": self.adherence,
            "as_of": self.as_of.isoformat(),
            "ended": self.ended,
            "summary": self.summary,
        }


def planned_by(course: Course, day: date) -> int:
    """Sessions due from the start up to and including ``day`` at the course frequency:
    the first on the start day, then spread evenly (3 a week: days 0, 2, 4, 7, ...)."""
    if day < course.start:
        return 0
    days = (day - course.start).days + 1
    return min(course.sessions, math.ceil(days * course.sessions_per_week / 7 - 1e-9))


def progress(
    course: Course, sessions: Sequence[Session], kb: KB, *, as_of: date | None = None
) -> Progress:
    """Pain series, change against the MCID (``plans.mcid`` threshold, with its source),
    adherence (sessions done / planned so far by the frequency) and, when the course has
    ended (completed, or every planned session done), a summary.

    ``as_of`` defaults to the course's end if completed, else the last session's date (or
    the start): pass today's date for a running course.
    """
    ordered = sorted(sessions, key=lambda s: s.day)
    mcid_id = kb.model.plans.mcid
    t = kb.thresholds[mcid_id]
    mcid = {
        "id": mcid_id,
        "value": t.value,
        "unit": t.unit,
        "label": {"en": t.label.en, "ru": t.label.ru},
        "sources": [
            {
                "id": sid,
                "title": kb.sources[sid].title,
                **({"citation": kb.sources[sid].citation} if kb.sources[sid].citation else {}),
            }
            for sid in t.sources
        ],
        "remark": t.remark,
    }
    points = [
        {
            "n": n,
            "day": s.day.isoformat(),
            "pre": s.pre_pain,
            "post": s.post_pain,
            "adverse_event": bool(s.adverse_event),
        }
        for n, s in enumerate(ordered, start=1)
    ]
    if as_of is None:
        as_of = course.end or (ordered[-1].day if ordered else course.start)
    done = len(ordered)
    ended = course.status == "completed" or done >= course.sessions
    so_far = course.sessions if ended else planned_by(course, as_of)
    adherence = round(done / so_far, 3) if so_far else None
    first_pre = ordered[0].pre_pain if ordered else None
    last_post = ordered[-1].post_pain if ordered else None
    change = last_post - first_pre if first_pre is not None and last_post is not None else None
    improvement = -change if change is not None else None
    reached = improvement >= t.value if improvement is not None else None
    result = Progress(
        points=points,
        first_pre=first_pre,
        last_post=last_post,
        change=change,
        improvement=improvement,
        mcid=mcid,
        mcid_reached=reached,
        sessions_done=done,
        sessions_planned=course.sessions,
        planned_so_far=so_far,
        adherence=adherence,
        as_of=as_of,
        ended=ended,
    )
    if ended:
        result.summary = _summary(course, ordered, result)
    return result


SUMMARY_TEXT = {
    "en": {
        "done": "{done} of {planned} sessions from {first} to {last}.",
        "pain": "Pain {pre} before the first session, {post} after the last ({change:+d}).",
        "reached": "The change reaches the minimal clinically important difference "
        "({mcid} points, {src}).",
        "not_reached": "The change does not reach the minimal clinically important difference "
        "({mcid} points, {src}).",
        "stops": "Stop rules fired {n} time(s).",
        "none": "No sessions were recorded.",
    },
    "ru": {
        "done": "Проведено сеансов: {done} из {planned}, с {first} по {last}.",
        "pain": "Боль {pre} перед первым сеансом, {post} после последнего ({change:+d}).",
        "reached": "Изменение достигает минимально значимого ({mcid} балла, {src}).",
        "not_reached": "Изменение не достигает минимально значимого ({mcid} балла, {src}).",
        "stops": "Правила прекращения срабатывали {n} раз(а).",
        "none": "Сеансы не проводились.",
    },
}


def _summary(course: Course, ordered: Sequence[Session], p: Progress) -> dict[str, Any]:
    src = "; ".join(str(s.get("citation") or s["title"]).rstrip(".") for s in p.mcid["sources"])
    text: dict[str, str] = {}
    for lang, words in SUMMARY_TEXT.items():
        if not ordered or p.change is None:
            text[lang] = words["none"]
            continue
        parts = [
            words["done"].format(
                done=p.sessions_done,
                planned=course.sessions,
                first=ordered[0].day.isoformat(),
                last=ordered[-1].day.isoformat(),
            ),
            words["pain"].format(pre=p.first_pre, post=p.last_post, change=p.change),
            words["reached" if p.mcid_reached else "not_reached"].format(
                mcid=_fmt(p.mcid["value"]), src=src
            ),
        ]
        if course.stop_events:
            parts.append(words["stops"].format(n=len(course.stop_events)))
        text[lang] = " ".join(parts)
    n = len(ordered)
    return {
        "sessions_done": p.sessions_done,
        "sessions_planned": course.sessions,
        "first_day": ordered[0].day.isoformat() if ordered else None,
        "last_day": ordered[-1].day.isoformat() if ordered else None,
        "first_pre": p.first_pre,
        "last_post": p.last_post,
        "change": p.change,
        "mcid_reached": p.mcid_reached,
        "mean_pre": round(sum(s.pre_pain for s in ordered) / n, 2) if n else None,
        "mean_post": round(sum(s.post_pain for s in ordered) / n, 2) if n else None,
        "mean_session_change": round(sum(s.change for s in ordered) / n, 2) if n else None,
        "minutes_total": sum(s.minutes for s in ordered),
        "adverse_events": [
            {"day": s.day.isoformat(), "event": s.adverse_event} for s in ordered if s.adverse_event
        ],
        "stop_events": [e.to_json() for e in course.stop_events],
        "text": text,
    }
