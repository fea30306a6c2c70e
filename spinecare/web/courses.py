"""Courses: start from a ready plan, the session day (re-screening), sessions, stop rules,
progress charts, the home program with the patient's diary, the PDF handout and the
calendar file; and the interface language.

The clinical logic is the library's (:mod:`spinecare.engine.course`, :mod:`spinecare.reports`);
:mod:`spinecare.clinic.courses` keeps it in the database and checks who may do what.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from spinecare.clinic import AccessDenied, FormError, VersionConflict
from spinecare.clinic import courses as store
from spinecare.clinic import patients as service
from spinecare.clinic.accounts import set_language
from spinecare.clinic.clinics import clinic_name
from spinecare.clinic.models import CurrentUser
from spinecare.clinic.permissions import reads_charts, writes_diary
from spinecare.dates import iso_date
from spinecare.engine.course import home_routine, progress
from spinecare.i18n import translator
from spinecare.kb.evidence import patient_reason
from spinecare.kb.loader import KB
from spinecare.messages import N_
from spinecare.record.model import Patient, PatientRecord
from spinecare.reports.charts import adherence_bar_svg, pain_chart_svg, zone_figure_svg
from spinecare.reports.notices import COURSE_NOTICES, STOPPING_VERDICTS, screening_notice
from spinecare.web import i18n
from spinecare.web.deps import (
    check_csrf,
    db_session,
    error_data,
    number,
    optional_user,
    parse_int,
    render,
    request_language,
    require_user,
    safe_next,
    set_cookie,
    state,
    wants_json,
)
from spinecare.web.forms import EMPTY_DAY, TEMPERATURE_UNITS, parse_intake
from spinecare.web.i18n import Text
from spinecare.web.patients import ALL, STAFF, _created, _form_error
from spinecare.wording import VERDICT_WORDS, LanguageNames, not_read_text

router = APIRouter()
END_CONFIRM = Text(
    "Ending the course cannot be undone: no more sessions can be recorded in it. Confirm to end it."
)

DAY_GROUPS = ("screening", "red_flag")
"""The questions asked again on a session day: today's (fever) and the red flags."""
NUMBERS = ("sessions", "sessions_per_week", "minutes_per_session")


def _lang(request: Request) -> str:
    return request_language(request)


def _kb(request: Request) -> KB:
    return state(request).kb()


def _labels(kb: KB, lang: str) -> dict[str, Any]:
    p = kb.model.plans
    return {
        "zones": {z.id: z.label.get(lang) for z in kb.model.zones},
        "modalities": {m.id: m.label.get(lang) for m in p.modalities},
        "techniques": {t.id: t.label.get(lang) for t in p.techniques},
        "questions": {q.id: q.label.get(lang) for q in kb.model.questions},
    }


def _zones_title(kb: KB, zones: Any, lang: str) -> str:
    """The zone figure's text alternative: the zones it shows, by name."""
    return ", ".join(kb.zones[z].label.get(lang) for z in zones if z in kb.zones)


def _day_questions(kb: KB) -> list[Any]:
    return [q for q in kb.model.questions if q.group in DAY_GROUPS and q.type == "boolean"]


def _stop_rules(kb: KB, lang: str) -> list[dict[str, Any]]:
    return [
        {"id": r.id, "text": r.text.get(lang), "questions": list(r.questions)}
        for r in kb.model.plans.stop_rules
    ]


def _symptom_questions(kb: KB) -> list[str]:
    out: list[str] = []
    for r in kb.model.plans.stop_rules:
        out.extend(q for q in r.questions if q not in out)
    return out


def _fields_list(form: Any, name: str) -> list[str]:
    return [v for v in form.getlist(name) if isinstance(v, str) and v]


def _ticked(form: Any, names: list[str]) -> dict[str, list[str]]:
    """The boxes ticked on a form sent back with an error, by field name, exactly as
    sent: none ticked is an empty list, never the boxes a fresh form ticks."""
    return {name: _fields_list(form, name) for name in names}


