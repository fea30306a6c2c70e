"""The clinic web app: ``create_app(settings)`` builds the FastAPI application.

It opens the database (running the migrations, so an older database is upgraded in
place), optionally seeds the demo clinic, installs the one JSON error envelope (pages
asked for as HTML get an error page instead, never a traceback), mounts the static
files, and joins the web routers with the REST API and CDS Hooks routers when those
modules are present.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sys
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spinecare.api.errors import (
    INTERNAL_ERROR,
    client_went_away,
    error_response,
    form_refusal,
    install_error_handlers,
    said,
    too_large,
)
from spinecare.errors import InputError, NotFoundError, SpinecareError
from spinecare.messages import N_
from spinecare.settings import Settings
from spinecare.store.errors import AccessDenied, FormError, TooManyRequests, VersionConflict

__all__ = ["create_app"]

log = logging.getLogger("spinecare.app")

API_PREFIXES = ("/api", "/cds-services", "/fhir/", "/docs", "/openapi.json", "/redoc")
"""Paths answered in JSON only, errors too."""
NOT_PAGES = (*API_PREFIXES, "/static")
"""Paths whose ``.json`` is no page's JSON form (a static file's is its own); a static
file not found is still an error page for a browser that asks for a page."""
ERROR_TITLES = {
    400: N_("The request could not be read"),
    401: N_("Please sign in"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("This address does not open as a page"),
    409: N_("Changed by someone else"),
    413: N_("Too large"),
    429: N_("Too many requests"),
    422: N_("Please check the form"),
    500: N_("Something went wrong"),
    503: N_("Not available now"),
}
CODE_TITLES = {"smart_launch_failed": N_("spinecare could not be opened from the EHR")}
"""The title of an error page whose refusal says more than its status: a SMART launch that
cannot go on (an EHR that is not set up, an expired launch) was "The request could not be
read"."""
STATUS_PHRASES = {s.value: s.phrase for s in HTTPStatus}
"""Starlette's default details (``Not Found``): English words that the title already says."""
CSP = b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
SWAGGER_UI = "/static/swagger-ui/"
"""Where the API reference page's Swagger UI is served from: the files of the
``swagger-ui-bundle`` package, installed with the app, so the page needs nothing from the
internet (a hospital network may reach none) and runs no script a CDN chose."""
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
"""The API reference page (Swagger UI): its files from the app itself and its one inline
script, marked with a fresh nonce."""
OPTIONAL_ROUTERS = ("spinecare.api.rest", "spinecare.api.cds_hooks", "spinecare.api.fhir_api")


NO_STORE_EXEMPT = ("/static/",)
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


HSTS = (b"strict-transport-security", b"max-age=31536000")
"""Said over HTTPS only (browsers ignore it over plain HTTP): for a year the browser
goes to this host over HTTPS only, an address typed without ``https://`` too."""


def _with_headers(
    headers: list[tuple[bytes, bytes]], path: str, https: bool = False
) -> list[tuple[bytes, bytes]]:
    """The security headers (a page's own policy wins; over HTTPS, :data:`HSTS`), and
    ``no-store`` on every answer but the static files: pages and JSON carry patient data,
    which no cache may keep."""
    extra = [*SECURITY_HEADERS, (b"content-security-policy", CSP)]
    if https:
        extra.append(HSTS)
    if not path.startswith(NO_STORE_EXEMPT):
        headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
        extra += [(b"cache-control", b"no-store"), (b"pragma", b"no-cache")]
    names = {k.lower() for k, _ in headers}
    return headers + [(k, v) for k, v in extra if k not in names]


