"""A standalone FastAPI app with just the CDS Hooks service and the REST API.

``spinecare serve`` mounts the same routers in the full app; this one runs on its own
(``uvicorn --factory spinecare.api.cds_app:create_cds_app``) for an EHR integration
without the clinic pages. The full app calls
:func:`spinecare.api.cds_state.configure_cds` and :func:`install_http_limits` to get the
same state and limits.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spinecare.api.cds_state import cds_state, configure_cds
from spinecare.api.errors import error_response, install_error_handlers, said, too_large
from spinecare.http_limits import HEAD_SCOPE_KEY
from spinecare.messages import N_
from spinecare.messages import Message as Said
from spinecare.settings import Settings, canonical_host

__all__ = [
    "BodySizeLimit",
    "HeadAsGet",
    "TrustedHosts",
    "create_cds_app",
    "include_directly",
    "install_http_limits",
    "wrong_host",
    "wrong_host_message",
]

log = logging.getLogger("spinecare.api")


class _TooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


ENCODINGS = frozenset({b"", b"identity", b"gzip", b"x-gzip"})
"""The body encodings read: none, or gzip (found by its magic bytes either way)."""
ENCODING_REFUSED = N_(
    "a body encoded as '%(encoding)s' is not read: send it plain or gzip-compressed"
)
FORM_ENCODING_REFUSED = N_(
    "a form is read as a browser sends it: send it without a Content-Encoding ('%(encoding)s')"
)
FORM_TYPES = (b"application/x-www-form-urlencoded", b"multipart/form-data")
"""The bodies read as forms: a browser never compresses one, and the form reader reads
the bytes as sent, so a compressed one is refused rather than read as text."""
JSON_BODIES = ("/api/", "/cds-services")
"""Where a body is a JSON document (the REST API, CDS Hooks). Anywhere else but under
``/fhir/`` (whose operation says its own refusal, an OperationOutcome) a body is a form."""
JSON_TYPES = (b"application/json", b"text/json", b"application/json+fhir")
"""The types a JSON body is sent as besides ``application/*+json`` (DSTU2's FHIR type,
and the one some clients write)."""
FORM_EXPECTED = N_("this page takes a form as a browser sends it, not '%(type)s'")
JSON_EXPECTED = N_("send the body as application/json, not '%(type)s'")


def type_refused(path: str, content_type: bytes) -> Said | None:
    """Why a body of ``content_type`` is not what the route at ``path`` reads (a form, or
    JSON: JSON sent to a page was read as an empty form, a form sent to the REST API as
    JSON), or None; a body that names no type is read as the route reads bodies."""
    media = content_type.split(b";")[0].strip().lower()
    if not media or path == "/fhir" or path.startswith("/fhir/"):
        return None
    said_as = media.decode("latin-1")[:60]
    if path.startswith(JSON_BODIES):
        if media in JSON_TYPES or media.endswith(b"+json"):
            return None
        return Said(JSON_EXPECTED, type=said_as)
    if media not in FORM_TYPES:
        return Said(FORM_EXPECTED, type=said_as)
    charset = _charset(content_type)
    if charset is not None and charset.lower() not in UTF8_NAMES:
        # the form reader decodes a multipart form's fields in the charset named (an
        # unknown one as Latin-1): UTF-8 text, checked as such, was stored as mojibake
        return Said(FORM_EXPECTED, type=f"{said_as}; charset={charset[:40]}")
    return None


UTF8_NAMES = frozenset({"utf-8", "utf8"})
"""The charset a form is read in, as browsers send it: a form that names another is
refused (:func:`type_refused`) rather than read in it."""


def _charset(content_type: bytes) -> str | None:
    """The ``charset`` parameter of ``content_type`` (unquoted), or None."""
    for parameter in content_type.split(b";")[1:]:
        name, _, value = parameter.partition(b"=")
        if name.strip().lower() == b"charset":
            return value.strip().strip(b'"').decode("latin-1")
    return None


def head_refusal(scope: Scope, limit: int) -> tuple[int, Said | None] | None:
    """The status and the words a request is refused with by its headers alone, before its
    body is read (:class:`BodySizeLimit`), or None."""
    headers = scope.get("headers", [])
    content_type = next((v for n, v in headers if n == b"content-type"), b"")
    if scope["method"] in ("POST", "PUT", "PATCH"):
        refused = type_refused(scope["path"], content_type)
        if refused is not None:
            return 415, refused
    for name, value in headers:
        encoding = value.strip().lower()
        if name == b"content-encoding" and encoding not in (b"", b"identity"):
            said_as = value.decode("latin-1").strip()[:40]
            form = content_type.strip().lower().startswith(FORM_TYPES)
            if form or encoding not in ENCODINGS:
                why = FORM_ENCODING_REFUSED if form else ENCODING_REFUSED
                return 415, Said(why, encoding=said_as)
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = -1
            if declared > limit:
                return 413, None
    return None


class BodySizeLimit:
    """Pure ASGI middleware: a request body over ``max_bytes`` gets a 413 envelope; one in
    an encoding other than none or gzip (``Content-Encoding: deflate``, ``br``, which was
    read as text that is not UTF-8), a form in any encoding (:data:`FORM_TYPES`), or a body
    of another kind than its route reads (:func:`type_refused`), a 415 naming it."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        refused = head_refusal(scope, limit)
        if refused is not None:
            await self._reject(scope, receive, send, *refused)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._reject(scope, receive, send)

    async def _reject(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int = 413,
        why: str | None = None,
    ) -> None:
        from starlette.requests import Request

        message = said(why or too_large(self.max_bytes), Request(scope))
        if str(scope.get("path", "")).startswith("/fhir/"):
            from spinecare.api.fhir_api import outcome_response

            await outcome_response(status, message)(scope, receive, send)
            return
        response = error_response(status, message)
        await response(scope, receive, send)


class HeadAsGet:
    """Pure ASGI middleware: HEAD is answered as GET is, without the body: the same status
    and headers, ``content-length`` included (RFC 9110, 9.3.2). Wherever a GET answers (a
    page, a JSON resource, the FHIR CapabilityStatement, a static file), so does HEAD, as a
    proxy's or a monitor's check expects; where GET is not taken, HEAD gets GET's 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        # answered as GET, still known as a HEAD (a HEAD is nobody's use of a page:
        # spinecare.web.deps.optional_user)
        await self.app({**scope, "method": "GET", HEAD_SCOPE_KEY: True}, receive, without_body)


HOST_HEADER = re.compile(r"(?P<name>[a-z0-9_.-]+|\[(?P<ip6>[0-9a-f:.]+)\])(?::[0-9]{1,5})?")
"""A ``Host`` header as browsers and HTTP clients write it: a name or an address, in
brackets for IPv6, and a port. Anything else (``good.example:80@evil.example``, which a
URL built from it reads as the host ``evil.example``) is no host of the app's."""
WRONG_HOST = N_(
    "this server does not serve the address the request was sent to; open spinecare at "
    "its own address"
)
WRONG_HOST_NAMED = N_(
    "this server does not serve the address the request was sent to; open spinecare at %(address)s"
)

HostRefusal = Callable[[Request], Response]
"""The answer to a request for a host the app does not serve (a page where the app has
pages, else the JSON envelope or, under ``/fhir/``, an OperationOutcome)."""


def request_host(scope: Scope) -> str | None:
    """The host name the request's ``Host`` header names, without its port, in the form
    the configured hosts are in (:func:`~spinecare.settings.canonical_host`: lower case,
    no final dot, an IPv6 address compressed); "" where it sends none; None where it is
    not a host at all."""
    raw = next((v for k, v in scope.get("headers", []) if k == b"host"), None)
    if raw is None:
        return ""
    match = HOST_HEADER.fullmatch(raw.decode("latin-1").strip().lower())
    if match is None:
        return None
    return canonical_host(match["ip6"] or match["name"])


def wrong_host_message(settings: Settings) -> Said:
    """Why a request for a host the app does not serve is refused, naming the public
    address where it is configured (the operator's, never the request's)."""
    if settings.base_url_configured:
        return Said(WRONG_HOST_NAMED, address=settings.base_url.strip().rstrip("/"))
    return Said(WRONG_HOST)


def wrong_host(request: Request) -> Response:
    """The refusal (400) of a request for a host the app does not serve, in the one error
    shape and the reader's words."""
    words = said(wrong_host_message(cds_state(request.app).settings), request)
    if request.url.path.startswith("/fhir/"):
        from spinecare.api.fhir_api import outcome_response

        return outcome_response(400, words)
    return error_response(400, words, "wrong_host")


class TrustedHosts:
    """Pure ASGI middleware: the ``Host`` header decides nothing the app says.

    - Where the hosts are configured (``Settings.trusted_hosts``: the public address's,
      ``SPINECARE_ALLOWED_HOSTS`` and loopback), a request for any other, or with no
      ``Host``, is refused 400 (``refuse``), before any route reads it: a name an
      attacker points at the server (DNS rebinding from a page in a clinician's browser)
      reaches nothing.
    - A ``Host`` that is no host name (``good.example:80@evil.example``) is refused
      wherever the app runs.
    - A ``Location`` the framework builds from the request's own address (the redirect
      of ``/patients/`` to ``/patients``) is sent as a path of this site: never an
      address built from what the client wrote in ``Host``. Links the app builds to
      itself (CDS Hooks cards, the SMART launch's return address) come from
      ``Settings.base_url`` only."""

    def __init__(
        self, app: ASGIApp, hosts: frozenset[str] | None, refuse: HostRefusal = wrong_host
    ) -> None:
        self.app = app
        self.hosts = hosts
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = request_host(scope)
        if host is None or (self.hosts is not None and host not in self.hosts):
            log.warning(
                "refused a request for a host this server does not serve: %r",
                next((v for k, v in scope["headers"] if k == b"host"), b"")[:200],
            )
            from starlette.requests import Request as Incoming

            await self.refuse(Incoming(scope, receive))(scope, receive, send)
            return
        own = _own_address(scope)

        async def relative_location(message: Message) -> None:
            if message["type"] == "http.response.start" and own is not None:
                headers = [
                    (k, _relative(v, own) if k.lower() == b"location" else v)
                    for k, v in message.get("headers", [])
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, relative_location)


def _own_address(scope: Scope) -> bytes | None:
    """``scheme://host`` as the framework writes the request's own address from its
    ``Host`` header (:class:`starlette.datastructures.URL`), or None without one."""
    raw: bytes | None = next((v for k, v in scope.get("headers", []) if k == b"host"), None)
    if raw is None:
        return None
    return str(scope.get("scheme", "http")).encode() + b"://" + raw


def _relative(location: bytes, own: bytes) -> bytes:
    """``location`` without the request's own address before its path."""
    if location.startswith(own) and location[len(own) : len(own) + 1] in (b"/", b"?", b""):
        rest = location[len(own) :]
        return rest if rest.startswith(b"/") else b"/" + rest
    return location


def install_http_limits(
    app: FastAPI, settings: Settings, *, refuse_host: HostRefusal = wrong_host
) -> None:
    """HEAD as GET, the body size limit and CORS (for browser-based EHRs) from the
    settings, and outside them the check of the ``Host`` header (:class:`TrustedHosts`,
    whose refusal is ``refuse_host``)."""
    app.add_middleware(HeadAsGet)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(TrustedHosts, hosts=settings.trusted_hosts, refuse=refuse_host)


def create_cds_app(settings: Settings | None = None) -> FastAPI:
    """The CDS Hooks service and the REST API, on their own."""
    from spinecare import __version__
    from spinecare.api.cds_hooks import router as cds_router
    from spinecare.api.fhir_api import router as fhir_router
    from spinecare.api.rest import describe_session_cookie
    from spinecare.api.rest import router as rest_router

    settings = settings or Settings.from_env()
    app = FastAPI(
        title="spinecare CDS Hooks service, REST API and FHIR API",
        version=__version__,
        description="Massage screening for spinal osteochondrosis and disc herniation: "
        "HL7 CDS Hooks 2.0 services and a REST API. See docs/cds-hooks.md and docs/api.md.",
    )
    configure_cds(app, settings)
    install_error_handlers(app)
    install_http_limits(app, settings)
    for router in (cds_router, rest_router, fhir_router):
        include_directly(app, router)
    describe_session_cookie(app, settings)
    return app


def include_directly(app: FastAPI, router: APIRouter) -> None:
    """``router``'s routes placed on ``app`` itself, as routes declared with ``@app.post``
    are. FastAPI's ``include_router`` keeps an included router behind a layer that
    matches the request again, on every request; for a CDS Hooks call, made each time a
    clinician signs an order, that layer cost about 14 us of CPU a call (2% of the call),
    measured in process. Paths, methods, tags and the OpenAPI document are the same. Only
    for an app that declares no dependencies of its own (they would not reach routes
    placed so) and routers included with no prefix or dependencies."""
    if app.router.dependencies:
        raise ValueError("routes placed directly would not run the app's own dependencies")
    app.router.routes.extend(router.routes)
