"""Starting, resuming and completing a course; the home routine in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from spinecare.engine.course.model import (
    HOME_ZONE_NOT_TREATED,
    NOT_A_COURSE_ZONE,
    RANGE_FIELDS,
    UNKNOWN_ZONE,
    Adjustment,
    Course,
    HomeAssignment,
    _number,
    _range_for,
    _reason_text,
)
from spinecare.engine.planning import CoursePlan
from spinecare.errors import InputError
from spinecare.kb.loader import KB, load_kb
from spinecare.kb.schema import Course as KbCourse
from spinecare.kb.schema import HomeProgram
from spinecare.messages import Chosen, Message, Names, Quantity, field_error


def not_startable(plan: CoursePlan) -> Message | None:
    """Why no course can start from ``plan`` (None: it is ready)."""
    if plan.status == "ready":
        return None
    if plan.status == "pending":
        return Message("the plan is provisional: a course can be prepared but not started")
    return Message("the screening does not allow massage now: no course can be started")


Reasons = Mapping[str, str] | None
"""The written reasons for values outside what the plan or the KB proposes, by field."""


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
    _check_startable(plan, start)
    kb = kb or load_kb()
    p = kb.model.plans
    adjustments: list[Adjustment] = []
    chosen_zones, courses = _choose_zones(plan, zones, reasons, kb, adjustments)
    chosen_mods = _choose_modalities(plan, modalities, reasons, kb, adjustments)
    given: dict[str, Any] = {
        "sessions": sessions,
        "sessions_per_week": sessions_per_week,
        "minutes_per_session": minutes_per_session,
    }
    values = _choose_numbers(plan, chosen_zones, courses, given, reasons, kb, adjustments)

    # Techniques and what to avoid come from the plan (precautions may omit some).
    techniques = [t["id"] for t in (plan.course or {}).get("techniques", [])] or list(p.sequence)
    avoid = [a["id"] for a in plan.avoid]
    home = _home_program(
        chosen_zones, chosen_mods, home_steps, home_minutes, reasons, kb, adjustments
    )
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


def _check_startable(plan: CoursePlan, start: object) -> None:
    problem = not_startable(plan)
    if problem is not None:
        why = "; ".join(str(r["reason"]) for r in plan.reasons if r.get("reason"))
        if why:  # the plan's reasons, in the plan's language
            problem = Message("%(problem)s; reasons: %(reasons)s", problem=problem, reasons=why)
        raise InputError(field_error("plan", problem))
    if not isinstance(start, date):
        raise InputError(field_error("start", Message("a date is required")))


def _choose_zones(
    plan: CoursePlan,
    zones: Sequence[str] | None,
    reasons: Reasons,
    kb: KB,
    adjustments: list[Adjustment],
) -> tuple[list[str], list[KbCourse]]:
    """The course's zones in the KB's order and the KB's courses for them; a zone the plan
    did not find needs a reason."""
    chosen_zones = list(plan.zones) if zones is None else list(dict.fromkeys(zones))
    for z in chosen_zones:
        if z not in kb.zones:
            problem = Message(UNKNOWN_ZONE, value=z, known=", ".join(kb.zones))
            raise InputError(field_error("zones", problem))
    if not chosen_zones:
        problem = Message("choose at least one zone (the plan found none in the record)")
        raise InputError(field_error("zones", problem))
    order = list(kb.zones)
    chosen_zones.sort(key=order.index)
    courses = [c for c in kb.model.plans.courses if c.zone in chosen_zones]
    if not courses:
        problem = Message(
            "the knowledge base has no course for %(zones)s",
            zones=Names(*(kb.zones[z].label for z in chosen_zones)),
        )
        raise InputError(field_error("zones", problem))
    if chosen_zones != list(plan.zones):
        extra = [z for z in chosen_zones if z not in plan.zones]
        reason = _reason_text(reasons, "zones")
        if extra and reason is None:
            problem = Message(
                "%(zones)s: not found in the record; a written reason is required",
                zones=Names(*(kb.zones[z].label for z in extra)),
            )
            raise InputError(field_error("zones", problem))
        adjustments.append(
            Adjustment(
                "zones", list(plan.zones), chosen_zones, within_range=not extra, reason=reason
            )
        )
    return chosen_zones, courses


def _choose_modalities(
    plan: CoursePlan,
    modalities: Sequence[str] | None,
    reasons: Reasons,
    kb: KB,
    adjustments: list[Adjustment],
) -> list[str]:
    """The course's modalities: one the plan excluded is refused, one it did not propose
    needs a reason."""
    p = kb.model.plans
    proposed = [m["id"] for m in plan.modalities]
    excluded = {a["id"][3:]: a.get("text", "") for a in plan.avoid if a["id"].startswith("no_")}
    known = {m.id for m in p.modalities}
    chosen_mods = proposed if modalities is None else list(dict.fromkeys(modalities))
    for m in chosen_mods:
        if m not in known:
            problem = Message(
                "unknown modality '%(value)s'; known: %(known)s",
                value=m,
                known=", ".join(sorted(known)),
            )
            raise InputError(field_error("modalities", problem))
        if m in excluded:
            problem = Message(
                "%(modality)s is excluded for this patient: %(reason)s",
                modality=Names(next(x.label for x in p.modalities if x.id == m)),
                reason=excluded[m],
            )
            raise InputError(field_error("modalities", problem))
    if not chosen_mods:
        raise InputError(field_error("modalities", Message("choose at least one modality")))
    if chosen_mods != proposed:
        extra = [m for m in chosen_mods if m not in proposed]
        reason = _reason_text(reasons, "modalities")
        if extra and reason is None:
            labels = {m.id: m.label for m in p.modalities}
            problem = Message(
                "%(modalities)s: not proposed by the plan; a written reason is required",
                modalities=Names(*(labels[m] for m in extra)),
            )
            raise InputError(field_error("modalities", problem))
        adjustments.append(
            Adjustment("modalities", proposed, chosen_mods, within_range=not extra, reason=reason)
        )
    return chosen_mods


def _choose_numbers(
    plan: CoursePlan,
    chosen_zones: list[str],
    courses: Sequence[KbCourse],
    given: Mapping[str, Any],
    reasons: Reasons,
    kb: KB,
    adjustments: list[Adjustment],
) -> dict[str, float]:
    """Sessions, sessions a week and minutes a session: the plan's unless given; outside
    the KB range for the zones, a value needs a reason."""
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
            problem = Message(
                "%(value)s is outside the recommended range "
                "(%(zones)s: %(low)s–%(high)s); a written reason is required",
                value=Quantity(value, unit),
                zones=Names(*(kb.zones[z].label for z in chosen_zones)),
                low=Quantity(low, None),
                high=Quantity(high, unit),
            )
            raise InputError(field_error(name, problem))
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
    return values


def _home_program(
    chosen_zones: list[str],
    chosen_mods: list[str],
    home_steps: Mapping[str, Sequence[str]] | None,
    home_minutes: Mapping[str, float] | None,
    reasons: Reasons,
    kb: KB,
    adjustments: list[Adjustment],
) -> list[HomeAssignment]:
    """The self-massage taught for each zone that has a home program (none without the
    ``self_massage`` modality)."""
    for key in list(home_steps or {}) + list(home_minutes or {}):
        if key not in chosen_zones:
            zone = kb.zones.get(key)
            if zone is None:
                problem = Message(NOT_A_COURSE_ZONE, zone=key)
            else:  # said by its name: the home steps ticked for a zone taken out
                problem = Message(HOME_ZONE_NOT_TREATED, zone=Chosen(key, zone.label))
            raise InputError(field_error("home_steps", problem))
    if "self_massage" not in chosen_mods:
        return []
    programs = {hp.zone: hp for hp in kb.model.plans.home_programs}
    home: list[HomeAssignment] = []
    for z in chosen_zones:
        program = programs.get(z)
        if program is None:
            continue
        steps = _home_steps(z, program, home_steps, kb)
        minutes = _home_minutes(z, program, home_minutes, reasons, kb, adjustments)
        if steps != [s.id for s in program.steps]:
            adjustments.append(Adjustment(f"home_steps[{z}]", [s.id for s in program.steps], steps))
        home.append(HomeAssignment(z, steps, minutes))
    return home


def _home_steps(
    z: str,
    program: HomeProgram,
    home_steps: Mapping[str, Sequence[str]] | None,
    kb: KB,
) -> list[str]:
    """The steps taught for zone ``z`` in the program's order (default: all of them)."""
    all_steps = [s.id for s in program.steps]
    steps = all_steps if not home_steps or z not in home_steps else list(home_steps[z])
    for s in steps:
        if s not in all_steps:
            problem = Message(
                "'%(step)s' is not a step of the home program for %(zone)s (steps: %(steps)s)",
                step=s,
                zone=Names(kb.zones[z].label),
                steps=", ".join(all_steps),
            )
            raise InputError(field_error("home_steps", problem))
    if not steps:
        problem = Message(
            "mark at least one step taught for %(zone)s", zone=Names(kb.zones[z].label)
        )
        raise InputError(field_error("home_steps", problem))
    return [s for s in all_steps if s in steps]


