"""REST API under ``/api``: screen and plan a posted FHIR Bundle or intake document, and
the patients, screenings and plans of the clinic app.

``POST /api/screen`` and ``POST /api/plan`` take JSON (a FHIR R4 Bundle, or a spinecare
intake document with ``format: spinecare-intake/1``), with ``as_of`` (YYYY-MM-DD,
default today) and ``lang`` (en, ru) query parameters. They answer with the JSON
contract of DESIGN.md section 4, the same objects ``spinecare screen|plan --format
json`` prints. Errors use the app's one envelope: 400 for unreadable or invalid input,
413 for a body over the size limit.

``GET /api/patients``, ``/api/patients/{id}``, ``/api/patients/{id}/screening`` and
``/api/patients/{id}/plan`` read the clinic app's store (the full app of
:func:`spinecare.app.create_app`; the standalone CDS app has no database and answers 404).
The caller is the web app's signed-in user (the login session cookie) or the owner of a
personal API token (``Authorization: Bearer spc_...``, :mod:`spinecare.clinic.tokens`);
scoping and auditing are those of :mod:`spinecare.clinic.patients`, as on the web pages:
401 without credentials, 403 for a role that may not see the patient, 404 for another
clinic's patient.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Path, Query, Request, Security
from fastapi.security import APIKeyCookie, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from spinecare.api.errors import REQUEST_BODY
from spinecare.clinic.models import (
    CurrentUser,
    ErrorOut,
    PatientDetailOut,
    PatientPageOut,
    PatientScreeningOut,
    PlanOut,
    ScreeningOut,
)
from spinecare.errors import InputError, NotFoundError
from spinecare.i18n import is_language, languages
from spinecare.messages import Message

if TYPE_CHECKING:
    pass

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["REST API"])

_BODY = {
    "requestBody": {
        "required": True,
        "description": "A FHIR R4 Bundle, or a spinecare intake document "
        "(format: spinecare-intake/1), as JSON.",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
}


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": f"{description} (the error envelope)"}


_DOCUMENT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Unreadable or invalid input"),
    413: _error("The body is over the size limit"),
}
_CLINIC_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Bad as_of or lang"),
    401: _error("No valid login session cookie or Bearer token"),
    403: _error("Your role may not see this patient"),
    404: _error(
        "No such patient in your clinic, or no clinic database on this server "
        "(the standalone CDS app)"
    ),
    422: _error("A parameter does not fit this description"),
}


def _document(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise InputError(
            Message("empty request body: a FHIR Bundle or an intake document is expected")
        )
    from spinecare.documents import load_document

    data = load_document(raw, REQUEST_BODY, yaml_allowed=False)
    if not isinstance(data, dict):
        raise InputError(
            Message("request body must be a JSON object (a FHIR Bundle or an intake document)")
        )
    return data


def _lang(lang: str | None, request: Request) -> str:
    """The answer's language: ``lang`` where given (checked), else the request's
    (:func:`~spinecare.api.cds_state.answer_language`, as its errors)."""
    from spinecare.api.cds_state import answer_language

    if lang is None:
        return answer_language(request, None)
    if not is_language(lang):
        raise InputError(
            Message(
                "lang: '%(value)s' is not one of %(languages)s",
                value=lang,
                languages=", ".join(languages()),
            )
        )
    return lang


async def _on_document(
    request: Request, as_of: str | None, lang: str | None, action: Callable[..., Any]
) -> Any:
    """``action`` (core screen or plan) on the posted document, as JSON.

    Parsing and screening are CPU work: they run in a worker thread, so a large document
    never holds up the other requests."""
    from spinecare.clinic.workers import run_heavy
    from spinecare.core import load_kb, parse_date, posted_record

    raw = await request.body()
    day = parse_date(as_of, what="as_of")
    language = _lang(lang, request)

    def work() -> Any:
        kb = load_kb()
        record = posted_record(_document(raw), kb, REQUEST_BODY)
        return action(record, day, kb=kb, lang=language).to_json()

    return await run_heavy(work, pool="public")


AsOf = Query(None, description="Screen as of this date (YYYY-MM-DD); default today.")
Lang = Query(
    None,
    description="Language of reasons and texts: en or ru; default the one Accept-Language "
    "prefers (as for errors), else en.",
)


@router.post(
    "/screen",
    summary="Screen a patient for massage",
    openapi_extra=_BODY,
    response_model=ScreeningOut,
    responses=_DOCUMENT_ERRORS,
)
async def screen(request: Request, as_of: str | None = AsOf, lang: str | None = Lang) -> Any:
    """Is massage safe and indicated for this patient on this date, and why?"""
    from spinecare.core import screen as do_screen

    return await _on_document(request, as_of, lang, do_screen)


@router.post(
    "/plan",
    summary="Plan a massage course",
    openapi_extra=_BODY,
    response_model=PlanOut,
    responses=_DOCUMENT_ERRORS,
)
async def plan(request: Request, as_of: str | None = AsOf, lang: str | None = Lang) -> Any:
    """Zones, modalities, sessions, techniques and what to avoid for this patient."""
    from spinecare.core import plan as do_plan

    return await _on_document(request, as_of, lang, do_plan)


# ---------------------------------------------------------------------------------------
# The clinic app's patients, screenings and plans

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="apiToken",
    description="A personal API token from `spinecare user token USERNAME` (spc_...).",
)
_cookie = APIKeyCookie(
    name="spinecare_session",  # spinecare.clinic.accounts.SESSION_COOKIE
    auto_error=False,
    scheme_name="sessionCookie",
    description="The clinic web app's login session cookie (sign in at /login); where the "
    "app is served over HTTPS (an https SPINECARE_BASE_URL) it is named "
    "`__Host-spinecare_session`.",
)
_AUTH = [Security(_bearer), Security(_cookie)]


def describe_session_cookie(app: Any, settings: Any) -> None:
    """Have ``app``'s OpenAPI description name the session cookie as this deployment sets
    it (:func:`~spinecare.clinic.accounts.cookie_name`: ``__Host-spinecare_session`` over
    HTTPS), so that a client generated from it sends the right one."""
    from spinecare.clinic.accounts import SESSION_COOKIE, cookie_name

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            schemes = schema.get("components", {}).get("securitySchemes", {})
            if "sessionCookie" in schemes:
                named = cookie_name(SESSION_COOKIE, settings)
                schemes["sessionCookie"] = {
                    **schemes["sessionCookie"],
                    "name": named,
                    "description": "The clinic web app's login session cookie (sign in at "
                    f"/login), named `{named}` by this deployment: `__Host-{SESSION_COOKIE}` "
                    f"where it is served over HTTPS (an https SPINECARE_BASE_URL), else "
                    f"`{SESSION_COOKIE}`.",
                }
            app.openapi_schema = schema
        return app.openapi_schema  # type: ignore[no-any-return]

    app.openapi = openapi


_REALM = 'Bearer realm="spinecare"'


class NoClinicApp(NotFoundError):
    code = "no_clinic_app"


def _web(request: Request) -> Any:
    """The clinic app's state (database, KB), or a 404 envelope when there is none."""
    web = getattr(request.app.state, "web", None)
    if web is None:
        raise NoClinicApp(
            Message(
                "this server has no clinic database: the patients, screenings and plans of "
                "the clinic app are served by `spinecare serve`, not by the standalone CDS app"
            )
        )
    return web


