"""One JSON error envelope for every HTTP error of the app.

::

    {"error": {"status": 400, "code": "invalid_record", "message": "...", "details": [...]}}

CDS Hooks endpoints may answer with a FHIR OperationOutcome instead where the
specification expects one; everything else uses this shape.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from spinecare.clinic.limits import TOO_MANY_FIELDS
from spinecare.errors import (
    KB_UNAVAILABLE,
    InputError,
    KnowledgeBaseError,
    NotFoundError,
    SpinecareError,
    envelope,
)
from spinecare.errors import (
    STATUS_CODES as STATUS_CODES,
)
from spinecare.messages import N_, Message, Quantity

REQUEST_BODY = Message("request body")
"""What an error names as its file when the document came in a request's body."""

INTERNAL_ERROR = N_("internal error; the event was logged")
"""The answer to a request that failed for a reason of ours (the event is logged)."""


log = logging.getLogger("spinecare.api")

CLIENT_GONE = N_("the request ended before its body did; nothing was saved")
"""What the answer to a client that went away while its body was read says (nobody
receives it: the connection is closed)."""


def client_went_away(request: Request) -> JSONResponse:
    """The answer to a request whose client went away while its body was read (a body cut
    mid-read, an upload dropped; starlette's ``ClientDisconnect``): no error of the app's,
    noted in one line without a traceback, and 400 rather than an internal error (500),
    should anything still read it. The one place every route's reading of a body ends in
    (the error handlers, the FHIR operation, the outermost middleware)."""
    log.info("the client went away during %s %s", request.method, request.url.path)
    return error_response(400, said(CLIENT_GONE, request), "client_gone")


def too_large(limit: int) -> Message:
    """The refusal of a request body over ``limit`` bytes (413)."""
    return Message(
        "request body larger than the limit of %(limit)s bytes", limit=Quantity(limit, None)
    )


FORM_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Too many fields\. Maximum number of fields is (?P<limit>\d+)\."),
        TOO_MANY_FIELDS,
    ),
    (
        re.compile(r"Too many files\. Maximum number of files is (?P<limit>\d+)\."),
        N_("the form has too many files (at most %(limit)s); send one file at a time"),
    ),
    (
        re.compile(r"(?:Field|Part) exceeded maximum size of (?P<limit>\d+)KB\."),
        N_("a field of the form is too large (at most %(limit)s KB)"),
    ),
    (
        re.compile(
            r"The Content-Disposition header field \"name\" must be provided\.|"
            r"Missing boundary in multipart\.|Invalid multipart data\.|"
            r"There was an error parsing the body"
        ),
        N_(
            "the form arrived incomplete or malformed and could not be read; "
            "open its page again and send it"
        ),
    ),
)
"""The refusals of the framework's form reader (Starlette, FastAPI), English text only,
as the app says them: a :class:`Message` in the reader's language."""


STATUS_REFUSALS = {
    400: N_("the request could not be read"),
    401: N_("sign in first"),
    403: N_("not allowed"),
    404: N_("nothing was found at this address"),
    405: N_("this address does not take this kind of request"),
    413: N_("the request is too large"),
    415: N_("this kind of content is not accepted here"),
    429: N_("too many requests; wait a little and try again"),
}
"""The framework's bare refusals (its English status phrase: ``Not Found``), as the app
says them."""


def form_refusal(detail: Any, status: int | None = None) -> Any:
    """``detail`` of a framework's HTTP error as a translatable :class:`Message` where it
    is one of the form reader's refusals (:data:`FORM_REFUSALS`) or, given the ``status``,
    that status's bare English phrase (:data:`STATUS_REFUSALS`); else as it is."""
    if isinstance(detail, str) and not isinstance(detail, Message):
        for pattern, msgid in FORM_REFUSALS:
            hit = pattern.fullmatch(detail.strip())
            if hit:
                return Message(msgid, **{k: int(v) for k, v in hit.groupdict().items()})
        if status in STATUS_REFUSALS and detail == HTTPStatus(status).phrase:
            return Message(STATUS_REFUSALS[status])
    return detail


def error_response(
    status: int,
    message: str,
    code: str | None = None,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        envelope(status, message, code, details), status_code=status, headers=headers
    )


