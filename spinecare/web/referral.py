"""The urgent referral letter: what a therapist hands over (or sends) when the screening
finds a red flag (``refer_urgently``): the findings, the facts behind each, the sources,
and the kinds of record the EHR did not give to the latest SMART launch."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spinecare.clinic import courses as course_store
from spinecare.clinic import patients as service
from spinecare.clinic.clinics import clinic_details, clinic_name
from spinecare.clinic.permissions import REFERRAL_READERS
from spinecare.errors import NotFoundError
from spinecare.kb.loader import KB
from spinecare.messages import N_, Day, Message
from spinecare.web.deps import db_session, render, request_language, require_user, state
from spinecare.web.i18n import format_day, set_language, translate
from spinecare.web.patients import _as_of
from spinecare.wording import VERDICT_WORDS, not_read_text

router = APIRouter()

URGENT = "refer_urgently"
RECORDED = frozenset({"condition", "medication", "procedure"})
"""Facts whose label is the record's own text (kept in its language, not translated)."""
NO_RED_FLAG = N_("no urgent referral for this patient on %(day)s: the screening finds no red flag")


def _sources(kb: KB, cited: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The cited sources with their kind, in ``lang``; code systems are no clinical source."""
    kinds = {k.id: k.label.get(lang) for k in kb.model.evidence.kinds}
    out = []
    for item in cited:
        source = kb.sources.get(item["id"])
        if source is None or source.kind == "standard":
            continue
        out.append(
            {
                "title": source.title_in(lang),
                "lang": lang if source.titles is not None else source.lang,
                "citation": source.citation,
                "url": source.url,
                "kind": kinds[source.kind],
            }
        )
    return out


def _finding(kb: KB, f: dict[str, Any], labels: dict[str, str], lang: str) -> dict[str, Any]:
    return {
        "concept": labels.get(f["concept"], f["concept"].replace("_", " ")),
        "effect": VERDICT_WORDS.get(f["effect"], f["effect"]),
        "certain": f["certainty"] == "present",
        "reason": f["reason"],
        "evidence": [
            {
                "label": e.get("label") or "",
                "recorded": e.get("kind") in RECORDED,
                # shown as the screening page shows it (the ``fact_value`` filter)
                "value": e.get("value"),
                "unit": e.get("unit"),
                "date": format_day(e.get("date"), e.get("last")),
            }
            for e in f["evidence"]
        ],
        "sources": _sources(kb, f["sources"], lang),
    }


@router.get("/patients/{patient_id}/referral")
def referral_letter(request: Request, patient_id: int, as_of: str | None = None) -> Response:
    """The printable referral letter; only for a patient whose screening refers urgently."""
    kb = state(request).kb()
    lang = request_language(request)
    set_language(lang)
    with db_session(request) as session:
        # the role before the date (credentials before parameters); the use case checks it
        user = require_user(request, session, *REFERRAL_READERS)
        day = _as_of(as_of) if as_of else date.today()
        ps = service.referral_screening(session, user, patient_id, kb, day, lang)
        if ps.screening.verdict != URGENT:
            raise NotFoundError(Message(NO_RED_FLAG, day=Day(day)))
        clinic = clinic_details(session, user)
        patient = ps.patient
        # the sessions given that day: the letter says what was done, never "not given"
        given = [
            {
                "minutes": s.minutes,
                "pre_pain": s.pre_pain,
                "post_pain": s.post_pain,
                "adverse_event": s.adverse_event,
            }
            for s in course_store.sessions_on(session, patient.id, day)
        ]
        author = user.full_name
    labels = {c.id: str(c.label.get(lang)) for c in kb.model.concepts}
    screening = ps.screening.to_json()
    present = [f for f in screening["findings"] if f["certainty"] == "present"]
    urgent = [_finding(kb, f, labels, lang) for f in present if f["effect"] == URGENT]
    other = [
        _finding(kb, f, labels, lang)
        for f in screening["findings"]
        if f["effect"] != URGENT and f["effect"] != "allowed_with_precautions"
    ]
    context = {
        "patient": patient,
        "day": day,
        "clinic": clinic_name(clinic.name, lang),
        "contacts": clinic,
        "author": author,
        "urgent": urgent,
        "other": other,
        "given": given,
        "not_read": not_read_text(ps.not_read, lang) if ps.not_read else None,
    }
    data = {
        "patient": patient.model_dump(mode="json"),
        "date": day.isoformat(),
        "clinic": clinic_name(clinic.name, lang),
        "author": author,
        "verdict": screening["verdict"],
        "red_flags": [
            {**f, "effect": translate(f["effect"]), "sources": f["sources"]} for f in urgent
        ],
        "other_findings": [{**f, "effect": translate(f["effect"])} for f in other],
        "sessions_that_day": given,
        "not_read": list(ps.not_read),
    }
    data = _plain(data)
    return render(request, "referral.html", context, data)


def _plain(value: Any) -> Any:
    """JSON-ready: translatable texts as the reader's language."""
    if isinstance(value, Message):
        return translate(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
