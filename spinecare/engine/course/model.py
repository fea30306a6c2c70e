"""The course and its parts: plain dataclasses that round-trip through JSON."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from spinecare.errors import InputError
from spinecare.i18n import typed_number
from spinecare.kb.schema import Dose
from spinecare.messages import N_, Message, Quantity, field_error

COURSE_STATUSES = ("active", "paused", "completed")
"""``active``: sessions may be booked; ``paused``: a stop rule fired, the physician decides;
``completed``: the course has ended (its summary is final)."""

MAX_SESSION_MINUTES = 240
"""A session longer than this is taken as a typing error (4 hours)."""

MOST: dict[str, float] = {
    "sessions": 100,
    "sessions_per_week": 14,
    "minutes_per_session": MAX_SESSION_MINUTES,
}
"""The most a course may plan, whatever reason is written: beyond it a value is taken as a
typing error (a hundred sessions, twice a day, four hours). Clinic policy: the KB's
recommended ranges lie far inside these; between the two a written reason is required."""

LEAST_SESSIONS_PER_WEEK = 0.25
"""Fewer sessions a week than one a month is no course: taken as a typing error."""

PAIN_MIN, PAIN_MAX = 0, 10

RANGE_FIELDS = ("sessions", "sessions_per_week", "minutes_per_session")

NOT_A_COURSE_ZONE = N_("zone '%(zone)s' is not one of the course's zones")
HOME_ZONE_NOT_TREATED = N_(
    "self-massage steps are ticked for %(zone)s, which the course does not treat: untick"
    " them, or keep the zone"
)
UNKNOWN_ZONE = N_("unknown zone '%(value)s'; known: %(known)s")
UNKNOWN_MEASURE = N_("unknown measure '%(value)s'; known: %(known)s")
UNKNOWN_QUESTION = N_("unknown question '%(value)s'; known: %(known)s")
"""Refusals of ids a course's input names (the intake reader says them the same way)."""


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
        return self.text.get(lang) or self.text["en"]

    def detail_in(self, lang: str) -> str:
        return self.detail.get(lang) or self.detail["en"]

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


def not_a_number(name: str, value: Any) -> Message:
    return field_error(name, Message("'%(value)s' is not a number", value=str(value)))


def _number(name: str, value: Any, *, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = typed_number(str(value))
        except ValueError:
            raise InputError(not_a_number(name, value)) from None
    number = float(value)
    if math.isnan(number) or math.isinf(number):
        raise InputError(not_a_number(name, value))
    if integer and number != int(number):
        problem = Message("%(value)s must be a whole number", value=Quantity(number, None))
        raise InputError(field_error(name, problem))
    if number <= 0:
        problem = Message("must be more than 0 (got %(value)s)", value=Quantity(number, None))
        raise InputError(field_error(name, problem))
    most = MOST.get(name)
    if most is not None and number > most:
        problem = Message(
            "%(value)s is more than a course can plan: at most %(most)s",
            value=Quantity(number, None),
            most=Quantity(most, None),
        )
        raise InputError(field_error(name, problem))
    if name == "sessions_per_week" and number < LEAST_SESSIONS_PER_WEEK:
        problem = Message(
            "%(value)s is fewer than a course can plan: at least %(least)s",
            value=Quantity(number, None),
            least=Quantity(LEAST_SESSIONS_PER_WEEK, None),
        )
        raise InputError(field_error(name, problem))
    return number
