"""Patients: list, create, edit, FHIR import, intake form, screening page."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from spinecare.clinic import FormError, VersionConflict
from spinecare.clinic import courses as course_store
from spinecare.clinic import patients as service
from spinecare.clinic.courses import SESSION_DAY_LABEL
from spinecare.clinic.limits import upload_name
from spinecare.clinic.models import CurrentUser, PatientOut
from spinecare.clinic.patients import CONTACT_FIELDS, PatientInput
from spinecare.clinic.permissions import reads_charts
from spinecare.dates import date_problem, iso_date
from spinecare.engine.notes import CONDITION_STATUS, recorded_as
from spinecare.errors import RecordError
from spinecare.i18n import in_catalogue, quantity
from spinecare.kb.evidence import patient_reason, rule_level_text, source_kinds
from spinecare.messages import N_
from spinecare.record.model import IN_A_NOTE, PLANNED_ELSEWHERE, VISIT_KIND, PatientRecord
from spinecare.record.standing import STATUS_CONTRADICTORY
from spinecare.reports.notices import COURSE_NOTICES, PATIENT_VERDICTS
from spinecare.web.auth import start_page
from spinecare.web.body import body_svg
from spinecare.web.deps import (
    TEMPLATES,
    check_csrf,
    db_session,
    error_data,
    parse_int,
    render,
    request_language,
    require_user,
    state,
    wants_json,
)
from spinecare.web.forms import (
    CONDITION_ROWS,
    KIND_WORDS,
    MEDICATION_ROWS,
    TEMPERATURE_UNITS,
    condition_concepts,
    medication_concepts,
    parse_intake,
    questions_by_group,
)
from spinecare.web.i18n import Text, format_day, gettext, set_language, translate
from spinecare.wording import (
    DIARY_REF,
    NOT_USED_WORDS,
    VERDICT_WORDS,
    evidence_origin,
    not_read_text,
)

router = APIRouter()
log = logging.getLogger("spinecare.web")

ALL = ("admin", "therapist", "physician", "patient")
STAFF = ("admin", "therapist")
PAGE = 25


SOURCE_WORDS = {
    "form": Text("intake form"),
    "fhir": Text("FHIR import"),
    "file": Text("intake file"),
    "demo": Text("demonstration record"),
}
SESSION_DAY = Text("session day")


def source_words(intake: Any) -> Any:
    """Where an intake was recorded, as the staff say it: a session day's checks (stored
    as a form labelled so) as the session day, not as the intake form."""
    fields = intake if isinstance(intake, dict) else vars(intake)
    source, label = fields.get("source"), fields.get("label")
    if source == "form" and label == SESSION_DAY_LABEL:
        return SESSION_DAY
    return SOURCE_WORDS.get(str(source), source)


EFFECT_WORDS = {
    "refer_urgently": Text("refer urgently"),
    "contraindicated": Text("contraindicated"),
    "defer": Text("defer"),
    "needs_clearance": Text("needs clearance"),
    "needs_data": Text("needs data"),
    "allowed_with_precautions": Text("allowed with precautions"),
    "allowed": Text("allowed"),
}
"""What a finding does to the verdict, in a word or two."""
PLAN_WORDS = {
    "ready": Text("ready"),
    "pending": Text("pending"),
    "blocked": Text("blocked"),
}
COURSE_WORDS = {
    "active": Text("active"),
    "paused": Text("paused"),
    "completed": Text("completed"),
}
STATUS_WORDS = {
    **{status: Text(word) for status, word in CONDITION_STATUS.items()},
    "cleared": Text("cleared"),
    "declined": Text("declined"),
    "open": Text("open"),
    STATUS_CONTRADICTORY: Text("statuses disagree"),
}


def _created(request: Request, location: str, data: Any) -> Response:
    if wants_json(request):
        return JSONResponse(data, status_code=201, headers={"Location": location})
    return RedirectResponse(location, status_code=303)


def _form_error(
    request: Request, template: str, context: dict[str, Any], exc: FormError, status: int = 422
) -> Response:
    code = "conflict" if status == 409 else exc.code
    data = error_data(request, status, code, exc.one_line(), exc.errors)
    return render(request, template, {**context, "errors": exc.errors}, data, status=status)


def _as_of(raw: str | None) -> date:
    if not raw:
        return date.today()
    try:
        return iso_date(raw)
    except ValueError:
        raise FormError({"as_of": date_problem(raw)}) from None


# ---------------------------------------------------------------------------------------
# List and create


TEMPLATES.env.globals.update(
    verdict_words=VERDICT_WORDS,
    effect_words=EFFECT_WORDS,
    status_words=STATUS_WORDS,
    plan_words=PLAN_WORDS,
    course_words=COURSE_WORDS,
)
"""The words for the states a page shows (every template may use them)."""


def _own_pages(
    request: Request, session: Any, user: CurrentUser, patient_id: int | None = None
) -> Response | None:
    """Where a reader who does not read the clinic's charts (a patient's account) is sent
    from one in a browser: from the list to their start page, from a patient's card or
    intake to that patient's screening, once the one check has found the patient theirs
    (another's is not found, 404). None for a reader of the charts, and for JSON, which
    gets the use case's answer (403) as ``/api/`` does."""
    if reads_charts(user) or wants_json(request):
        return None
    if patient_id is None:
        return RedirectResponse(start_page(user.role, user.patient_id), status_code=303)
    service.get_patient(session, user, patient_id, audit_as=None)
    return RedirectResponse(f"/patients/{patient_id}/screening", status_code=303)


@router.get("/patients")
def patient_list(request: Request, q: str | None = None, page: str | None = None) -> Response:
    number = parse_int(page, 1, 1)
    st = state(request)
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        if (elsewhere := _own_pages(request, session, user)) is not None:
            return elsewhere
        found = service.patient_page(
            session, user, st.kb(), date.today(), q=q, limit=PAGE, offset=(number - 1) * PAGE
        )
    data = found.model_dump(mode="json")  # the object GET /api/patients answers
    return render(
        request,
        "patients.html",
        {
            "items": data["patients"],
            "total": found.total,
            "page": number,
            "q": found.q,
            "pages": max(1, -(-found.total // PAGE)),
            "words": VERDICT_WORDS,
        },
        data,
    )


def _patient_form(p: Any = None) -> dict[str, str]:
    if p is None:
        return {}
    return {
        "name": p.name,
        "external_id": p.external_id,
        "birth_date": p.birth_date.isoformat() if p.birth_date else "",
        "sex": p.sex or "",
        "language": p.language or "",
        "notes": p.notes or "",
        **{k: getattr(p, k) or "" for k in CONTACT_FIELDS},
        "version": str(p.version),
    }


PATIENT_FIELDS = ("name", "external_id", "birth_date", "sex", "language", "notes", *CONTACT_FIELDS)
"""The fields of the patient form."""


def _input(fields: dict[str, str]) -> PatientInput:
    return PatientInput(
        **{k: fields.get(k, "") for k in PATIENT_FIELDS}  # type: ignore[arg-type]
    )


@router.get("/patients/new")
def patient_new(request: Request) -> Response:
    with db_session(request) as session:
        require_user(request, session, *STAFF)
    return render(
        request,
        "patient_form.html",
        {"values": {}, "errors": {}, "patient": None},
        {"fields": list(PATIENT_FIELDS)},
    )


@router.post("/patients")
async def patient_create(request: Request) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        try:
            patient = service.create_patient(session, user, _input(fields))
        except FormError as exc:
            return _form_error(
                request, "patient_form.html", {"values": fields, "patient": None}, exc
            )
        data = patient.model_dump(mode="json")
    return _created(request, f"/patients/{patient.id}", data)


# ---------------------------------------------------------------------------------------
# FHIR import


@router.get("/patients/import")
def import_page(request: Request) -> Response:
    with db_session(request) as session:
        require_user(request, session, *STAFF)
    return render(
        request,
        "import.html",
        {"errors": {}},
        {"upload": "POST multipart field 'file' (FHIR R4 Bundle JSON or intake YAML)"},
    )


MAX_UPLOAD = 5_000_000


@router.post("/patients/import")
async def import_upload(request: Request) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    await check_csrf(request)
    upload = form.get("file")
    st = state(request)
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        raw = await upload.read() if upload is not None and not isinstance(upload, str) else b""
        name = upload_name(getattr(upload, "filename", None), "upload.json")
        errors: dict[str, str] = {}
        if not raw:
            errors["file"] = Text("choose a FHIR R4 Bundle (JSON) or an intake file to upload")
        elif len(raw) > min(MAX_UPLOAD, st.settings.max_body_bytes):
            errors["file"] = Text("the file is too large")
        read = None
        if not errors:
            from spinecare.clinic.workers import run_heavy

            def reader() -> service.ImportRead:
                return service.read_import(raw, name, st.kb())

            try:  # parsing is CPU work: off the event loop
                read = await run_heavy(reader)
            except RecordError as exc:
                errors["file"] = exc.one_line()
            except Exception:  # a reader bug must still store nothing
                # the reader's own fault, told to the log; the page says it in words
                log.exception("import of %s: the reader failed", name)
                errors["file"] = Text("%(name)s: the file could not be read", name=name)
        if errors or read is None:
            return _form_error(
                request, "import.html", {"values": fields}, FormError(errors), status=400
            )
        try:
            patient = service.import_record(
                session,
                user,
                read.record,
                label=name,
                source=read.source,
                ehr_ids=read.ehr_ids,
                kb=st.kb(),
            )
        except FormError as err:  # another person under a patient's id: nothing saved
            status = 409 if isinstance(err, service.AnotherPerson) else 400
            return _form_error(request, "import.html", {"values": fields}, err, status=status)
        data = patient.model_dump(mode="json")
    return _created(request, f"/patients/{patient.id}/screening", data)


# ---------------------------------------------------------------------------------------
# One patient


@router.get("/patients/{patient_id}")
def patient_page(request: Request, patient_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        if (elsewhere := _own_pages(request, session, user, patient_id)) is not None:
            return elsewhere
        kb = state(request).kb()
        detail = service.patient_detail(session, user, patient_id, kb)
    data = detail.model_dump(mode="json")
    return render(
        request,
        "patient.html",
        {
            "patient": detail.patient,
            "data": data,
            "courses": data["courses"],
            "source_words": source_words,
            "concept_labels": {
                c.id: c.label.get(request_language(request)) for c in kb.model.concepts
            },
        },
        data,
    )


def _intake_facts(kb: Any, facts: PatientRecord, lang: str) -> dict[str, list[dict[str, Any]]]:
    """The facts of one intake in words: labels from the KB, units as people write them."""

    def concept(cid: str | None, text: str | None, codings: Any) -> str:
        if cid and cid in kb.concepts:
            return str(kb.concepts[cid].label.get(lang))
        names = [c.display for c in codings if c.display]
        if text or names:
            return text or names[0]
        # a code alone (C50.9): the KB's name of what it codes, as the screening names
        # it, else the code as the record writes it
        coded = (
            hit.concept
            for c in codings
            for hit in kb.codes.lookup_coding(c.system, c.code, None)
            if hit.concept in kb.concepts
        )
        if (found := next(coded, None)) is not None:
            return str(kb.concepts[found].label.get(lang))
        return next((str(c.code) for c in codings if c.code), "—")

    zones = {z.id: z.label.get(lang) for z in kb.model.zones}
    observations = []
    for o in facts.observations:
        measure = kb.measures.get(o.measure)
        observations.append(
            {
                "label": measure.label.get(lang) if measure else o.measure.replace("_", " "),
                # the reading as its measure is taken (``37.7 °C``); the record's value as
                # written beside it where its unit is another, and whole in ``measured``
                "value": quantity(o.value, o.unit, lang),
                "note": recorded_as(o.original),
                "measured": o.value,
                "unit": o.unit,
                "day": o.when,
                # a reading dated only by a month or a year: its last day (shown as the
                # record gives the date, "November 2026")
                "last": o.last,
            }
        )
    for i in facts.ignored:
        if i.measure is None:
            continue
        # a reading set aside (a unit that cannot be converted, a value out of range):
        # shown with why, never "nothing recorded"
        measure = kb.measures.get(i.measure)
        observations.append(
            {
                "label": measure.label.get(lang) if measure else i.measure.replace("_", " "),
                "value": i.reason,  # shown with the record's own words as written
                "note": None,
                "measured": None,
                "unit": None,
                "day": i.when,
                "last": i.last,
                "set_aside": True,
            }
        )
    answers = []
    for a in facts.answers:
        question = kb.questions.get(a.question)
        labels = {c.value: c.label.get(lang) for c in question.choices} if question else {}
        recorded = False  # an answer as the record wrote it ("not sure"): shown as written
        if isinstance(a.value, bool):
            value = gettext("Yes") if a.value else gettext("No")
        elif in_catalogue(str(a.value)):  # the app's words ("yes, on a form not finished")
            value = translate(str(a.value))
        elif str(a.value) in labels:
            value = labels[str(a.value)]
        else:
            value, recorded = str(a.value), True
        # a question of another form is named by the record's own item name ("rf3")
        label = question.label.get(lang) if question else None
        answers.append({"label": label, "item": a.question, "value": value, "recorded": recorded})
    conditions = [
        {
            "label": concept(c.concept, c.text, c.codings),
            "text": c.text,
            "onset": c.onset,
            "onset_last": c.onset_last,  # an onset given only as a month or a year
            # when it ended, where the record says (its first day and, for an end given
            # only as a month or a year, its last): a resolved diagnosis was shown "since"
            # its onset, as if it went on
            "ended": c.abatement_first or c.abatement,
            "ended_last": c.abatement if c.abatement_first else None,
            "status": STATUS_WORDS.get(c.clinical_status or "", c.clinical_status),
            "zone": ", ".join(
                zones.get(s.code, s.display or "") for s in c.body_sites if s.code in zones
            ),
            "group": _entry_group(c),
        }
        for c in facts.conditions
    ]
    medications = [
        {"label": concept(m.concept, m.text, m.codings), "text": m.text} for m in facts.medications
    ]
    procedures = [
        {
            "label": concept(p.concept, p.text, p.codings),
            "day": p.performed,
            "last": p.performed_last,
        }
        for p in facts.procedures
    ]
    clearances = [
        {
            "decision": STATUS_WORDS.get(k.decision, k.decision),
            "concepts": [concept(c, None, ()) for c in k.concepts],
            "by": k.by,
            "day": k.when,
            "in_force": k.confirmed,
        }
        for k in facts.clearances
    ]
    return {
        "observations": observations,
        "answers": answers,
        "conditions": conditions,
        "medications": medications,
        "procedures": procedures,
        "clearances": clearances,
    }


@router.get("/patients/{patient_id}/intakes/{intake_id}")
def intake_view(request: Request, patient_id: int, intake_id: int) -> Response:
    """A past intake, read-only: what was recorded that day, in words."""
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        if (elsewhere := _own_pages(request, session, user, patient_id)) is not None:
            return elsewhere
        view = service.get_intake(session, user, patient_id, intake_id)
    lang = request_language(request)
    set_language(lang)
    words = _intake_facts(state(request).kb(), view.facts, lang)
    data = {
        "patient": view.patient.model_dump(mode="json"),
        "intake": view.intake.model_dump(mode="json"),
        "facts": {
            part: [
                {
                    k: (
                        v.isoformat()
                        if isinstance(v, date)
                        else translate(v)
                        if v and isinstance(v, str)
                        else v
                    )
                    for k, v in item.items()
                    if not isinstance(v, list)
                }
                | {k: v for k, v in item.items() if isinstance(v, list)}
                for item in items
            ]
            for part, items in words.items()
        },
    }
    context = {
        "patient": view.patient,
        "intake": view.intake,
        "source_words": source_words,
        "kb_labels": {c.label.get(lang) for c in state(request).kb().model.concepts},
        "entry_groups": ENTRY_GROUPS,
        **words,
    }
    return render(request, "intake_view.html", context, data)


@router.get("/patients/{patient_id}/edit")
def patient_edit_page(request: Request, patient_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        patient = service.get_patient(session, user, patient_id, write=True)
        values = _patient_form(patient)
    return render(
        request,
        "patient_form.html",
        {"values": values, "errors": {}, "patient": patient},
        patient.model_dump(mode="json"),
    )


@router.post("/patients/{patient_id}/edit")
async def patient_edit(request: Request, patient_id: int) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        patient = service.get_patient(session, user, patient_id, write=True, audit_as=None)
        version = parse_int(fields.get("version"), -1, -1)
        # a detail the request leaves out keeps its stored value (a script that sends only
        # the phone does not clear the rest); one sent empty is cleared, as the form does
        kept = _patient_form(patient)
        details = {k: fields.get(k, kept[k]) for k in PATIENT_FIELDS}
        context = {"values": fields, "patient": patient}
        try:
            patient = service.update_patient(session, user, patient_id, _input(details), version)
        except FormError as exc:
            return _form_error(request, "patient_form.html", context, exc)
        except VersionConflict as exc:
            stored = service.get_patient(session, user, patient_id, write=True, audit_as=None)
            current = stored.model_dump(mode="json")
            return _form_error(
                request,
                "patient_form.html",
                {**context, "conflict": exc.message, "current": current},
                FormError({"version": exc.message}),
                status=409,
            )
        data = patient.model_dump(mode="json")
    if wants_json(request):
        return JSONResponse(data)
    return RedirectResponse(f"/patients/{patient_id}", status_code=303)


# ---------------------------------------------------------------------------------------
# Intake


def _intake_context(request: Request, patient: Any, values: dict[str, str]) -> dict[str, Any]:
    kb = state(request).kb()
    lang = request_language(request)
    return {
        "patient": patient,
        "values": values,
        "groups": questions_by_group(kb),
        "conditions": condition_concepts(kb, lang),
        "medications": [
            (m, kb.concepts[m].label.get(lang) if m in kb.concepts else m.replace("_", " "))
            for m in medication_concepts(kb)
        ],
        "kind_words": KIND_WORDS,
        "zones": [(z.id, z.label.get(lang)) for z in kb.model.zones],
        "condition_rows": range(CONDITION_ROWS),
        "medication_rows": range(MEDICATION_ROWS),
        "temperature_units": TEMPERATURE_UNITS,
    }


ENTRY_GROUPS = {
    "diagnosis": N_("Diagnoses"),
    "visit": N_("Visits and their reasons"),
    "plan": N_("Care plans and goals"),
    "observation": N_("Observations"),
    "note": N_("Notes, reports and alerts"),
}
"""The headings of a record's entries read as conditions, by where the record gave them:
a visit's reason, a care plan's goal or a smoking status is no diagnosis."""


def _entry_group(c: Any) -> str:
    """Which of :data:`ENTRY_GROUPS` a condition of the record is shown under."""
    if c.from_visit or c.confirm == VISIT_KIND:
        return "visit"
    if c.confirm == PLANNED_ELSEWHERE:
        return "plan"
    if c.ref.startswith("Observation/"):
        return "observation"
    if c.confirm in IN_A_NOTE:
        return "note"
    return "diagnosis"


@router.get("/patients/{patient_id}/intake")
def intake_page(request: Request, patient_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        patient = service.get_patient(session, user, patient_id, write=True)
        context = _intake_context(request, patient, {"day": date.today().isoformat()})
    kb = state(request).kb()
    data = {
        "patient": patient.model_dump(mode="json"),
        "questions": [
            {
                "id": q.id,
                "group": q.group,
                "type": q.type,
                "label": q.label.en,
                "choices": [c.value for c in q.choices],
            }
            for q in kb.model.questions
        ],
        "measures": ["systolic", "diastolic", "temperature", "temperature_unit", "pain"],
    }
    return render(request, "intake.html", {**context, "errors": {}}, data)


@router.post("/patients/{patient_id}/intake")
async def intake_save(request: Request, patient_id: int) -> Response:
    fields = await check_csrf(request)
    kb = state(request).kb()
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        patient = service.get_patient(session, user, patient_id, write=True, audit_as=None)
        try:
            day, facts = parse_intake(fields, kb, date.today())
        except FormError as exc:
            return _form_error(
                request, "intake.html", _intake_context(request, patient, fields), exc
            )
        intake = service.add_intake(session, user, patient_id, facts, day)
        data = {"intake": intake.id, "patient": patient_id, "date": day.isoformat()}
    return _created(request, f"/patients/{patient_id}/screening", data)


# ---------------------------------------------------------------------------------------
# Screening


def _zones(ps: service.PatientScreening) -> tuple[list[str], list[str]]:
    """Treatment zones (from the plan) and zones to avoid (the zones behind blocking or
    modifying findings; every zone when the verdict blocks massage)."""
    from spinecare.engine.screening import BLOCKING

    treat = list(ps.plan.zones)
    by_ref = {c.ref: c for c in ps.record.conditions}
    avoid: list[str] = []
    for f in ps.screening.findings:
        if f.certainty != "present" or not f.counts or f.effect == "needs_clearance":
            continue
        for ev in f.evidence:
            cond = by_ref.get(ev.ref)
            for site in cond.body_sites if cond else ():
                zone = site.code if site.system == "spinecare-zone" else None
                if zone and zone not in avoid and f.effect != "allowed_with_precautions":
                    avoid.append(zone)
    if ps.screening.verdict in BLOCKING:
        avoid = sorted(set(avoid) | set(treat)) or []
        treat = []
    return treat, avoid


def recorded_in(session: Any, patient: PatientOut) -> dict[str, dict[str, Any]]:
    """Where each of the patient's facts was recorded, as a clinician says it ("intake form
    of 3 Dec 2026", "FHIR import of 1 Dec 2026"), keyed by the fact's reference."""
    out: dict[str, dict[str, Any]] = {}
    for ref, intake in service.fact_intakes_of(session, patient).items():
        text = Text(
            "%(source)s of %(day)s",
            source=source_words(intake),
            day=format_day(intake.date),
        )
        out[ref] = {"intake": intake.id, "text": translate(text)}
    return out


def _diary_origins(screening: Any, lang: str) -> dict[str, dict[str, Any]]:
    """Where the facts the patient wrote in their diary were recorded ("the patient's
    diary of 3 Dec 2026"), keyed by the fact's reference: a warning sign ticked there is
    shown with where it came from, as an intake's facts are."""
    return {
        e.ref: {"intake": None, "text": evidence_origin(e, lang)}
        for f in screening.findings
        for e in f.evidence
        if DIARY_REF.match(e.ref)
    }


def _to_decide(record: PatientRecord) -> list[dict[str, Any]]:
    """The clearances the record holds only as a document says them (an imported file's):
    shown with the screening, in force once a physician of the clinic decides
    (docs/intake.md "Clearances in the clinic"); one whose every concept a physician of the
    clinic has since decided is not listed (it is decided, no longer to decide)."""
    decided = {c for k in record.clearances if k.confirmed for c in k.concepts}
    return [
        {
            "decision": k.decision,
            "concepts": list(k.concepts),
            "by": k.by,
            "date": k.when.isoformat() if k.when else None,
            "valid_until": k.valid_until.isoformat() if k.valid_until else None,
            "note": k.note,
        }
        for k in record.clearances
        if not k.confirmed and not set(k.concepts) <= decided
    ]


def screening_view(
    request: Request, session: Any, user: Any, patient_id: int, day: date
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The screening page's template context and its JSON twin."""
    kb = state(request).kb()
    lang = set_language(request_language(request))
    ps = service.screen_patient(session, user, patient_id, kb, day, lang)
    requests_ = [
        r.model_dump(mode="json")
        for r in service.requests_of(session, ps.patient.id, user, kb, day)
    ]
    doctors = [(d.id, d.full_name) for d in service.physicians(session, user.clinic_id)]
    patient = ps.patient
    screening_out, plan_out = ps.out()  # the objects /api/patients/{id}/screening|plan give
    screening = screening_out.model_dump(mode="json")
    treat, avoid = _zones(ps)
    labels = {z.id: z.label.get(lang) for z in kb.model.zones}
    data = {
        "patient": patient.model_dump(mode="json"),
        "screening": screening,
        "plan": plan_out.model_dump(mode="json"),
        "zones": {"treat": treat, "avoid": avoid},
        "clearable": service.clearable(ps.screening),
        "clearance_requests": requests_,
        "clearances_to_decide": _to_decide(ps.record),
        # the kinds of record the EHR did not give to the latest SMART launch, named as a
        # CDS Hooks card names them (docs/smart-launch.md)
        "not_read": list(ps.not_read),
    }
    context = {
        "patient": patient,
        # the page shows the screening with its messages (translated where shown); the
        # JSON twin gives the /api/ object
        "s": ps.screening.to_json() | {"patient": screening["patient"]},
        "plan": data["plan"],
        "words": VERDICT_WORDS,
        "body": body_svg(treat, avoid, labels),
        "effect_words": EFFECT_WORDS,
        "not_used_words": NOT_USED_WORDS,
        "status_words": STATUS_WORDS,
        "plan_words": PLAN_WORDS,
        "modality_labels": {m.id: m.label.get(lang) for m in kb.model.plans.modalities},
        "recorded_in": recorded_in(session, patient) | _diary_origins(ps.screening, lang),
        "treat": treat,
        "avoid": avoid,
        "labels": labels,
        "clearable": data["clearable"],
        "to_decide": data["clearances_to_decide"],
        "requests": requests_,
        "doctors": doctors,
        "concept_labels": {c.id: c.label.get(lang) for c in kb.model.concepts},
        "levels": {f["rule"]: rule_level_text(kb, f["rule"], lang) for f in screening["findings"]},
        "source_titles": {sid: src.title_in(lang) for sid, src in kb.sources.items()},
        "source_kinds": source_kinds(kb, lang),
        "source_langs": {
            sid: lang if src.titles is not None else src.lang for sid, src in kb.sources.items()
        },
        "values": {},
        "errors": {},
        "as_of": day.isoformat(),
        "not_read": not_read_text(ps.not_read, lang) if ps.not_read else None,
    }
    return context, data


@router.get("/patients/{patient_id}/screening")
def screening_page(request: Request, patient_id: int, as_of: str | None = None) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, *ALL)
        # a date that cannot be read is said (422), never replaced by today's in silence
        day = _as_of(as_of)
        context, data = screening_view(request, session, user, patient_id, day)
        # a course of the patient's that a stop rule has paused: their page says so first
        courses = (
            course_store.course_summaries(session, patient_id) if user.role == "patient" else []
        )
        paused = next((c.id for c in courses if c.status == "paused"), None)
    if user.role == "patient":
        lang = set_language(request_language(request))
        mine = _patient_screening(context, state(request).kb(), lang, paused)
        # no course yet: "My home program" would lead back to this page
        shown = {**context, **mine, "has_course": bool(courses)}
        return render(request, "my_screening.html", shown, mine | {"day": str(day)})
    return render(request, "screening.html", context, data)


PERMISSIVE = frozenset({"allowed", "allowed_with_precautions"})
"""The verdicts that tell the patient massage is possible."""


def _patient_screening(
    context: dict[str, Any], kb: Any, lang: str, paused: int | None = None
) -> dict[str, Any]:
    """What the patient's own screening page shows: the verdict in plain words, what it
    rests on by name, what is still to be checked, the zones: no codes, no sources.

    While a stop rule has paused a course of theirs (``paused``: its id), the page says
    first what their home page says (:data:`COURSE_NOTICES`), and never that massage is
    possible: the physician has not yet said the course may go on."""
    s = context["s"]
    labels = context["concept_labels"]
    reasons = [
        patient_reason(kb, f["rule"], lang) or labels.get(f["concept"], f["concept"])
        for f in s["findings"]
        if f["certainty"] == "present"
        and f["effect"] != "allowed_with_precautions"
        and (f.get("clearance") or {}).get("decision") != "cleared"
    ]
    care = [
        patient_reason(kb, f["rule"], lang) or labels.get(f["concept"], f["concept"])
        for f in s["findings"]
        if f["certainty"] == "present" and f["effect"] == "allowed_with_precautions"
    ]
    zones = {z.id: z.label.get(lang) for z in kb.model.zones}
    return {
        "paused_course": paused,
        "course_notice": translate(COURSE_NOTICES["paused"]) if paused is not None else None,
        "verdict_text": (
            None
            if paused is not None and s["verdict"] in PERMISSIVE
            else translate(PATIENT_VERDICTS.get(s["verdict"], s["verdict"]))
        ),
        "urgent": s["verdict"] == "refer_urgently",
        "reasons": list(dict.fromkeys(reasons)),
        "care": list(dict.fromkeys(care)),
        "checks": [m["label"] for m in s["missing"]],
        "treat_zones": [zones.get(z, z) for z in context["treat"]],
    }
