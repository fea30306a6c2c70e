"""The clinic web app: ``create_app(settings)`` builds the FastAPI application.

It opens the database (running the migrations, so an older database is upgraded in
place), optionally seeds the demo clinic, installs the one JSON error envelope (pages
asked for as HTML get an error page instead, never a traceback), mounts the static
files, and joins the web routers with the REST API and CDS Hooks routers when those
modules are present.
"""

from __future__ import annotations

import importlib
import logging
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spinecare.api.errors import error_response, install_error_handlers
from spinecare.errors import InputError, NotFoundError, SpinecareError
from spinecare.settings import Settings
from spinecare.store.errors import AccessDenied, FormError, VersionConflict

__all__ = ["create_app"]

log = logging.getLogger("spinecare.app")

API_PREFIXES = ("/api", "/cds-services", "/static", "/docs", "/openapi.json", "/redoc")
ERROR_TITLES = {
    400: "The request could not be read",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Changed by someone else",
    413: "Too large",
    422: "Please check the form",
    500: "Something went wrong",
    503: "Not available now",
}
CSP = b"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
OPTIONAL_ROUTERS = ("spinecare.api.rest", "spinecare.api.cds_hooks")


class JsonSuffix:
    """``/patients/3.json`` is ``/patients/3`` asked for as JSON; adds security headers
    and refuses bodies larger than ``max_body_bytes`` (413)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.endswith(".json") and not path.startswith(API_PREFIXES) and len(path) > 6:
            scope = dict(scope)
            scope["path"] = path[:-5] or "/"
            scope["raw_path"] = scope["path"].encode()
            headers = [(k, v) for k, v in scope["headers"] if k != b"accept"]
            scope["headers"] = [*headers, (b"accept", b"application/json")]
            scope.setdefault("state", {})["json"] = True
        for key, value in scope["headers"]:
            if key == b"content-length" and value.isdigit() and int(value) > self.max_body:
                response = error_response(
                    413, f"the request body is larger than {self.max_body} bytes"
                )
                await response(scope, receive, send)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                if not path.startswith(("/docs", "/redoc")):  # Swagger UI loads its own assets
                    extra.append((b"content-security-policy", CSP))
                for key, value in extra:
                    if key not in names:
                        headers.append((key, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _wants_page(request: Request) -> bool:
    if request.url.path.startswith(API_PREFIXES) or getattr(request.state, "json", False):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept


def _error_page(request: Request, status: int, message: str) -> Response:
    from spinecare.web import i18n
    from spinecare.web.deps import TEMPLATES, request_language

    lang = i18n.set_language(request_language(request))
    title = i18n.gettext(ERROR_TITLES.get(status, "Something went wrong"))
    message = i18n.translate(message)  # a Message, or a plain catalog string, in ``lang``
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": title,
            "message": message,
            "user": getattr(request.state, "user", None),
            "csrf": "",
            "lang": lang,
            "languages": i18n.LANGUAGES,
        },
        status_code=status,
    )


def _install_page_errors(app: FastAPI) -> None:
    """Error pages for browsers, the JSON envelope for everything else."""
    from spinecare.web.deps import (
        PASSWORD_PAGE,
        CsrfError,
        LoginRequired,
        PasswordChangeRequired,
        ServiceUnavailable,
    )

    statuses: list[tuple[type[Exception], int]] = [
        (LoginRequired, 401),
        (PasswordChangeRequired, 403),
        (AccessDenied, 403),
        (CsrfError, 403),
        (NotFoundError, 404),
        (VersionConflict, 409),
        (FormError, 422),
        (ServiceUnavailable, 503),
        (InputError, 400),
        (SpinecareError, 400),
    ]

    def handler_for(status: int) -> Any:
        async def handle(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, SpinecareError)
            if status == 401 and _wants_page(request):
                target = quote(request.url.path)
                return RedirectResponse(f"/login?next={target}", status_code=303)
            if isinstance(exc, PasswordChangeRequired) and _wants_page(request):
                return RedirectResponse(PASSWORD_PAGE, status_code=303)
            if _wants_page(request):
                # the message itself (a translatable Message) unless it names a file
                shown = exc.message if exc.source is None else exc.one_line()
                return _error_page(request, status, shown)
            details = None
            if isinstance(exc, FormError):
                details = [{"field": k, "message": v} for k, v in exc.errors.items()]
            return error_response(status, exc.one_line(), exc.code, details)

        return handle

    for cls, status in statuses:
        app.add_exception_handler(cls, handler_for(status))

    json_http = app.exception_handlers[StarletteHTTPException]
    json_validation = app.exception_handlers[RequestValidationError]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _wants_page(request):
            message = exc.detail if isinstance(exc.detail, str) else ""
            return _error_page(request, exc.status_code, message)
        return await json_http(request, exc)  # type: ignore[no-any-return,misc]

    async def validation_error(request: Request, exc: Exception) -> Response:
        if _wants_page(request):
            return _error_page(request, 422, "the address or a form field is not valid")
        return await json_validation(request, exc)  # type: ignore[no-any-return,misc]

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if _wants_page(request):
            return _error_page(request, 500, "an internal error occurred; it was logged")
        return error_response(500, "internal error; the event was logged", "internal_error")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected)


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
        from spinecare.api.cds_app import configure_cds, install_http_limits
    except ModuleNotFoundError as exc:
        if exc.name not in ("spinecare.api.cds_app", "spinecare.api.security"):
            raise
        return
    configure_cds(app, settings)
    install_http_limits(app, settings)


def create_app(
    settings: Settings | None = None, *, seed_passwords: dict[str, str] | None = None
) -> FastAPI:
    """The app for ``settings`` (from the environment when None).

    Runs the migrations; with ``settings.demo`` seeds the demo clinic and keeps the demo
    logins (with their fresh passwords) in ``app.state.demo_logins``.
    """
    from spinecare.store.db import open_database
    from spinecare.web import admin, auth, clearance, courses, patients, referral
    from spinecare.web.deps import WebState

    settings = settings or Settings.from_env()
    db = open_database(settings.db_url)
    app = FastAPI(title="spinecare", version=_version(), docs_url="/docs", redoc_url=None)
    app.state.settings = settings
    app.state.db = db
    app.state.web = WebState(settings=settings, db=db)
    app.state.demo_logins = []
    if settings.demo:
        from spinecare.store.seed import seed_demo

        with db.session() as session:
            app.state.demo_logins = seed_demo(session, app.state.web.kb(), passwords=seed_passwords)
    install_error_handlers(app)
    _install_page_errors(app)
    static = Path(str(resources.files("spinecare.web"))) / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for module in (auth, patients, clearance, courses, admin, referral):
        app.include_router(module.router)
    app.state.optional_routers = _include_optional(app)
    _configure_api(app, settings)
    app.add_middleware(JsonSuffix, max_body=settings.max_body_bytes)
    app.router.on_shutdown.append(db.dispose)
    return app


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("spinecare")
    except Exception:
        return "0"