class JsonSuffix:
    """``/patients/3.json`` is ``/patients/3`` asked for as JSON; adds the security
    headers to every answer (errors included), notes the client's address for the audit
    log, and refuses bodies larger than ``max_body_bytes`` (413)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from spinecare.clinic.audit import client_address

        client = scope.get("client")
        client_address.set(str(client[0])[:64] if client else None)
        path: str = scope["path"]
        if path.endswith(".json") and not path.startswith(NOT_PAGES) and len(path) > 6:
            scope = dict(scope)
            scope["path"] = path[:-5] or "/"
            scope["raw_path"] = scope["path"].encode()
            headers = [(k, v) for k, v in scope["headers"] if k != b"accept"]
            scope["headers"] = [*headers, (b"accept", b"application/json")]
            scope.setdefault("state", {})["json"] = True

        started = False
        https = scope.get("scheme") == "https"  # behind a proxy: its X-Forwarded-Proto

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = _with_headers(list(message.get("headers", [])), path, https)
                message = {**message, "headers": headers}
            await send(message)

        for key, value in scope["headers"]:
            if (
                key == b"content-length"
                and value.isdigit()
                and int(value) > self.max_body
                and not path.startswith("/fhir/")  # answered as an OperationOutcome there
            ):
                await _too_large(Request(scope), self.max_body)(scope, receive, send_with_headers)
                return
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started:
                raise
            # answered here rather than by the outermost handler, so that the 500 too
            # carries the security headers
            await _internal_error(Request(scope, receive))(scope, receive, send_with_headers)


TOO_LARGE_PAGE = N_("what was sent is larger than %(size)s, the most accepted; nothing was saved")


def _too_large(request: Request, limit: int) -> Response:
    """The refusal of a body over ``limit`` bytes: a page in the reader's words for a
    browser (a file too large for the import form), else the JSON envelope."""
    if _wants_page(request):
        from spinecare.documents import size_text
        from spinecare.messages import Message as Words

        return _error_page(request, 413, Words(TOO_LARGE_PAGE, size=size_text(limit)))
    return error_response(413, said(too_large(limit), request))


def _wants_page(request: Request) -> bool:
    if request.url.path.startswith(API_PREFIXES) or getattr(request.state, "json", False):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def _error_page(
    request: Request,
    status: int,
    message: object,
    problems: list[tuple[object, object]] | None = None,
    *,
    forms: bool = True,
    title: str | None = None,
) -> Response:
    """The error page: ``message``, or a form's ``problems`` (the field's words, if the
    user types it, and what is wrong), in the reader's language. Without ``forms`` (the
    refusal of a host the app does not serve) the page has none, and so sets no cookie
    (a form's sign-in nonce). ``title`` (a catalog string) replaces the status's."""
    from spinecare.web import i18n
    from spinecare.web.deps import NONCE_COOKIE, TEMPLATES, csrf_token, request_language, set_cookie

    lang = i18n.set_language(request_language(request))
    title = i18n.gettext(title or ERROR_TITLES.get(status, N_("Something went wrong")))
    if message == STATUS_PHRASES.get(status):
        message = ""  # Starlette's "Not Found": the page's title says it, in ``lang``
    message = i18n.translate(message)  # a Message, or a plain catalog string, in ``lang``
    response = TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "problems": [
                (i18n.translate(label) if label is not None else "", i18n.translate(problem))
                for label, problem in problems or []
            ],
            "sent_form": request.method == "POST",
            "user": getattr(request.state, "user", None),
            # the page's own forms (the language switch, signing out) work from it
            "csrf": csrf_token(request) if forms and hasattr(request.app.state, "web") else "",
            "lang": lang,
            "languages": i18n.LANGUAGES if forms else {},
        },
        status_code=status,
    )
    nonce = getattr(request.state, "nonce", None)
    if nonce is not None:
        set_cookie(request, response, NONCE_COOKIE, nonce)
    return response


REFUSALS = (AccessDenied, NotFoundError)
"""Refusals recorded in the audit log (when someone is signed in): a role or
relationship that does not allow the request, or what the user may not see; a form
without its security token (``CsrfError``, a forged request) is one too."""


async def _audit_refusal(request: Request, status: int, exc: SpinecareError) -> None:
    """Record a refused attempt in its own transaction (the request's was rolled back),
    against the signed-in user: the one the request was read for, else the login its
    cookie holds (a form refused for its token, before anyone was read), not counted as
    that login's use."""
    from starlette.concurrency import run_in_threadpool

    from spinecare.clinic.accounts import user_for_token
    from spinecare.clinic.audit import record_refused
    from spinecare.web.deps import session_token

    actor = getattr(request.state, "user", None) or getattr(request.state, "actor", None)
    web = getattr(request.app.state, "web", None)
    if web is None:
        return
    token = session_token(request) if actor is None else None
    if actor is None and token is None:
        return

    def write() -> None:
        with web.db.session() as session:
            who = actor if token is None else user_for_token(session, token)
            if who is None:
                return
            record_refused(
                session,
                who,
                status=status,
                method=request.method,
                path=request.url.path,
                reason=exc.one_line(),
            )

    try:
        await run_in_threadpool(write)
    except Exception:  # the refusal is still answered; the failure is logged
        log.exception("the refused request could not be recorded in the audit log")


def _internal_error(request: Request) -> Response:
    """The answer to an unexpected error (logged with its traceback, never shown). A
    client that went away while its body was read is no error of the app's
    (:func:`~spinecare.api.errors.client_went_away`)."""
    if isinstance(sys.exc_info()[1], ClientDisconnect):
        return client_went_away(request)
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    if _wants_page(request):
        return _error_page(request, 500, INTERNAL_ERROR)
    return error_response(500, said(INTERNAL_ERROR, request), "internal_error")


def _fhir_errors(app: FastAPI) -> None:
    """Under ``/fhir/`` every error is an OperationOutcome: the app's handlers answer
    first (refusals are audited as anywhere), then their JSON envelope is rewritten."""
    try:
        from spinecare.api.fhir_api import outcome_response
    except ModuleNotFoundError:
        return

    def wrap(handler: Any) -> Any:
        async def handle(request: Request, exc: Exception) -> Response:
            response: Response = await handler(request, exc)
            if not request.url.path.startswith("/fhir/") or response.media_type not in (
                None,
                "application/json",
            ):
                return response
            try:
                message = str(orjson.loads(bytes(response.body))["error"]["message"])
            except Exception:
                message = ERROR_TITLES.get(response.status_code, "error")
            return outcome_response(response.status_code, message)

        return handle

    for key, handler in list(app.exception_handlers.items()):
        app.exception_handlers[key] = wrap(handler)


def _page_refusal(exc: RequestValidationError) -> tuple[int, str]:
    """The status and words of the page for a request the framework refused: a part of
    the address that is no id (``/patients/abc``) has no page there, and no form to
    correct; anything else is a query or a form to check."""
    if any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
        return 404, N_("there is no page at this address")
    return 422, N_("the address or a form field is not valid")


def _install_page_errors(app: FastAPI) -> None:
    """Error pages for browsers, the JSON envelope for everything else."""
    from spinecare.web.deps import (
        PASSWORD_PAGE,
        CsrfError,
        LoginRequired,
        PasswordChangeRequired,
        ServiceUnavailable,
    )
    from spinecare.web.forms import field_label

    statuses: list[tuple[type[Exception], int]] = [
        (LoginRequired, 401),
        (PasswordChangeRequired, 403),
        (AccessDenied, 403),
        (CsrfError, 403),
        (NotFoundError, 404),
        (VersionConflict, 409),
        (TooManyRequests, 429),
        (FormError, 422),
        (ServiceUnavailable, 503),
        (InputError, 400),
        (SpinecareError, 400),
    ]

    def handler_for(status: int) -> Any:
        async def handle(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, SpinecareError)
            if isinstance(exc, (*REFUSALS, CsrfError)):
                await _audit_refusal(request, status, exc)
            if status == 401 and _wants_page(request):
                return RedirectResponse(_sign_in_first(request, exc), status_code=303)
            if isinstance(exc, PasswordChangeRequired) and _wants_page(request):
                return RedirectResponse(PASSWORD_PAGE, status_code=303)
            headers = (
                {"retry-after": str(exc.retry_after)} if isinstance(exc, TooManyRequests) else {}
            )
            if _wants_page(request):
                # the message itself (a translatable Message) unless it names a file; a
                # form's problem without the field's internal name
                shown = exc.message if exc.source is None else exc.one_line()
                problems: list[tuple[object, object]] = []
                if isinstance(exc, FormError) and exc.errors:
                    shown = ""
                    problems = [(field_label(k), v) for k, v in exc.errors.items()]
                page = _error_page(
                    request, status, shown, problems, title=CODE_TITLES.get(exc.code)
                )
                page.headers.update(headers)
                return page
            details = None
            if isinstance(exc, FormError):
                details = [{"field": k, "message": said(v, request)} for k, v in exc.errors.items()]
            return error_response(
                status, said(exc.one_line(), request), exc.code, details, headers=headers
            )

        return handle

    for cls, status in statuses:
        app.add_exception_handler(cls, handler_for(status))

    json_http = app.exception_handlers[StarletteHTTPException]
    json_validation = app.exception_handlers[RequestValidationError]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _wants_page(request):
            detail = form_refusal(exc.detail)
            message = detail if isinstance(detail, str) else ""
            return _error_page(request, exc.status_code, message)
        return await json_http(request, exc)  # type: ignore[no-any-return,misc]

    async def validation_error(request: Request, exc: Exception) -> Response:
        if _wants_page(request):
            assert isinstance(exc, RequestValidationError)
            return _error_page(request, *_page_refusal(exc))
        return await json_validation(request, exc)  # type: ignore[no-any-return,misc]

    async def unexpected(request: Request, exc: Exception) -> Response:
        return _internal_error(request)

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)


MAX_HEAD_BYTES = 64 * 1024
"""The largest request line and headers (cookies included) the server reads: well above
any the app sends or an EHR's launch carries, far below what would tie up memory."""

MAX_HEAD_SECONDS = 30.0
"""How long a request's line and headers may take to arrive, from the connection's start
or the request's first byte (a client on a slow mobile line sends a head in well under a second;
one that trickles it byte by byte holds a connection the server could give another)."""


def head_refusal(
    status: int, path: str, accept_language: str | None
) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The answer to a request whose line and headers pass :data:`MAX_HEAD_BYTES` (431),
    are unfinished after :data:`MAX_HEAD_SECONDS` (408) or are not valid HTTP (400), in the
    one error shape (an OperationOutcome under ``/fhir/``) and the language of its
    ``Accept-Language`` header, with the security headers of every answer."""
    from spinecare.api.errors import STATUS_REFUSALS
    from spinecare.i18n import SOURCE_LANGUAGE, accepted_language, translate
    from spinecare.messages import Message

    if status == 400:
        problem = Message(STATUS_REFUSALS[400])
    elif status == 408:
        problem = Message(
            "the request's line and headers did not arrive within %(seconds)s seconds",
            seconds=int(MAX_HEAD_SECONDS),
        )
    else:
        problem = Message(
            "request line and headers larger than the limit of %(limit)s bytes",
            limit=MAX_HEAD_BYTES,
        )
    message = translate(problem, accepted_language(accept_language) or SOURCE_LANGUAGE)
    response: Response = error_response(status, message)
    if path.startswith("/fhir/"):
        with contextlib.suppress(ModuleNotFoundError):
            from spinecare.api.fhir_api import outcome_response

            response = outcome_response(status, message)
    return _with_headers(list(response.raw_headers), path), bytes(response.body)


def server_options() -> dict[str, Any]:
    """uvicorn's options for serving the app: request heads over :data:`MAX_HEAD_BYTES`,
    or slower than :data:`MAX_HEAD_SECONDS`, are refused (:mod:`spinecare.http_limits`)."""
    from spinecare.http_limits import server_options as limited

    return limited(MAX_HEAD_BYTES, MAX_HEAD_SECONDS, head_refusal)


def _include_optional(app: FastAPI) -> list[str]:
    included = []
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
            included.append(name)
    return included


def _configure_api(app: FastAPI, settings: Settings) -> None:
    """The CDS Hooks state and HTTP limits of the API helper's module, when present."""
    try:
        from spinecare.api.cds_app import install_http_limits
        from spinecare.api.cds_state import configure_cds
    except ModuleNotFoundError as exc:
        if exc.name not in (
            "spinecare.api.cds_app",
            "spinecare.api.cds_state",
            "spinecare.api.security",
        ):
            raise
        return
    configure_cds(app, settings)
    install_http_limits(app, settings, refuse_host=_wrong_host)
    if "spinecare.api.rest" in app.state.optional_routers:
        from spinecare.api.rest import describe_session_cookie

        describe_session_cookie(app, settings)


def _wrong_host(request: Request) -> Response:
    """The refusal of a request for a host the app does not serve: a page in the reader's
    words for a browser, else the API's answer (:func:`spinecare.api.cds_app.wrong_host`)."""
    from spinecare.api.cds_app import wrong_host, wrong_host_message

    if not _wants_page(request):
        return wrong_host(request)
    return _error_page(request, 400, wrong_host_message(request.app.state.settings), forms=False)


NO_PUBLIC_ADDRESS = (
    "warning: SPINECARE_BASE_URL is not set: serve spinecare over HTTPS at its public "
    "address and set SPINECARE_BASE_URL to it; until then its cookies are not __Host- "
    "cookies (another host of the domain can set a sign-in in a clinician's browser) and "
    "a request for any host is answered (DNS rebinding)"
)
"""Said at start by a deployment outside development without its public address
(``Settings.public_address_missing``); the administrator's user list says it too."""


def create_app(
    settings: Settings | None = None, *, seed_passwords: dict[str, str] | None = None
) -> FastAPI:
    """The app for ``settings`` (from the environment when None).

    Runs the migrations; with ``settings.demo`` seeds the demo clinic and keeps the demo
    logins (with their fresh passwords) in ``app.state.demo_logins``.
    """
    from spinecare.store.db import open_database
    from spinecare.web import admin, auth, clearance, courses, patients, referral, smart
    from spinecare.web.deps import WebState

    settings = settings or Settings.from_env()
    if settings.public_address_missing:
        log.warning(NO_PUBLIC_ADDRESS)
    smart_ehrs = smart.read_ehrs(settings)  # a bad file stops the start, not a launch
    db = open_database(settings.db_url)
    from fastapi import Depends

    from spinecare.clinic.limits import check_body, check_request
    from spinecare.web.sites import refuse_cross_site

    app = FastAPI(
        title="spinecare",
        version=_version(),
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_cross_site), Depends(check_request), Depends(check_body)],
    )
    app.add_api_route("/docs", _api_docs, methods=["GET"], include_in_schema=False)
    app.state.settings = settings
    app.state.db = db
    app.state.web = WebState(settings=settings, db=db)
    app.state.demo_logins = []
    app.state.smart_ehrs = smart_ehrs
    from spinecare.clinic.logins import LoginThrottle

    app.state.login_throttle = LoginThrottle(db)  # counted in the database: every worker's
    from spinecare.clinic.launches import launch_rate

    app.state.launch_rate = launch_rate(db)  # so are the launches per client address
    if settings.demo:
        from spinecare.clinic.seed import seed_demo

        with db.session() as session:
            app.state.demo_logins = seed_demo(session, app.state.web.kb(), passwords=seed_passwords)
    install_error_handlers(app)
    _install_page_errors(app)
    _fhir_errors(app)
    static = Path(str(resources.files("spinecare.web"))) / "static"
    from swagger_ui_bundle import swagger_ui_path

    app.mount(SWAGGER_UI.rstrip("/"), StaticFiles(directory=str(swagger_ui_path)), name="swagger")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for module in (auth, patients, clearance, courses, admin, referral, smart):
        app.include_router(module.router)
    app.state.optional_routers = _include_optional(app)
    _configure_api(app, settings)
    app.add_middleware(JsonSuffix, max_body=settings.max_body_bytes)
    app.add_middleware(smart.LaunchFraming)  # outside: it sees the security headers
    app.router.on_shutdown.append(db.dispose)
    return app