def _unauthorized(message: Message, error: str | None = None) -> StarletteHTTPException:
    header = f'{_REALM}, error="{error}"' if error else _REALM
    return StarletteHTTPException(401, message, headers={"WWW-Authenticate": header})


def _caller(request: Request, session: Any) -> CurrentUser:
    """The user behind the request: a Bearer API token, else the web login cookie."""
    from spinecare.clinic.accounts import (
        SESSION_COOKIE,
        check_password_chosen,
        cookie_token,
        sent_cookie,
        user_for_token,
    )
    from spinecare.clinic.audit import ActorRef
    from spinecare.clinic.tokens import token_user

    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized(
                Message("Authorization: only 'Bearer <personal API token>' is accepted"),
                "invalid_request",
            )
        user = token_user(session, token.strip())
        if user is None:
            raise _unauthorized(
                Message("the Bearer token is not a live personal API token"), "invalid_token"
            )
        request.state.actor = ActorRef.of(user)  # who a refusal is recorded for
        check_password_chosen(user)
        return user
    secret = request.app.state.web.settings.secret_key
    cookie = cookie_token(secret, sent_cookie(request, SESSION_COOKIE))
    user = user_for_token(session, cookie) if cookie is not None else None
    if user is None:
        raise _unauthorized(
            Message(
                "sign in first: send the login session cookie of /login, or "
                "'Authorization: Bearer <token>' with a token from `spinecare user token`"
            )
        )
    request.state.actor = ActorRef.of(user)
    check_password_chosen(user)
    return user


