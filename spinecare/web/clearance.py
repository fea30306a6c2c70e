"""Physician clearance: the therapist's request, the physician's queue and decision."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from spinecare.clinic import FormError, VersionConflict
from spinecare.clinic import patients as service
from spinecare.web.deps import (
    check_csrf,
    db_session,
    parse_int,
    render,
    request_language,
    require_user,
    state,
    wants_json,
)
from spinecare.web.patients import (
    STAFF,
    _created,
    _form_error,
    screening_view,
)

router = APIRouter()


@router.post("/patients/{patient_id}/clearance-requests")
async def clearance_request(request: Request, patient_id: int) -> Response:
    form = await request.form()
    await check_csrf(request)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    concepts = [v for v in form.getlist("concepts") if isinstance(v, str)]
    with db_session(request) as session:
        user = require_user(request, session, *STAFF)
        try:
            req = service.request_clearance(
                session,
                user,
                patient_id,
                physician_id=parse_int(fields.get("physician_id"), 0),
                concepts=concepts,
                message=fields.get("message", ""),
                kb=state(request).kb(),
                as_of=date.today(),
            )
        except FormError as exc:
            session.rollback()
            context, _ = screening_view(request, session, user, patient_id, date.today())
            return _form_error(
                request,
                "screening.html",
                {**context, "values": {**fields, "concepts": concepts}},
                exc,
            )
        data = req.model_dump(mode="json")
    return _created(request, f"/patients/{patient_id}/screening", data)


@router.get("/clearances")
def queue(
    request: Request, status: Literal["open", "cleared", "declined", "all"] = "open"
) -> Response:
    """The clearance requests of one tab; a tab no page names is refused (422), never
    shown as another."""
    chosen = None if status == "all" else status
    lang = request_language(request)
    kb = state(request).kb()
    labels = {c.id: c.label.get(lang) for c in kb.model.concepts}
    with db_session(request) as session:
        user = require_user(request, session, "physician", *STAFF)
        items = [
            r.model_dump(mode="json") for r in service.clearance_queue(session, user, chosen, kb)
        ]
    return render(
        request,
        "queue.html",
        {"items": items, "status": status, "concept_labels": labels},
        {"clearance_requests": items, "status": status},
    )


def _decision_view(
    request: Request, session: Any, user: Any, request_id: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    req = service.get_clearance_request(session, user, request_id, state(request).kb())
    context, data = screening_view(request, session, user, req.patient_id, date.today())
    shown = req.model_dump(mode="json")
    context.update({"req": shown, "values": {}, "errors": {}})
    return context, {"clearance_request": shown, **data}


@router.get("/clearances/{request_id}")
def decision_page(request: Request, request_id: int) -> Response:
    with db_session(request) as session:
        user = require_user(request, session, "physician", *STAFF)
        context, data = _decision_view(request, session, user, request_id)
    return render(request, "decide.html", context, data)


@router.post("/clearances/{request_id}")
async def decide(request: Request, request_id: int) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        user = require_user(request, session, "physician")
        try:
            req = service.decide_clearance(
                session,
                user,
                request_id,
                decision=fields.get("decision", ""),
                note=fields.get("note", ""),
                version=parse_int(fields.get("version"), -1, -1),
            )
        except (FormError, VersionConflict) as exc:
            session.rollback()
            context, _ = _decision_view(request, session, user, request_id)
            if isinstance(exc, VersionConflict):
                err, status = FormError({"version": exc.message}), 409
            else:
                err, status = exc, 422
            return _form_error(
                request, "decide.html", {**context, "values": fields}, err, status=status
            )
        data = req.model_dump(mode="json")
        target = f"/clearances/{request_id}"
    if wants_json(request):
        return JSONResponse(data)
    return RedirectResponse(target, status_code=303)
