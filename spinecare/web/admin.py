"""Admin pages: the audit log (read-only, filterable) and the clinic's users."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from spinecare.store.accounts import create_user
from spinecare.store.audit import AuditFilter, audit, entry_json, list_audit
from spinecare.store.errors import FormError
from spinecare.store.models import ROLES, Clinic, PatientRow, User
from spinecare.web.deps import check_csrf, db_session, parse_int, render, require_user
from spinecare.web.patients import _form_error

router = APIRouter()
PAGE = 100


@router.get("/audit")
def audit_page(
    request: Request,
    user: str | None = None,
    action: str | None = None,
    patient: str | None = None,
    page: str | None = None,
) -> Response:
    number = parse_int(page, 1, 1)
    flt = AuditFilter(
        username=user or None,
        action=action or None,
        patient_id=parse_int(patient, 0) or None if patient else None,
        limit=PAGE,
        offset=(number - 1) * PAGE,
    )
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        rows, total = list_audit(session, admin.clinic_id, flt)
        entries = [entry_json(e) for e in rows]
        audit(
            session,
            admin,
            "read",
            "audit_log",
            None,
            detail=f"user={user or ''} action={action or ''} patient={patient or ''}",
        )
    filters = {"user": user or "", "action": action or "", "patient": patient or ""}
    data = {"entries": entries, "total": total, "page": number, "filters": filters}
    return render(request, "audit.html", {**data, "pages": max(1, -(-total // PAGE))}, data)


def _user_json(u: User) -> dict[str, object]:
    return {
        "id": u.id,
        "username": u.username,
        "full_name": u.full_name,
        "role": u.role,
        "patient_id": u.patient_id,
        "active": u.active,
    }


def _users_context(session: Session, admin: User) -> dict[str, object]:
    users = list(
        session.scalars(
            select(User)
            .where(  # type: ignore[attr-defined]
                User.clinic_id == admin.clinic_id
            )
            .order_by(User.username)
        )
    )
    return {"users": [_user_json(u) for u in users], "roles": ROLES}


@router.get("/users")
def users_page(request: Request) -> Response:
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        context = _users_context(session, admin)
    return render(
        request, "users.html", {**context, "values": {}, "errors": {}}, {"users": context["users"]}
    )


@router.post("/users")
async def user_create(request: Request) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        clinic = session.get(Clinic, admin.clinic_id)
        assert clinic is not None
        patient = None
        pid = parse_int(fields.get("patient_id"), 0)
        if pid:
            patient = session.scalar(
                select(PatientRow).where(
                    PatientRow.id == pid, PatientRow.clinic_id == admin.clinic_id
                )
            )
        try:
            created = create_user(
                session,
                clinic=clinic,
                username=fields.get("username", ""),
                password=fields.get("password", ""),
                role=fields.get("role", ""),
                full_name=fields.get("full_name") or None,
                patient=patient,
            )
        except FormError as exc:
            context = _users_context(session, admin)
            values = {k: v for k, v in fields.items() if k != "password"}
            return _form_error(request, "users.html", {**context, "values": values}, exc)
        audit(session, admin, "create", "user", str(created.id))
        data = _user_json(created)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(data, status_code=201)
    return RedirectResponse("/users", status_code=303)
