"""Admin pages: the audit log (read-only, filterable) and the clinic's users."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from spinecare.errors import NotFoundError
from spinecare.messages import Message
from spinecare.store.accounts import create_user, reset_password, set_user_active, update_user
from spinecare.store.audit import AuditFilter, audit, entry_json, list_audit
from spinecare.store.errors import FormError
from spinecare.store.models import ROLES, Clinic, PatientRow, User
from spinecare.web.deps import check_csrf, db_session, parse_int, render, require_user
from spinecare.web.i18n import Text
from spinecare.web.patients import _form_error

router = APIRouter()
PAGE = 100
DEACTIVATED = Text(
    "The account is deactivated: it was signed out everywhere and cannot sign in. "
    "Its history stays in the audit log."
)


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


def _user_json(u: User, patient_names: dict[int, str] | None = None) -> dict[str, object]:
    return {
        "id": u.id,
        "username": u.username,
        "full_name": u.full_name,
        "role": u.role,
        "patient_id": u.patient_id,
        "patient_name": (patient_names or {}).get(u.patient_id or 0),
        "language": u.language,
        "active": u.active,
        "must_change_password": u.must_change_password,
    }


def _patient_names(session: Session, clinic_id: int) -> dict[int, str]:
    rows = session.execute(
        select(PatientRow.id, PatientRow.name).where(PatientRow.clinic_id == clinic_id)
    )
    return {pid: name for pid, name in rows}


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
    names = _patient_names(session, admin.clinic_id)
    return {"users": [_user_json(u, names) for u in users], "roles": ROLES}


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


def _clinic_user(session: Session, admin: User, user_id: int) -> User:
    """A user of the admin's clinic (another clinic's users are not found)."""
    user = session.get(User, user_id)
    if user is None or user.clinic_id != admin.clinic_id:
        raise NotFoundError(Message("user %(id)s not found", id=user_id))
    return user


def _patient_of(session: Session, admin: User, raw: str | None) -> PatientRow | None:
    pid = parse_int(raw, 0)
    if not pid:
        return None
    return session.scalar(
        select(PatientRow).where(PatientRow.id == pid, PatientRow.clinic_id == admin.clinic_id)
    )


def _user_page(
    request: Request,
    session: Session,
    admin: User,
    user: User,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    temporary: str | None = None,
    status: int = 200,
) -> Response:
    names = _patient_names(session, admin.clinic_id)
    data = _user_json(user, names)
    if values is None:
        values = {
            "full_name": user.full_name,
            "role": user.role,
            "language": user.language or "",
            "patient_id": str(user.patient_id or ""),
        }
    context = {
        "account": data,
        "values": values,
        "errors": errors or {},
        "roles": ROLES,
        "patients": sorted(names.items(), key=lambda item: item[1]),
        "notice": notice,
        "temporary": temporary,
        "is_self": user.id == admin.id,
    }
    json_data: dict[str, object] = {"user": data}
    if temporary:
        json_data["temporary_password"] = temporary
    if errors:
        json_data = {
            "error": {
                "status": status,
                "code": "invalid_input",
                "message": FormError(errors).one_line(),
                "details": [{"field": k, "message": v} for k, v in errors.items()],
            }
        }
    return render(request, "user.html", context, json_data, status=status)


@router.get("/users/{user_id}")
def user_page(request: Request, user_id: int) -> Response:
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        user = _clinic_user(session, admin, user_id)
        return _user_page(request, session, admin, user)


@router.post("/users/{user_id}")
async def user_edit(request: Request, user_id: int) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        user = _clinic_user(session, admin, user_id)
        try:
            update_user(
                session,
                admin,
                user,
                full_name=fields.get("full_name", ""),
                role=fields.get("role", ""),
                language=fields.get("language") or None,
                patient=_patient_of(session, admin, fields.get("patient_id")),
            )
        except FormError as exc:
            return _user_page(
                request, session, admin, user, values=fields, errors=exc.errors, status=422
            )
        audit(session, admin, "update", "user", str(user.id))
        return _user_page(request, session, admin, user, notice=Text("Saved."))


@router.post("/users/{user_id}/active")
async def user_active(request: Request, user_id: int) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        user = _clinic_user(session, admin, user_id)
        active = fields.get("active") == "yes"
        try:
            set_user_active(session, admin, user, active)
        except FormError as exc:
            return _user_page(request, session, admin, user, errors=exc.errors, status=422)
        audit(session, admin, "reactivate" if active else "deactivate", "user", str(user.id))
        notice = Text("The account is active again.") if active else DEACTIVATED
        return _user_page(request, session, admin, user, notice=notice)


@router.post("/users/{user_id}/password")
async def user_reset_password(request: Request, user_id: int) -> Response:
    await check_csrf(request)
    with db_session(request) as session:
        admin = require_user(request, session, "admin")
        user = _clinic_user(session, admin, user_id)
        temporary = reset_password(session, user)
        audit(session, admin, "reset_password", "user", str(user.id))
        return _user_page(request, session, admin, user, temporary=temporary)