def _screening_today(
    kb: KB, screening: Any, lang: str, *, for_patient: bool
) -> dict[str, Any] | None:
    """The patient's screening of the day where it stops the home routine
    (:data:`STOPPING_VERDICTS`: a red flag, a contraindication, a reason to put massage
    off), whatever the course's status: its verdict, what the patient reads instead of the
    routine (:func:`screening_notice`, one text with their screening page) and the
    findings that decide it, in the patient's words or, for the clinic, the rules' reasons
    by the concept's name. None when the screening does not stop the routine."""
    if screening.verdict not in STOPPING_VERDICTS:
        return None
    _ = translator(lang)
    concepts = {c.id: c.label.get(lang) for c in kb.model.concepts}
    reasons: list[str] = []
    for f in screening.findings:
        if f.certainty != "present" or not f.counts or f.effect not in STOPPING_VERDICTS:
            continue
        name = concepts.get(f.concept, f.concept)
        if for_patient:
            reasons.append(patient_reason(kb, f.rule, lang) or name)
        else:
            reasons.append(f"{name}: {_(f.reason)}")
    return {
        "verdict": screening.verdict,
        "notice": screening_notice(screening.verdict, lang),
        "verdict_words": _(VERDICT_WORDS[screening.verdict]),
        "reasons": list(dict.fromkeys(reasons)),
    }


# ---------------------------------------------------------------------------------------
# Language


@router.post("/language")
async def choose_language(request: Request) -> Response:
    """Any user (signed in or not) picks the interface language (``en`` or ``ru``)."""
    fields = await check_csrf(request, anonymous_ok=True)
    lang = i18n.normalize(fields.get("language"))
    if lang is None:
        raise FormError(
            {"language": Text("one of %(choices)s", choices=LanguageNames(*i18n.LANGUAGES))}
        )
    with db_session(request) as session:
        user = optional_user(request, session)
        if user is not None:
            set_language(session, user, lang)
    target = safe_next(fields.get("next")) or "/"
    response: Response = (
        JSONResponse({"language": lang})
        if wants_json(request)
        else RedirectResponse(target, status_code=303)
    )
    set_cookie(request, response, i18n.LANG_COOKIE, lang)
    return response


# ---------------------------------------------------------------------------------------
# Starting a course


