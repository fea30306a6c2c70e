"""The urgent referral letter: what a therapist hands over (or sends) when the screening
finds a red flag (``refer_urgently``): the findings, the facts behind each, the sources."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.numbers import format_decimal
from fastapi import APIRouter, Request
from fastapi.responses import Response

from spinecare.clinic import patients as service
from spinecare.errors import NotFoundError
from spinecare.kb.loader import KB
from spinecare.messages import Message
from spinecare.store.models import Clinic
from spinecare.web.deps import db_session, render, request_language, require_user, state
from spinecare.web.forms import UNIT_WORDS
from spinecare.web.i18n import Text, format_day, gettext, set_language, translate
from spinecare.web.patients import VERDICT_WORDS, _as_of

router = APIRouter()

READERS = ("admin", "therapist", "physician")
URGENT = "refer_urgently"
SOURCE_KINDS = {
    "guideline": Text("guideline"),
    "review": Text("systematic review"),
    "trial": Text("trial"),
    "paper": Text("research paper"),
    "book": Text("textbook"),
    "standard": Text("standard"),
    "web": Text("web resource"),
    "seed": Text("popular article"),
}
"""Source kinds shown in the letter; the KB's own design notes are not a clinical source."""
NO_RED_FLAG = "no urgent referral for this patient on %(day)s: the screening finds no red flag"


def _value(value: Any, unit: str | None, lang: str) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, int | float):
        shown = format_decimal(value, locale=lang)
        return f"{shown} {translate(UNIT_WORDS.get(unit or '', unit or ''))}".strip()
    return str(value)


def _sources(kb: KB, cited: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in cited:
        source = kb.sources.get(item["id"])
        if source is None or source.kind not in SOURCE_KINDS:
            continue
        out.append(
            {
                "title": source.title,
                "citation": source.citation if source.kind != "seed" else None,
                "url": source.url,
                "kind": SOURCE_KINDS[source.kind],
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
                "value": _value(e["value"], e.get("unit"), lang) if "value" in e else None,
                "date": format_day(e.get("date")),
            }
            for e in f["evidence"]
        ],
        "sources": _sources(kb, f["sources"]),
    }


@router.get("/patients/{patient_id}/referral")
def referral_letter(request: Request, patient_id: int, as_of: str | None = None) -> Response:
    """The printable referral letter; only for a patient whose screening refers urgently."""
    kb = state(request).kb()
    lang = request_language(request)
    set_language(lang)
    with db_session(request) as session:
        user = require_user(request, session, *READERS)
        day = _as_of(as_of) if as_of else date.today()
        ps = service.screen_patient(session, user, patient_id, kb, day, lang)
        if ps.screening.verdict != URGENT:
            raise NotFoundError(Message(NO_RED_FLAG, day=day.isoformat()))
        clinic = session.get(Clinic, user.clinic_id)
        clinic_name = clinic.name if clinic else ""
        patient = ps.patient
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
        "clinic": clinic_name,
        "author": author,
        "urgent": urgent,
        "other": other,
    }
    data = {
        "patient": service.patient_json(patient),
        "date": day.isoformat(),
        "clinic": clinic_name,
        "author": author,
        "verdict": screening["verdict"],
        "red_flags": [
            {**f, "effect": translate(f["effect"]), "sources": f["sources"]} for f in urgent
        ],
        "other_findings": [{**f, "effect": translate(f["effect"])} for f in other],
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
