"""Sign in, sign out, and the home page that sends each role to its start page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from spinecare.clinic import FormError
from spinecare.clinic.accounts import end_session, keep_sign_in_language, start_session
from spinecare.clinic.audit import record as audit
from spinecare.clinic.logins import LoginThrottle
from spinecare.clinic.readers import sign_in_page_language
from spinecare.clinic.workers import run_heavy
from spinecare.messages import Wait, located
from spinecare.settings import MAX_SESSION_IDLE_MINUTES
from spinecare.web.deps import (
    PASSWORD_PAGE,
    SESSION_COOKIE,
    check_csrf,
    db_session,
    delete_cookie,
    ended_idle,
    error_data,
    optional_user,
    parse_int,
    render,
    require_user,
    safe_next,
    session_cookie_value,
    session_token,
    set_cookie,
    state,
    wants_json,
)
from spinecare.web.i18n import Text

router = APIRouter()

START = {"admin": "/patients", "therapist": "/patients", "physician": "/clearances"}


def start_page(role: str, patient_id: int | None) -> str:
    if role == "patient":
        return "/me/home" if patient_id else "/login"
    return START.get(role, "/patients")


@router.get("/", include_in_schema=False)
def home(request: Request) -> Response:
    with db_session(request) as session:
        user = optional_user(request, session)
        if user is None:
            minutes = ended_idle(request)
            target = "/login" if minutes is None else f"/login?idle={minutes}"
            return RedirectResponse(target, status_code=303)
        return RedirectResponse(start_page(user.role, user.patient_id), status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None, idle: str | None = None) -> Response:
    # ``idle``: the minutes after which a session unused ended (the notice says so)
    minutes = parse_int(idle, 0)
    if not 0 < minutes <= MAX_SESSION_IDLE_MINUTES:
        minutes = 0
    return render(
        request,
        "login.html",
        {"values": {"next": safe_next(next) or ""}, "errors": {}, "idle_minutes": minutes},
        {"login": "POST username, password and csrf_token to /login"},
    )


@dataclass(frozen=True)
class _SignedIn:
    token: str | None
    role: str = ""
    patient_id: int | None = None
    retry_after: int = 0
    must_change_password: bool = False
    expired: bool = False


def _check_sign_in(request: Request, username: str, password: str) -> _SignedIn:
    """The password check and the new login session (in a worker thread: argon2)."""
    from spinecare.clinic.audit import client_address
    from spinecare.clinic.logins import sign_in

    with db_session(request) as session:
        outcome = sign_in(
            session, login_throttle(request), username, password, client_address.get()
        )
        if outcome.user is None:
            return _SignedIn(None, retry_after=outcome.retry_after, expired=outcome.expired)
        user = outcome.user
        keep_sign_in_language(session, user, sign_in_page_language(request))
        return _SignedIn(
            start_session(
                session,
                user,
                idle=state(request).settings.session_idle,
                replacing=session_token(request),
            ),
            user.role,
            user.patient_id,
            must_change_password=user.must_change_password,
        )


def login_throttle(request: Request) -> LoginThrottle:
    """The app's one throttle of failed sign-ins, counting in the app's database."""
    throttle = getattr(request.app.state, "login_throttle", None)
    if throttle is None:
        throttle = request.app.state.login_throttle = LoginThrottle()
    if throttle.db is None:
        throttle.db = state(request).db
    return throttle  # type: ignore[no-any-return]


@router.post("/login")
async def login(request: Request) -> Response:
    fields = await check_csrf(request, anonymous_ok=True)
    username = fields.get("username", "").strip()
    password = fields.get("password", "")
    if username and password:
        result = await run_heavy(_check_sign_in, request, username, password, pool="passwords")
    else:
        result = _SignedIn(None)
    if not (username and password):
        # nothing to check: only the empty fields are said, never "wrong password"
        missing = {
            name: Text("required")
            for name in ("username", "password")
            if not fields.get(name, "").strip()
        }
        values = {"username": username, "next": safe_next(fields.get("next")) or ""}
        first = next(iter(missing))
        return render(
            request,
            "login.html",
            {"values": values, "errors": missing},
            error_data(request, 422, "invalid_input", located(first, missing[first]), missing),
            status=422,
        )
    if result.token is None:
        errors: dict[str, Text] = {"form": Text("wrong user name or password")}
        status, code = 401, "login_failed"
        if result.retry_after:
            errors["form"] = Text(
                "too many failed sign-ins; try again %(wait)s", wait=Wait(result.retry_after)
            )
            status, code = 429, "too_many_attempts"
        elif result.expired:
            errors["form"] = Text(
                "this one-time password has been used or has expired; "
                "ask your administrator for a new one"
            )
            code = "password_expired"
        # the page it would go on to, as the sign-in page takes it: never another site's
        values = {"username": username, "next": safe_next(fields.get("next")) or ""}
        response = render(
            request,
            "login.html",
            {"values": values, "errors": errors},
            error_data(request, status, code, errors["form"]),
            status=status,
        )
        if result.retry_after:
            response.headers["retry-after"] = str(result.retry_after)
        return response
    target = safe_next(fields.get("next")) or start_page(result.role, result.patient_id)
    if result.must_change_password:
        target = PASSWORD_PAGE
    response = (
        JSONResponse({"user": username, "role": result.role, "next": target})
        if wants_json(request)
        else RedirectResponse(target, status_code=303)
    )
    set_cookie(request, response, SESSION_COOKIE, session_cookie_value(request, result.token))
    if state(request).settings.https:
        # a login kept under the plain name from before the ``__Host-`` cookie signs
        # nobody in: removed from this host (one another host set stays, and is ignored)
        response.delete_cookie(SESSION_COOKIE, path="/")
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
    # the sign-in page says that signing out worked
    response: Response = RedirectResponse("/login?signed_out=1", status_code=303)
    if wants_json(request):
        response = JSONResponse({"signed_out": True})
    delete_cookie(request, response, SESSION_COOKIE)
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


@dataclass(frozen=True)
class _PasswordChange:
    errors: dict[str, Any] | None = None
    retry_after: int = 0
    target: str = ""
    forced: bool = False


def _change_own_password(request: Request, fields: dict[str, str]) -> _PasswordChange:
    """The password check and change (in a worker thread: argon2)."""
    from spinecare.clinic.audit import client_address
    from spinecare.clinic.logins import change_own_password

    with db_session(request) as session:
        user = require_user(request, session)
        forced = user.must_change_password
        try:
            wait = change_own_password(
                session,
                login_throttle(request),
                user,
                fields.get("current", ""),
                fields.get("new", ""),
                fields.get("repeat", ""),
                token=session_token(request),
                address=client_address.get(),
            )
        except FormError as exc:
            return _PasswordChange(errors=dict(exc.errors), forced=forced)
        if wait:
            message = Text(
                "a wrong password was typed for this account a moment ago; try again %(wait)s",
                wait=Wait(wait),
            )
            return _PasswordChange(errors={"current": message}, retry_after=wait, forced=forced)
        audit(session, user, "change_password", "user", str(user.id))
        return _PasswordChange(target=start_page(user.role, user.patient_id))


@router.post(PASSWORD_PAGE)
async def password_change(request: Request) -> Response:
    fields = await check_csrf(request)
    result = await run_heavy(_change_own_password, request, fields, pool="passwords")
    if result.errors is not None:
        status = 429 if result.retry_after else 422
        exc = FormError(result.errors)
        code = "too_many_attempts" if result.retry_after else exc.code
        data = error_data(request, status, code, exc.one_line(), exc.errors)
        response = render(
            request,
            "password.html",
            {"values": {}, "errors": exc.errors, "forced": result.forced},
            data,
            status=status,
        )
        if result.retry_after:
            response.headers["retry-after"] = str(result.retry_after)
        return response
    if wants_json(request):
        return JSONResponse({"changed": True, "next": result.target})
    return RedirectResponse(result.target, status_code=303)