def _home_minutes(
    z: str,
    program: HomeProgram,
    home_minutes: Mapping[str, float] | None,
    reasons: Reasons,
    kb: KB,
    adjustments: list[Adjustment],
) -> float:
    """Minutes a day for zone ``z``: the KB's unless given; outside its range, with a
    reason."""
    dose = program.minutes
    if not home_minutes or z not in home_minutes:
        return dose.value
    minutes = _number(f"home_minutes[{z}]", home_minutes[z])
    inside = dose.min <= minutes <= dose.max
    reason = _reason_text(reasons, "home_minutes")
    if not inside and reason is None:
        problem = Message(
            "%(minutes)s a day is outside the recommended range "
            "(%(zone)s: %(low)s–%(high)s); a written reason is required",
            minutes=Quantity(minutes, "min"),
            zone=Names(kb.zones[z].label),
            low=Quantity(dose.min, None),
            high=Quantity(dose.max, "min"),
        )
        raise InputError(field_error("home_minutes", problem))
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
    return minutes


def resume_course(course: Course, *, day: date, by: str, note: str) -> Course:
    """A physician clears a paused course to go on (``note`` is required)."""
    if course.status != "paused":
        problem = Message("only a paused course can be resumed")
        raise InputError(field_error("status", problem))
    if not note.strip():
        problem = Message("write a note on why the course may go on")
        raise InputError(field_error("note", problem))
    if not by.strip():
        problem = Message("resuming a paused course needs the physician's name")
        raise InputError(field_error("by", problem))
    course.status = "active"
    course.needs_physician = False
    course.resumptions.append({"day": day.isoformat(), "by": by.strip(), "note": note.strip()})
    return course


def complete_course(course: Course, *, day: date) -> Course:
    """End the course (its progress then carries the final summary). A course ended before
    the day it was to start (called off, or started with a wrong date: a patient has one
    course under way at a time, so it must be possible to end it) ends on its start, with
    no session held."""
    course.status = "completed"
    course.end = max(day, course.start)
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