NOT_VALID = N_("is not valid")
VALIDATION_PROBLEMS = {
    "missing": N_("is required"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "float_type": N_("must be a number"),
    "finite_number": N_("must be a finite number"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "date_parsing": N_("must be a date written as year-month-day (2026-03-01)"),
    "date_from_datetime_parsing": N_("must be a date written as year-month-day (2026-03-01)"),
    "date_type": N_("must be a date written as year-month-day (2026-03-01)"),
    "string_type": N_("must be text"),
    "literal_error": N_("is not one of the values this field takes"),
    "enum": N_("is not one of the values this field takes"),
    "json_invalid": N_("the body is not valid JSON"),
    "model_attributes_type": N_("must be a JSON object"),
    "dict_type": N_("must be a JSON object"),
    "list_type": N_("must be a list"),
}
"""The framework's refusals of a request's fields (pydantic's error types), as the app
says them; any other is :data:`NOT_VALID`."""
VALIDATION_LIMITS = {
    "greater_than_equal": ("ge", N_("must be %(limit)s or more")),
    "greater_than": ("gt", N_("must be more than %(limit)s")),
    "less_than_equal": ("le", N_("must be %(limit)s or less")),
    "less_than": ("lt", N_("must be less than %(limit)s")),
    "string_too_long": ("max_length", N_("must be at most %(limit)s characters")),
    "string_too_short": ("min_length", N_("must be at least %(limit)s characters")),
    "too_long": ("max_length", N_("must have at most %(limit)s items")),
    "too_short": ("min_length", N_("must have at least %(limit)s items")),
}


def validation_problem(error: Any) -> Message:
    """One of the framework's refusals of a request's field (a pydantic error) as the app
    says it, in the reader's language where it is shown (its English text is pydantic's
    own, which names Python types)."""
    kind = str(error.get("type", ""))
    limit = VALIDATION_LIMITS.get(kind)
    value = (error.get("ctx") or {}).get(limit[0]) if limit else None
    if limit and isinstance(value, int | float) and not isinstance(value, bool):
        return Message(limit[1], limit=Quantity(value, None))
    return Message(VALIDATION_PROBLEMS.get(kind, NOT_VALID))


ERROR_LANGUAGE = "error_language"
"""The request state's attribute naming the language of its errors, where an endpoint
knows it from the request's body (CDS Hooks: its ``org.spinecare.lang`` extension)."""


def said(message: str, request: Request) -> str:
    """An error's message in the request's language: the one its endpoint found in the
    body, else the ``lang`` query parameter of the REST and FHIR endpoints where it names a
    language (the language the request asked its answer in), else the signed-in user's,
    else the language switch's cookie, else the one ``Accept-Language`` prefers, else
    English (:func:`spinecare.clinic.readers.reader_language`, as pages; the envelope's
    shape and ``code`` are the same in every language)."""
    from spinecare.clinic.readers import reader_language
    from spinecare.i18n import is_language, translate

    lang = getattr(request.state, ERROR_LANGUAGE, None) or request.query_params.get("lang")
    if not (lang and is_language(lang)):
        lang = reader_language(request)
    return translate(message, lang)


def knowledge_base_unavailable(request: Request, exc: KnowledgeBaseError) -> JSONResponse:
    """The answer to a request the server could not serve because its knowledge base
    cannot be loaded: 503, screening not available now (:data:`KB_UNAVAILABLE`), in every
    route's one error shape. The problem, which names the KB's files, goes to the log and
    never into the answer."""
    log.error("the knowledge base cannot be loaded: %s", exc.one_line())
    return error_response(503, said(Message(KB_UNAVAILABLE), request))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ClientDisconnect)
    async def client_gone(request: Request, exc: ClientDisconnect) -> Response:
        return client_went_away(request)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401 and request.url.path.startswith("/cds-services"):
            # CDS Hooks: a bare 401 with its challenge (RFC 9110 requires one), nothing more
            return Response(status_code=401, headers={"www-authenticate": "Bearer"})
        detail = form_refusal(exc.detail, exc.status_code)
        message = (
            said(detail, request)
            if isinstance(detail, Message)
            else detail
            if isinstance(detail, str)
            else STATUS_CODES.get(exc.status_code, "error")
        )
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        # each detail names its field as the app's own refusals do (``details[0].field``,
        # docs/api.md): the parameter (``limit``, ``patient_id``), never where it was sent
        details = [
            {
                "field": ".".join(str(x) for x in e.get("loc", ())[1:]) or "request",
                "message": said(validation_problem(e), request),
            }
            for e in exc.errors()
        ]
        first = details[0] if details else {"field": "request", "message": said(NOT_VALID, request)}
        where = first["field"]
        return error_response(422, f"{where}: {first['message']}", "invalid_input", details)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return error_response(404, said(exc.one_line(), request), exc.code)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        return error_response(400, said(exc.one_line(), request), exc.code)

    @app.exception_handler(KnowledgeBaseError)
    async def kb_unavailable(request: Request, exc: KnowledgeBaseError) -> Response:
        return knowledge_base_unavailable(request, exc)

    @app.exception_handler(SpinecareError)
    async def spinecare_error(request: Request, exc: SpinecareError) -> Response:
        return error_response(400, said(exc.one_line(), request), exc.code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return error_response(500, said(INTERNAL_ERROR, request), "internal_error")
