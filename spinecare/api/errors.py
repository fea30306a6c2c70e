"""One JSON error envelope for every HTTP error of the app.

::

    {"error": {"status": 400, "code": "invalid_record", "message": "...", "details": [...]}}

CDS Hooks endpoints may answer with a FHIR OperationOutcome instead where the
specification expects one; everything else uses this shape.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from spinecare.errors import InputError, NotFoundError, SpinecareError
from spinecare.messages import N_, Message

REQUEST_BODY = Message("request body")
"""What an error names as its file when the document came in a request's body."""

INTERNAL_ERROR = N_("internal error; the event was logged")
"""The answer to a request that failed for a reason of ours (the event is logged)."""


def too_large(limit: int) -> Message:
    """The refusal of a request body over ``limit`` bytes (413)."""
    return Message("request body larger than the limit of %(limit)s bytes", limit=limit)


STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
}


def envelope(
    status: int, message: str, code: str | None = None, details: list[Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "status": status,
        "code": code or STATUS_CODES.get(status, "error"),
        "message": message,
    }
    if details:
        body["details"] = details
    return {"error": body}


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


ERROR_LANGUAGE = "error_language"
"""The request state's attribute naming the language of its errors, where an endpoint
knows it from the request's body (CDS Hooks: its ``org.spinecare.lang`` extension)."""


def said(message: str, request: Request) -> str:
    """An error's message in the request's language: the one its endpoint found in the
    body, else the ``lang`` query parameter of the REST and FHIR endpoints where it names a
    language, else the language the ``Accept-Language`` header prefers, else English (the
    envelope's shape and ``code`` are the same in every language)."""
    from spinecare.i18n import SOURCE_LANGUAGE, accepted_language, is_language, translate

    lang = getattr(request.state, ERROR_LANGUAGE, None) or request.query_params.get("lang")
    if not (lang and is_language(lang)):
        lang = accepted_language(request.headers.get("accept-language")) or SOURCE_LANGUAGE
    return translate(message, lang)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401 and request.url.path.startswith("/cds-services"):
            # CDS Hooks: a bare 401 with its challenge (RFC 9110 requires one), nothing more
            return Response(status_code=401, headers={"www-authenticate": "Bearer"})
        message = (
            said(exc.detail, request)
            if isinstance(exc.detail, Message)
            else exc.detail
            if isinstance(exc.detail, str)
            else STATUS_CODES.get(exc.status_code, "error")
        )
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {"loc": [str(x) for x in e.get("loc", ())], "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        first = details[0] if details else {"loc": [], "message": "invalid request"}
        where = ".".join(first["loc"][1:]) or "request"
        return error_response(422, f"{where}: {first['message']}", "invalid_input", details)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return error_response(404, said(exc.one_line(), request), exc.code)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        return error_response(400, said(exc.one_line(), request), exc.code)

    @app.exception_handler(SpinecareError)
    async def spinecare_error(request: Request, exc: SpinecareError) -> Response:
        return error_response(400, said(exc.one_line(), request), exc.code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return error_response(500, said(INTERNAL_ERROR, request), "internal_error")