def _new_course_view(
    request: Request, session: Any, user: CurrentUser, patient_id: int, values: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    kb, lang = _kb(request), _lang(request)
    ps = service.screen_patient(session, user, patient_id, kb, date.today(), lang)
    plan = ps.plan.to_json()
    p = kb.model.plans
    zones = plan["zones"] or []
    ranges: dict[str, dict[str, Any]] = {}
    chosen = [c for c in p.courses if c.zone in zones]
    if chosen:
        for name in NUMBERS:
            doses = [getattr(c, name) for c in chosen]
            if name == "minutes_per_session":
                low, high = sum(d.min for d in doses), sum(d.max for d in doses)
            else:
                low, high = max(d.min for d in doses), min(d.max for d in doses)
            ranges[name] = {"min": low, "max": high, "unit": doses[0].unit}
    course = plan.get("course") or {}
    defaults = {
        "sessions": course.get("sessions", ""),
        "sessions_per_week": (course.get("frequency") or {}).get("value", ""),
        "minutes_per_session": course.get("minutes_per_session", ""),
        "start": date.today().isoformat(),
    }
    programs = {hp.zone: hp for hp in p.home_programs}
    home = [
        {
            "zone": z,
            "label": kb.zones[z].label.get(lang),
            "minutes": programs[z].minutes,
            "steps": [(s.id, s.text.get(lang)) for s in programs[z].steps],
        }
        for z in zones
        if z in programs
    ]
    doctors = [(d.id, d.full_name) for d in service.physicians(session, user.clinic_id)]
    courses = store.courses_of(session, ps.patient.id)
    # a course under way: no other starts until it ends (said beside the button)
    running: dict[str, Any] | None = next(
        (
            {"id": c.id, "start": date.fromisoformat(str(c.course["start"]))}
            for c in courses
            if c.status in ("active", "paused")
        ),
        None,
    )
    # the plan's numbers as the reader writes them (3, not 3.0; 2,5 in Russian): the form
    # takes a decimal comma back
    shown = {k: number(v) for k, v in defaults.items()} | values
    context = {
        "patient": ps.patient,
        "plan": plan,
        "ranges": ranges,
        "home": home,
        "doctors": doctors,
        "labels": _labels(kb, lang),
        "concept_labels": {c.id: c.label.get(lang) for c in kb.model.concepts},
        "item_labels": {m.item: m.label for m in ps.screening.missing},
        "all_zones": [(z.id, z.label.get(lang)) for z in kb.model.zones],
        "all_modalities": [(m.id, m.label.get(lang)) for m in p.modalities],
        "values": shown,
        "errors": {},
        "figure": Markup(zone_figure_svg(zones, width=110, title=_zones_title(kb, zones, lang)))
        if zones
        else "",
        "courses": [c.model_dump(mode="json") for c in courses],
        "running": running,
        "not_read": not_read_text(ps.not_read, lang) if ps.not_read else None,
        # the boxes ticked on a form sent back with an error; None: a fresh form, ticked
        # as the plan proposes
        "chosen": None,
    }
    data = {
        "patient": ps.patient.model_dump(mode="json"),
        "plan": plan,
        "ranges": ranges,
        "may_start": plan["status"] == "ready" and running is None,
        "running": None if running is None else {**running, "start": str(running["start"])},
        "not_read": list(ps.not_read),
    }
    return context, data


@router.get("/patients/{patient_id}/course/new")
def course_new(request: Request, patient_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        service.get_patient(session, user, patient_id, write=True)
        context, data = _new_course_view(request, session, user, patient_id, {})
    return render(request, "course_new.html", context, data)


def _start_values(form: Any, fields: dict[str, str], zones: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in NUMBERS:
        raw = fields.get(name, "").strip()
        if raw:
            values[name] = raw
    chosen_zones = _fields_list(form, "zones")
    if chosen_zones:
        values["zones"] = chosen_zones
    chosen_mods = _fields_list(form, "modalities")
    if chosen_mods:
        values["modalities"] = chosen_mods
    steps = {z: _fields_list(form, f"home_{z}") for z in zones}
    steps = {z: s for z, s in steps.items() if s}
    if steps:
        values["home_steps"] = steps
    minutes = {z: fields[f"home_minutes_{z}"] for z in zones if fields.get(f"home_minutes_{z}")}
    if minutes:
        values["home_minutes"] = minutes
    return values


@router.post("/patients/{patient_id}/courses")
async def course_start(request: Request, patient_id: int) -> Response:
    form = await request.form()
    fields = await check_csrf(request)
    kb = _kb(request)
    zones = [z.id for z in kb.model.zones]
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        service.get_patient(session, user, patient_id, write=True, audit_as=None)
        values = _start_values(form, fields, zones)
        reasons = {
            k[len("reason_") :]: v
            for k, v in fields.items()
            if k.startswith("reason_") and v.strip()
        }
        if "zones" in reasons:  # one field on the form explains zones and modalities
            reasons.setdefault("modalities", reasons["zones"])
        written = fields.get("start", "").strip()
        try:
            start_day: date | str = iso_date(written or date.today().isoformat())
        except ValueError:
            start_day = written  # refused, saying what is wrong with it
        try:
            row = store.start(
                session,
                user,
                patient_id,
                kb,
                start_day=start_day,
                values=values,
                reasons=reasons,
                physician_id=parse_int(fields.get("physician_id"), 0) or None,
                today=date.today(),
            )
        except FormError as exc:
            session.rollback()
            context, _ = _new_course_view(request, session, user, patient_id, fields)
            context["values"] = {**context["values"], **fields}
            ticked = ["zones", "modalities", *(f"home_{z}" for z in zones)]
            context["chosen"] = _ticked(form, ticked)
            return _form_error(request, "course_new.html", context, exc)
        data = row.model_dump(mode="json")
        location = f"/courses/{row.id}"
    return _created(request, location, data)


# ---------------------------------------------------------------------------------------
# The course page


def _course_view(
    request: Request, session: Any, user: CurrentUser, course_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    kb, lang = _kb(request), _lang(request)
    row = store.get_course(session, user, course_id, chart=True)
    course = store.course_of(row)
    people = store.course_people(session, row)
    patient = people.patient
    sessions = store.sessions_of(session, row.id)
    programs = {hp.zone: hp for hp in kb.model.plans.home_programs}
    rule_labels = {r.id: r.label.get(lang) for r in kb.model.plans.stop_rules}
    taught = store.home_steps_of(session, row.id)
    times = {h.zone: h.times_per_day for h in taught}
    home_form = [
        {
            "zone": z,
            "label": kb.zones[z].label.get(lang),
            "minutes": programs[z].minutes,
            "steps": [(s.id, s.text.get(lang)) for s in programs[z].steps],
            "taught": [h.step for h in taught if h.zone == z],
            "value": next((h.minutes for h in course.home if h.zone == z), ""),
            "times": times.get(z, 1),
            # what the form ticks and chooses: what was taught, or what was sent with an
            # error (:func:`home_program_save`)
            "ticked": [h.step for h in taught if h.zone == z],
            "times_chosen": times.get(z, 1),
        }
        for z in course.zones
        if z in programs
    ]
    session_items = [{**s.to_json(), "change": s.session.change} for s in sessions]
    # a paused course: the physician resumes it beside today's screening, which may keep
    # the patient's routine stopped after the resumption
    today: dict[str, Any] | None = None
    if course.status == "paused":
        day = date.today()  # read once: the referral letter is of the screening's day
        screening = store.course_screening(session, row, kb, day, lang)
        today = _screening_today(kb, screening, lang, for_patient=False) or {
            "verdict": screening.verdict,
            "verdict_words": translator(lang)(VERDICT_WORDS[screening.verdict]),
            "reasons": [],
        }
        today["day"] = day.isoformat()
    data = {
        **row.model_dump(mode="json"),
        "patient": patient.model_dump(mode="json"),
        "sessions": session_items,
        "home_steps": [h.model_dump(mode="json") for h in taught],
        "screening_today": today,
    }
    context = {
        "row": row,
        "c": course,
        "cj": row.course,
        "patient": patient,
        "doctor_name": people.physician_name,
        "sessions": session_items,
        "labels": _labels(kb, lang),
        "day_questions": _day_questions(kb),
        "temperature_units": TEMPERATURE_UNITS,
        "home_form": home_form,
        "values": {"day": date.today().isoformat()},
        "errors": {},
        "figure": Markup(
            zone_figure_svg(course.zones, width=110, title=_zones_title(kb, course.zones, lang))
        ),
        # each stop event once, in the order it fired, and each resumption once, after
        # the events it answered
        "screening_today": today,
        "stop_reviews": [
            {
                "events": [
                    {
                        **e.to_json(),
                        "label_l": rule_labels.get(e.rule, ""),
                        "text_l": e.text_in(lang),
                        "detail_l": e.detail_in(lang),
                    }
                    for e in review.events
                ],
                "resumption": review.resumption,
            }
            for review in store.stop_reviews(course)
        ],
    }
    return context, data


@router.get("/courses/{course_id}")
def course_page(request: Request, course_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        if not reads_charts(user) and not wants_json(request):
            # a patient's own course: its pages written for the patient (another's: 404)
            store.get_course(session, user, course_id, audit_as=None)
            return RedirectResponse(f"/courses/{course_id}/home", status_code=303)
        context, data = _course_view(request, session, user, course_id)
    return render(request, "course.html", context, data)


# ---------------------------------------------------------------------------------------
# The session day and sessions


def _day_facts(fields: dict[str, str], kb: KB) -> tuple[date, PatientRecord]:
    """That day's vitals, pain and answers (the intake form's fields and checks)."""
    wanted = {f"q_{q.id}" for q in _day_questions(kb)}
    day_fields = {
        k: v
        for k, v in fields.items()
        if k in ("day", "systolic", "diastolic", "temperature", "temperature_unit", "pain")
        or k in wanted
    }
    today = date.today()
    day, facts = parse_intake(day_fields, kb, today, empty=EMPTY_DAY)
    if day > today:
        not_yet = Text("this date has not come yet: a session is recorded on its day")
        raise FormError({"day": not_yet})
    facts.patient = Patient(id="session-day")
    return day, facts


def _session_context(
    request: Request,
    session: Any,
    user: CurrentUser,
    course_id: int,
    fields: dict[str, str],
    check: Any,
    chosen: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """The session form: after the day's check (``chosen`` None, every technique of the
    course ticked), or sent back with an error (the techniques ticked as sent)."""
    context, _ = _course_view(request, session, user, course_id)
    context["chosen"] = chosen
    context["values"] = {**fields}
    if "pre_pain" not in fields and fields.get("pain"):
        context["values"]["pre_pain"] = fields["pain"]
    if "minutes" not in fields:
        context["values"]["minutes"] = f"{context['c'].minutes_per_session:g}"
    context["check"] = check.to_json() if check is not None else None
    context["day_fields"] = {
        k: v
        for k, v in fields.items()
        if k in ("day", "systolic", "diastolic", "temperature", "temperature_unit", "pain")
        or k.startswith("q_")
    }
    return context


@router.post("/courses/{course_id}/check")
async def session_check(request: Request, course_id: int) -> Response:
    fields = await check_csrf(request)
    kb, lang = _kb(request), _lang(request)
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        try:
            day, facts = _day_facts(fields, kb)
        except FormError as exc:
            store.get_course(session, user, course_id, write=True)
            context, _ = _course_view(request, session, user, course_id)
            context["values"] = fields
            return _form_error(request, "course.html", context, exc)
        row, check, events = store.check_day(session, user, course_id, kb, day, facts, lang)
        session.commit()
        context = _session_context(request, session, user, course_id, fields, check)
        data = {
            "check": check.to_json(),
            "stop_events": [e.to_json() for e in events],
            "course": row.model_dump(mode="json"),
        }
    return render(request, "session.html", context, data)


@router.post("/courses/{course_id}/sessions")
async def session_record(request: Request, course_id: int) -> Response:
    form = await request.form()
    fields = await check_csrf(request)
    kb, lang = _kb(request), _lang(request)
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        row = store.get_course(session, user, course_id, write=True, audit_as="read")
        planned = store.course_of(row)
        zones = planned.zones
        chosen = _ticked(form, [f"tech_{z}" for z in zones])
        techniques = {z: chosen[f"tech_{z}"] for z in zones if chosen[f"tech_{z}"]}
        try:
            day, facts = _day_facts(fields, kb)
            row, recorded, events = store.record_session(
                session,
                user,
                course_id,
                kb,
                day=day,
                facts=facts,
                pre_pain=fields.get("pre_pain", "").strip() or fields.get("pain", ""),
                post_pain=fields.get("post_pain", ""),
                techniques=techniques,
                # the field sent empty is refused; not sent, the course's minutes (as the
                # form fills it in)
                minutes=fields.get("minutes", f"{planned.minutes_per_session:g}"),
                notes=fields.get("notes", ""),
                adverse_event=fields.get("adverse_event", ""),
                lang=lang,
                same_day_reason=fields.get("same_day_reason", ""),
            )
        except store.SessionBlocked as exc:
            session.rollback()
            context = _session_context(request, session, user, course_id, fields, exc.check, chosen)
            data = {
                **error_data(request, 409, exc.code, exc.one_line(), details=exc.check.reasons),
                "check": exc.check.to_json(),
            }
            return render(request, "session.html", context, data, status=409)
        except FormError as exc:
            session.rollback()
            context = _session_context(request, session, user, course_id, fields, None, chosen)
            return _form_error(request, "session.html", context, exc)
        except VersionConflict as exc:
            session.rollback()
            context = _session_context(request, session, user, course_id, fields, None, chosen)
            return _form_error(
                request, "session.html", context, FormError({"form": exc.message}), status=409
            )
        result: dict[str, Any] = {
            "session": recorded.to_json(),
            "stop_events": [e.to_json() for e in events],
            "course": row.model_dump(mode="json"),
        }
    return _created(request, f"/courses/{course_id}", result)


@router.post("/courses/{course_id}/resume")
async def course_resume(request: Request, course_id: int) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        user = require_user(request, session, "physician")
        try:
            row = store.resume(
                session, user, course_id, note=fields.get("note", ""), day=date.today()
            )
        except FormError as exc:
            session.rollback()
            context, _ = _course_view(request, session, user, course_id)
            context["values"] = fields
            return _form_error(request, "course.html", context, exc)
        data = row.model_dump(mode="json")
    if wants_json(request):
        return JSONResponse(data)
    return RedirectResponse(f"/courses/{course_id}", status_code=303)


def _confirm_end(request: Request, session: Any, user: CurrentUser, course_id: int) -> Response:
    """The confirmation step before a course ends (ending cannot be undone)."""
    context, _ = _course_view(request, session, user, course_id)
    data = error_data(request, 422, "confirmation_required", END_CONFIRM, {"confirm": END_CONFIRM})
    if wants_json(request):
        return render(request, "course_end.html", context, data, status=422)
    return render(request, "course_end.html", context, data)


@router.get("/courses/{course_id}/complete")
def course_complete_page(request: Request, course_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *STAFF, "physician")
        return _confirm_end(request, session, user, course_id)


@router.post("/courses/{course_id}/complete")
async def course_complete(request: Request, course_id: int) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        user = require_user(request, session, *STAFF, "physician")
        if fields.get("confirm") != "yes":
            return _confirm_end(request, session, user, course_id)
        row = store.complete(session, user, course_id, day=date.today())
        data = row.model_dump(mode="json")
    if wants_json(request):
        return JSONResponse(data)
    return RedirectResponse(f"/courses/{course_id}/progress", status_code=303)


# ---------------------------------------------------------------------------------------
# Home program (therapist)


@router.post("/courses/{course_id}/home-program")
async def home_program_save(request: Request, course_id: int) -> Response:
    form = await request.form()
    fields = await check_csrf(request)
    kb = _kb(request)
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        row = store.get_course(session, user, course_id, write=True, audit_as="read")
        zones = store.course_of(row).zones
        try:
            row = store.set_home_program(
                session,
                user,
                course_id,
                kb,
                steps={z: _fields_list(form, f"home_{z}") for z in zones},
                minutes={z: fields.get(f"home_minutes_{z}", "") for z in zones},
                times={z: fields.get(f"home_times_{z}", "1") for z in zones},
                reason=fields.get("reason_home", ""),
                day=date.today(),
            )
        except FormError as exc:
            session.rollback()
            context, _ = _course_view(request, session, user, course_id)
            context["values"] = fields
            for h in context["home_form"]:
                h["ticked"] = _fields_list(form, f"home_{h['zone']}")
                h["times_chosen"] = parse_int(fields.get(f"home_times_{h['zone']}"), 0)
            return _form_error(request, "course.html", context, exc)
        data = row.model_dump(mode="json")
    if wants_json(request):
        return JSONResponse(data)
    return RedirectResponse(f"/courses/{course_id}#home-program", status_code=303)


# ---------------------------------------------------------------------------------------
# Progress


def progress_view(
    session: Any, user: CurrentUser, course_id: int, kb: KB, lang: str, as_of: date | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    row = store.get_course(session, user, course_id)
    course = store.course_of(row)
    sessions = [s.session for s in store.sessions_of(session, row.id)]
    day = as_of or (course.end if course.end else date.today())
    p = progress(course, sessions, kb, as_of=day)
    patient = store.course_people(session, row).patient
    data = {"course": _course_json(row, user), "progress": p.to_json()}
    context = {
        "row": row,
        "c": course,
        "patient": patient,
        "p": data["progress"],
        # the patient's chart without the clinicians' citation
        "pain_svg": Markup(pain_chart_svg(p, lang, cited=user.role != "patient")),
        "adherence_svg": Markup(adherence_bar_svg(p, lang)),
        "summary_text": (p.summary or {}).get("text", {}).get(lang),
        "labels": _labels(kb, lang),
        # the course's page for the clinic; the patient's own is their home routine
        "course_page": f"/courses/{row.id}" if reads_charts(user) else f"/courses/{row.id}/home",
    }
    return context, data


CLINICIANS_ONLY = ("resumptions",)
"""What the stored course keeps that the clinicians wrote to each other (a physician's
note on resuming it): left out of the JSON the patient's own pages give."""
CHART_ONLY = {"stop_events": "detail", "adjustments": "reason"}
"""What the course's page keeps for the clinic in each stop event and each value chosen
outside the KB's range (the event's detail: a session's pains, the therapist's words on
an adverse event; the therapist's reason for the value): the patient's own pages show
what fired and what was chosen, never these."""


def _course_json(row: Any, user: CurrentUser) -> dict[str, Any]:
    """The course as a page's JSON twin gives it: whole to the clinic; to the patient's
    account without the clinicians' notes to each other (:data:`CLINICIANS_ONLY`) and
    what the chart keeps of its stop events and adjustments (:data:`CHART_ONLY`)."""
    data: dict[str, Any] = row.model_dump(mode="json")
    if not reads_charts(user):
        course = {k: v for k, v in data["course"].items() if k not in CLINICIANS_ONLY}
        for part, private in CHART_ONLY.items():
            course[part] = [
                {k: v for k, v in item.items() if k != private} for item in course.get(part) or []
            ]
        data["course"] = course
    return data


@router.get("/courses/{course_id}/progress")
def progress_page(request: Request, course_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        context, data = progress_view(session, user, course_id, _kb(request), _lang(request))
    return render(request, "progress.html", context, data)


# ---------------------------------------------------------------------------------------
# The patient's home routine and diary


def _home_view(
    request: Request, session: Any, user: CurrentUser, course_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    kb, lang = _kb(request), _lang(request)
    row = store.get_course(session, user, course_id)
    course = store.course_of(row)
    routine = home_routine(course, kb, lang)
    times = {h.zone: h.times_per_day for h in store.home_steps_of(session, row.id)}
    for r in routine:
        r["times_per_day"] = times.get(r["zone"], 1)
        title = _zones_title(kb, [r["zone"]], lang)
        r["figure"] = Markup(zone_figure_svg([r["zone"]], width=90, title=title))
    diary = [e.model_dump(mode="json") for e in store.diary_of(session, row.id)]
    # the patient's screening of the day: a red flag, a contraindication or a deferral
    # stops the routine whatever the course's status (a resumption does not settle it)
    # (the stored verdict decides; the whole screening is read for its reasons only then)
    stopped = None
    if store.course_verdict(session, row, kb, date.today()) in STOPPING_VERDICTS:
        screening = store.course_screening(session, row, kb, date.today(), lang)
        stopped = _screening_today(kb, screening, lang, for_patient=True)
    cost = [
        {
            "id": c.id,
            "label": c.label.get(lang),
            "description": c.description.get(lang),
            "needs": c.needs.get(lang),
        }
        for c in kb.model.plans.cost_options
        if c.id in course.cost_options
    ]
    data = {
        "course": _course_json(row, user),
        "routine": [{k: v for k, v in r.items() if k != "figure"} for r in routine],
        "stop_rules": _stop_rules(kb, lang),
        "diary": diary,
        "cost_options": cost,
        "screening_stop": stopped,
    }
    context = {
        "row": row,
        "c": course,
        "routine": routine,
        "stop_rules": data["stop_rules"],
        "symptom_questions": [(q, kb.questions[q].label.get(lang)) for q in _symptom_questions(kb)],
        "diary": diary,
        "cost": cost,
        "values": {"day": date.today().isoformat(), "key": secrets.token_urlsafe(12)},
        # the boxes of the diary: none ticked on a fresh form, those sent on one sent back
        "chosen": {"steps": [], "symptoms": []},
        "errors": {},
        "may_write": writes_diary(user, row.patient_id),
        "saved": request.query_params.get("saved"),
        "notice": COURSE_NOTICES.get(course.status),
        "screening_stop": stopped,
        # what the rules that paused the course say, in the KB's words for the patient
        "stopped_by": _stopped_by(kb, course, lang),
    }
    return context, data


def _stopped_by(kb: KB, course: Any, lang: str) -> list[str]:
    """The patient's texts of the stop rules that paused ``course`` and wait for the
    physician, the latest to fire first (each rule once, as the KB says it; the event's
    own words for a rule the KB no longer has); none while the course is not paused."""
    rules = {r.id: r for r in kb.model.plans.stop_rules}
    texts: list[str] = []
    # the newest first: the rule that has just fired leads, before earlier pending ones
    for event in reversed(store.pending_stops(course)):
        rule = rules.get(event.rule)
        text = rule.text.get(lang) if rule is not None else event.text_in(lang)
        if text not in texts:
            texts.append(text)
    return texts


@router.get("/courses/{course_id}/home")
def home_page(request: Request, course_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        context, data = _home_view(request, session, user, course_id)
    return render(request, "home.html", context, data)


@router.get("/me/home")
def my_home(request: Request) -> Response:
    """The patient's current course's home routine (their screening when there is none)."""
    with db_session(request) as session:
        user = require_user(request, session, "patient")
        cid = store.latest_course_id(session, user)
        target = f"/courses/{cid}/home" if cid else f"/patients/{user.patient_id}/screening"
    if wants_json(request):
        return JSONResponse({"next": target, "course": cid})
    return RedirectResponse(target, status_code=303)


@router.post("/courses/{course_id}/diary")
async def diary_save(request: Request, course_id: int) -> Response:
    form = await request.form()
    fields = await check_csrf(request)
    kb = _kb(request)
    chosen = _ticked(form, ["steps", "symptoms"])
    with db_session(request) as session:
        user = require_user(request, session, "patient")
        try:
            result = store.add_diary_entry(
                session,
                user,
                course_id,
                kb,
                day_text=fields.get("day", ""),
                done=fields.get("done", "") in ("yes", "on", "true", "1"),
                steps=chosen["steps"],
                minutes=fields.get("minutes", ""),
                pain=fields.get("pain", ""),
                symptoms=chosen["symptoms"],
                notes=fields.get("notes", ""),
                key=fields.get("key", "") or request.headers.get("idempotency-key", ""),
                today=date.today(),
            )
        except FormError as exc:
            session.rollback()
            context, _ = _home_view(request, session, user, course_id)
            context["values"] = fields
            context["chosen"] = chosen  # a warning sign ticked stays ticked
            return _form_error(request, "home.html", context, exc)
        data = {
            "entry": result.entry.model_dump(mode="json"),
            "created": result.created,
            "stop_events": [e.to_json() for e in result.events],
        }
    if wants_json(request):
        return JSONResponse(data, status_code=201 if result.created else 200)
    # after a red-flag answer the page opens on the stop message, not on the diary
    where = "saved=stop#stop" if result.events else "saved=1#diary"
    return RedirectResponse(f"/courses/{course_id}/home?{where}", status_code=303)


# ---------------------------------------------------------------------------------------
# Downloads


def _download_lang(request: Request, people: store.CoursePeople, raw: str | None, user: Any) -> str:
    """The language of a handout or a calendar: ``lang`` where given; for the patient's own
    download, the language the patient reads the pages in (their choice); for the staff,
    the patient record's (the handout is the patient's), else the reader's."""
    if raw:
        lang = i18n.normalize(raw)
        if lang is None:
            raise FormError(
                {"lang": Text("one of %(choices)s", choices=LanguageNames(*i18n.LANGUAGES))}
            )
        return lang
    if user.role == "patient":
        return _lang(request)
    return i18n.normalize(people.patient.language) or _lang(request)


@router.get("/courses/{course_id}/handout.pdf")
def handout(request: Request, course_id: int, lang: str | None = None) -> Response:
    from spinecare.reports.handout import Clinic, render_handout

    kb = _kb(request)
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        row = store.get_course(session, user, course_id, audit_as="handout")
        people = store.course_people(session, row)
        code = _download_lang(request, people, lang, user)
        course = store.course_of(row)
        verdict = store.course_verdict(session, row, kb, date.today())
        name = people.patient.name
        clinic = people.clinic
        contacts = Clinic(
            name=clinic_name(clinic.name, code),
            phone=clinic.phone,
            email=clinic.email,
            address=clinic.address,
            hours=clinic.hours,
            doctor=people.physician_name,
        )
    _require_home(course)
    pdf = render_handout(course, kb, lang=code, patient_name=name, clinic=contacts, verdict=verdict)
    return _attachment(pdf, "application/pdf", course.start, code, "pdf")


@router.get("/courses/{course_id}/calendar.ics")
def calendar(request: Request, course_id: int, lang: str | None = None) -> Response:
    from spinecare.reports.calendar import home_calendar

    kb = _kb(request)
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        row = store.get_course(session, user, course_id, audit_as="calendar")
        code = _download_lang(request, store.course_people(session, row), lang, user)
        course = store.course_of(row)
        today = date.today()
        verdict = store.course_verdict(session, row, kb, today)
    _require_home(course)
    ics = home_calendar(course, kb, lang=code, day=today, verdict=verdict)
    return _attachment(ics, "text/calendar; charset=utf-8", course.start, code, "ics")


def _require_home(course: Any) -> None:
    if not course.home:
        raise AccessDenied(N_("no home program has been taught in this course yet"))


HOME_PROGRAM_FILE = N_("home-program")
"""A downloaded handout's or calendar's name, in the language of its text, before the
course's start (as the pages name a course, never by its number)."""


def _attachment(body: Any, media_type: str, start: date, lang: str, extension: str) -> Response:
    headers = i18n.attachment(HOME_PROGRAM_FILE, start, extension, lang)
    return Response(body, media_type=media_type, headers=headers)


# ---------------------------------------------------------------------------------------
# The physician's review queue


@router.get("/reviews")
def reviews(request: Request) -> Response:
    """Courses paused by a stop rule, waiting for the physician."""
    with db_session(request) as session:
        user = require_user(request, session, "physician", *STAFF)
        items = [i.model_dump(mode="json") for i in store.paused_courses(session, user)]
    lang = _lang(request)
    texts = {r.id: r.label.get(lang) for r in _kb(request).model.plans.stop_rules}
    return render(
        request, "reviews.html", {"items": items, "rule_texts": texts}, {"courses": items}
    )
