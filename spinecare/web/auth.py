"""Sign in, sign out, and the home page that sends each role to its start page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from spinecare.store.accounts import (
    LOCK_AFTER,
    authenticate,
    change_password,
    end_session,
    start_session,
)
from spinecare.store.audit import audit
from spinecare.store.errors import FormError
from spinecare.web.deps import (
    PASSWORD_PAGE,
    SESSION_COOKIE,
    check_csrf,
    db_session,
    optional_user,
    render,
    require_user,
    session_cookie_value,
    session_token,
    set_cookie,
    wants_json,
)
from spinecare.web.i18n import Text

router = APIRouter()

START = {"admin": "/patients", "therapist": "/patients", "physician": "/clearances"}


def start_page(role: str, patient_id: int | None) -> str:
    if role == "patient":
        return "/me/home" if patient_id else "/login"
    return START.get(role, "/patients")


def _safe_next(value: str | None) -> str | None:
    if value and value.startswith("/") and not value.startswith("//"):
        return value
    return None


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    with db_session(request) as session:
        user = optional_user(request, session)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        return RedirectResponse(start_page(user.role, user.patient_id), status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return render(
        request,
        "login.html",
        {"values": {"next": _safe_next(next) or ""}, "errors": {}},
        {"login": "POST username, password and csrf_token to /login"},
    )


@router.post("/login")
async def login(request: Request) -> Response:
    fields = await check_csrf(request, anonymous_ok=True)
    username = fields.get("username", "").strip()
    password = fields.get("password", "")
    with db_session(request) as session:
        user = authenticate(session, username, password) if username and password else None
        if user is None:
            errors = {
                "form": Text(
                    "wrong user name or password, or the account is locked "
                    "(after %(n)s failed attempts it locks for a while)",
                    n=LOCK_AFTER,
                )
            }
            if not username:
                errors["username"] = Text("required")
            if not password:
                errors["password"] = Text("required")
            values = {"username": username, "next": fields.get("next", "")}
            return render(
                request,
                "login.html",
                {"values": values, "errors": errors},
                {"error": {"status": 401, "code": "login_failed", "message": errors["form"]}},
                status=401,
            )
        token = start_session(session, user)
        target = _safe_next(fields.get("next")) or start_page(user.role, user.patient_id)
        if user.must_change_password:
            target = PASSWORD_PAGE
    response: Response
    if wants_json(request):
        from fastapi.responses import JSONResponse

        response = JSONResponse({"user": username, "role": user.role, "next": target})
    else:
        response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session_cookie_value(request, token))
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await check_csrf(request, anonymous_ok=True)
    token = session_token(request)
    with db_session(request) as session:
        user = optional_user(request, session)
        if token is not None:
            end_session(session, token)
        if user is not None:
            audit(session, user, "logout", "user", str(user.id))
    response: Response = RedirectResponse("/login", status_code=303)
    if wants_json(request):
        from fastapi.responses import JSONResponse

        response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get(PASSWORD_PAGE)
def password_page(request: Request) -> Response:
    with db_session(request) as session:
        user = require_user(request, session)
        forced = user.must_change_password
    return render(
        request,
        "password.html",
        {"values": {}, "errors": {}, "forced": forced},
        {"must_change_password": forced, "fields": ["current", "new", "repeat"]},
    )


@router.post(PASSWORD_PAGE)
async def password_change(request: Request) -> Response:
    fields = await check_csrf(request)
    with db_session(request) as session:
        user = require_user(request, session)
        forced = user.must_change_password
        try:
            change_password(
                session,
                user,
                fields.get("current", ""),
                fields.get("new", ""),
                fields.get("repeat", ""),
                token=session_token(request),
            )
        except FormError as exc:
            data = {
                "error": {
                    "status": 422,
                    "code": exc.code,
                    "message": exc.one_line(),
                    "details": [{"field": k, "message": v} for k, v in exc.errors.items()],
                }
            }
            return render(
                request,
                "password.html",
                {"values": {}, "errors": exc.errors, "forced": forced},
                data,
                status=422,
            )
        audit(session, user, "change_password", "user", str(user.id))
        target = start_page(user.role, user.patient_id)
    if wants_json(request):
        from fastapi.responses import JSONResponse

        return JSONResponse({"changed": True, "next": target})
    return RedirectResponse(target, status_code=303)