@contextmanager
def _clinic_session(request: Request) -> Iterator[tuple[Any, Any, CurrentUser]]:
    """(web state, database session, acting user); commits the audit entries on success."""
    web = _web(request)
    with web.db.session() as session:
        yield web, session, _caller(request, session)


def _day(as_of: str | None) -> date:
    from spinecare.core import parse_date

    return parse_date(as_of, what="as_of")


PatientId = Path(description="The patient's number in the clinic app.")


@router.get(
    "/patients",
    summary="List the patients you may see, with their verdict",
    dependencies=_AUTH,
    response_model=PatientPageOut,
    responses=_CLINIC_ERRORS,
)
def list_patients(
    request: Request,
    q: str | None = Query(None, max_length=200, description="Part of the name or id."),
    limit: int = Query(50, ge=1, le=200, description="Patients per page."),
    offset: int = Query(0, ge=0, description="Patients to skip."),
    as_of: str | None = Query(None, description="Verdicts as of this date; default today."),
) -> PatientPageOut:
    """The patients of your clinic you may see (a therapist or admin: all of them; a
    physician: those referred for clearance; a patient's account: none, it reads its own
    screening and plan), by name, with each one's screening verdict. Paginated with
    ``limit`` and ``offset``."""
    from spinecare.clinic.patients import patient_page

    with _clinic_session(request) as (web, session, user):
        day = _day(as_of)
        return patient_page(session, user, web.kb(), day, q=q, limit=limit, offset=offset)


@router.get(
    "/patients/{patient_id}",
    summary="One patient: details, intakes, clearance requests, courses",
    dependencies=_AUTH,
    response_model=PatientDetailOut,
    responses=_CLINIC_ERRORS,
)
def get_patient(request: Request, patient_id: int = PatientId) -> PatientDetailOut:
    """What the patient page shows: the details, the dated intakes, the clearance
    requests and the courses."""
    from spinecare.clinic.patients import patient_detail

    with _clinic_session(request) as (web, session, user):
        return patient_detail(session, user, patient_id, web.kb())


@router.get(
    "/patients/{patient_id}/screening",
    summary="A stored patient's screening",
    dependencies=_AUTH,
    response_model=PatientScreeningOut,
    responses=_CLINIC_ERRORS,
)
def patient_screening(
    request: Request, patient_id: int = PatientId, as_of: str | None = AsOf, lang: str | None = Lang
) -> PatientScreeningOut:
    """The screening contract of DESIGN.md section 4 for the stored record, computed on
    read: the same object ``spinecare screen FILE --format json`` prints for the same
    record and date, with ``not_read``, the kinds of record the patient's latest SMART
    launch did not get from the EHR (empty when it read everything)."""
    from spinecare.clinic.patients import patient_screening as screening_of

    with _clinic_session(request) as (web, session, user):
        day, language = _day(as_of), _lang(lang, request)
        return screening_of(session, user, patient_id, web.kb(), day, language)[0]


@router.get(
    "/patients/{patient_id}/plan",
    summary="A stored patient's massage course plan",
    dependencies=_AUTH,
    response_model=PlanOut,
    responses=_CLINIC_ERRORS,
)
def patient_plan(
    request: Request, patient_id: int = PatientId, as_of: str | None = AsOf, lang: str | None = Lang
) -> PlanOut:
    """The plan contract for the stored record: the same object ``spinecare plan FILE
    --format json`` prints for the same record and date."""
    from spinecare.clinic.patients import patient_screening as screening_of

    with _clinic_session(request) as (web, session, user):
        day, language = _day(as_of), _lang(lang, request)
        return screening_of(session, user, patient_id, web.kb(), day, language)[1]