def _api_docs(request: Request) -> Response:
    """Swagger UI for the OpenAPI description, under a content security policy."""
    import secrets

    from fastapi.openapi.docs import get_swagger_ui_html

    nonce = secrets.token_urlsafe(16)
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="spinecare API",
        swagger_js_url=SWAGGER_UI + "swagger-ui-bundle.js",
        swagger_css_url=SWAGGER_UI + "swagger-ui.css",
        swagger_favicon_url=SWAGGER_UI + "favicon-32x32.png",
    )
    html = bytes(page.body).decode().replace("<script>", f'<script nonce="{nonce}">')
    return Response(
        html,
        media_type="text/html",
        headers={"content-security-policy": DOCS_CSP.format(nonce=nonce)},
    )


def _sign_in_first(request: Request, exc: Exception) -> str:
    """The sign-in page a page asked for without a sign-in goes to: it opens that page once
    signed in, and says after how long a session ended unused. A form sent (a POST) is not
    saved: the sign-in page says so and opens the page the form was on (the ``Referer``, a
    page of this site), never the form's address, which opens no page."""
    from spinecare.web.deps import SessionIdle, safe_next

    idle = f"&idle={exc.minutes}" if isinstance(exc, SessionIdle) else ""
    if request.method in ("GET", "HEAD"):
        return f"/login?next={quote(request.url.path)}{idle}"
    from urllib.parse import urlsplit

    came = urlsplit(request.headers.get("referer", ""))
    page = safe_next(came.path + (f"?{came.query}" if came.query else ""))
    if came.netloc != request.url.netloc:
        page = None
    # quoted whole: the page's own query is part of ``next``, never the sign-in page's
    back = f"next={quote(page, safe='/')}&" if page else ""
    return f"/login?{back}unsaved=1{idle}"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("spinecare")
    except Exception:
        return "0"
