"""What every page needs: the database, the signed-in user, CSRF tokens, rendering.

Login sessions: the cookie holds a random token and its HMAC (``settings.secret_key``);
the database keeps only the token's hash, so logging out ends the session for good.
The cookie is HttpOnly and SameSite=Lax (and Secure when served over HTTPS); a SMART
launch's login is set for the EHR's frame instead (``spinecare.web.smart``).

CSRF: every form carries ``csrf_token`` = HMAC(secret, session token) (before login:
HMAC of a random nonce kept in its own cookie); every POST must send it back, as a form
field or the ``X-CSRF-Token`` header.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from spinecare import i18n as texts
from spinecare.clinic.accounts import (
    SESSION_COOKIE as SESSION_COOKIE,  # the web pages' name for it
)
from spinecare.clinic.accounts import (
    cookie_name,
    cookie_token,
    cookie_value,
    login_for_token,
    sent_cookie,
    sign,
    signed,
)
from spinecare.clinic.limits import check_fields
from spinecare.clinic.models import CurrentUser
from spinecare.clinic.permissions import check_role
from spinecare.clinic.readers import reader_language
from spinecare.errors import SpinecareError, envelope
from spinecare.http_limits import HEAD_SCOPE_KEY
from spinecare.kb.loader import KB
from spinecare.messages import Message, Shown
from spinecare.settings import Settings, canonical_host
from spinecare.store.db import Database
from spinecare.web import i18n
from spinecare.wording import RoleNames

NONCE_COOKIE = "spinecare_csrf"
log = logging.getLogger("spinecare.web")
TEMPLATES = Jinja2Templates(
    directory=str(Path(str(resources.files("spinecare.web"))) / "templates")
)
TEMPLATES.env.add_extension("jinja2.ext.i18n")
TEMPLATES.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)
TEMPLATES.env.filters["tr"] = i18n.translate


def _sentence(text: Any) -> Any:
    """A message that follows a full stop on a page, begun with a capital letter (a
    message is written to stand inside a sentence: "select a FHIR Bundle to upload"); the
    product's name keeps its own spelling ("spinecare is not set up ...")."""
    if not isinstance(text, str) or not text or text.startswith("spinecare"):
        return text
    first = text[:1].upper()
    return Markup(first) + text[1:] if isinstance(text, Markup) else first + text[1:]


def _alone(text: Any) -> Any:
    """A message shown as a sentence of its own (an alert, an error page): begun as
    :func:`_sentence` begins it and ended with a full stop where it has no mark of its own
    ("Wrong user name or password.")."""
    if not isinstance(text, str) or not text:
        return text
    said = _sentence(text)
    return said if text.rstrip()[-1:] in ".!?:" else said + "."


TEMPLATES.env.filters["sentence"] = _sentence
TEMPLATES.env.filters["alone"] = _alone
TEMPLATES.env.filters["day"] = i18n.format_day
TEMPLATES.env.filters["born"] = i18n.format_born
TEMPLATES.env.filters["extract"] = lambda key, mapping: (
    mapping.get(key, key) if isinstance(key, str) else key
)


def _name(value: Any) -> Markup:
    """A person's or a clinic's name, or text from a record: shown as written, never
    translated (``translate="no"``)."""
    if value is None or value == "":
        return Markup("")
    return Markup('<span translate="no">{}</span>').format(value)


TEMPLATES.env.filters["name"] = _name
TEMPLATES.env.filters["asis"] = _name
"""Text from the patient's record (a diagnosis as the EHR wrote it): shown as written."""


def unit_words(unit: str | None) -> str:
    """A unit as people write it (``mm Hg``, ``°C``, ``/10``), never its UCUM code."""
    return texts.unit_text(unit, i18n.current())


def fact_value(value: Any, unit: str | None = None) -> str:
    """A recorded value in words: yes/no for an answer, a number as the reader's language
    writes it, with its unit in words; a text the app says (``yes, on a form not finished:
    confirm``) in the reader's language, an answer as the record wrote it (``not sure``)
    as written (``translate="no"``)."""
    if isinstance(value, bool | int | float):
        return texts.quantity(value, unit, i18n.current())
    if isinstance(value, Shown):  # a choice the KB names, in the reader's language
        return value.in_language(i18n.current())
    text: str = i18n.translate(str(value)) if texts.in_catalogue(str(value)) else _name(value)
    words = unit_words(unit)
    if not words:
        return text
    return text + (words if words.startswith("/") else " " + words)  # Markup stays Markup


def number(value: Any) -> str:
    """A number as the reader's language writes it (``2,5`` in Russian), never ``%g``'s
    ``1e+06``; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return texts.quantity(value, None, i18n.current())


def engine_note(note: Any) -> Markup:
    """A note the screening wrote beside a fact, in the reader's language; the record's own
    words it quotes (a code, the words matched, a status) shown as written
    (``translate="no"``)."""
    if isinstance(note, Message):
        return _marked(note, i18n.current())
    return _name(note)


def _marked(message: Message, lang: str) -> Markup:
    params: dict[str, Any] = {}
    for key, value in message.params.items():
        if isinstance(value, Message):
            params[key] = _marked(value, lang)
        elif isinstance(value, Shown):
            params[key] = escape(value.in_language(lang))
        elif isinstance(value, str):
            params[key] = _name(value)
        else:
            params[key] = escape(value)
    text = escape(texts.gettext(lang, message.msgid))
    return text % params if params else text


QUOTED = {
    "en": re.compile(r"(?<![\w'])'([^'\n]+?)'(?![\w'])"),
    "ru": re.compile(r"«([^«»\n]+)»"),
}
"""A record's own words as a text the screening wrote quotes them ('Тромбоциты (PLT)' in
English, «Platelet count» in Russian: the catalogue's quotes of each language)."""


def quoted_as_written(text: Any) -> Markup:
    """A text the screening wrote in the reader's language (why a measure is missing),
    with the record's words it quotes marked as written (``translate="no"``), as
    :func:`engine_note` marks them in a note: a Russian lab name on an English page is
    the record's, not the page's."""
    said = str(i18n.translate(text) if isinstance(text, Message) else text)
    quoted = QUOTED.get(i18n.current())
    if quoted is None:
        return escape(said)
    out, at = Markup(""), 0
    for m in quoted.finditer(said):
        out += escape(said[at : m.start(1)]) + _name(m.group(1))
        at = m.end(1)
    return out + escape(said[at:])


TEMPLATES.env.filters["unit"] = unit_words
TEMPLATES.env.filters["as_written"] = quoted_as_written
TEMPLATES.env.filters["role"] = lambda role: RoleNames(role).in_language(i18n.current())
TEMPLATES.env.filters["fact_value"] = fact_value
TEMPLATES.env.filters["number"] = number
TEMPLATES.env.filters["signed"] = lambda n: texts.signed(n, i18n.current())
TEMPLATES.env.filters["engine_note"] = engine_note
TEMPLATES.env.filters["times_a_week"] = lambda n: texts.times_a_week(n, i18n.current())
TEMPLATES.env.filters["sessions"] = lambda n: texts.sessions_count(n, i18n.current())


class LoginRequired(SpinecareError):
    code = "unauthorized"


SIGN_IN_FIRST = Message("sign in first")


class SessionIdle(LoginRequired):
    """The login session ended unused for its idle limit: a page goes to the sign-in page,
    which says so (``/login?idle=N``) and opens the page asked for once signed in."""

    def __init__(self, minutes: int) -> None:
        super().__init__(
            Message(
                "you were signed out after %(minutes)s min without activity; sign in again",
                minutes=minutes,
            )
        )
        self.minutes = minutes


class CsrfError(SpinecareError):
    code = "csrf_failed"


class PasswordChangeRequired(SpinecareError):
    """The user's password was reset: they must choose their own before anything else."""

    code = "password_change_required"


PASSWORD_PAGE = "/password"


class ServiceUnavailable(SpinecareError):
    code = "unavailable"


@dataclass
class WebState:
    settings: Settings
    db: Database
    _kb: KB | None = None

    def kb(self) -> KB:
        if self._kb is None:
            from spinecare.errors import KB_UNAVAILABLE, KnowledgeBaseError
            from spinecare.kb.loader import load_kb

            try:
                self._kb = load_kb()
            except KnowledgeBaseError as exc:
                # the problem names the KB's files: the operator's log says it, never a page
                log.error("the knowledge base cannot be loaded: %s", exc.one_line())
                raise ServiceUnavailable(Message(KB_UNAVAILABLE)) from None
        return self._kb


def state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


@contextmanager
def db_session(request: Request) -> Iterator[Session]:
    with state(request).db.session() as session:
        yield session


def session_token(request: Request) -> str | None:
    return cookie_token(state(request).settings.secret_key, sent_cookie(request, SESSION_COOKIE))


def session_cookie_value(request: Request, token: str) -> str:
    return cookie_value(state(request).settings.secret_key, token)


def set_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """Set spinecare's cookie ``name``: HttpOnly, ``SameSite=Lax``, for the whole site;
    where the deployment is HTTPS a ``__Host-`` cookie (:func:`cookie_name`), which is
    ``Secure`` and names no ``Domain``; ``Secure`` also outside development."""
    settings = state(request).settings
    response.set_cookie(
        cookie_name(name, settings),
        value,
        httponly=True,
        samesite="lax",
        path="/",
        secure=settings.https or not settings.development,
    )


def delete_cookie(request: Request, response: Response, name: str) -> None:
    """Remove spinecare's cookie ``name`` from the browser (under :func:`cookie_name`),
    with the attributes it was set with (a ``__Host-`` cookie is removed only so)."""
    settings = state(request).settings
    response.delete_cookie(
        cookie_name(name, settings),
        path="/",
        secure=settings.https or not settings.development,
        httponly=True,
        samesite="lax",
    )


def request_language(request: Request) -> str:
    """The page's language: the signed-in user's; before sign-in, the language switch's
    cookie, else the one the browser's ``Accept-Language`` prefers, else English (one
    rule with the JSON errors: :func:`spinecare.clinic.readers.reader_language`)."""
    return reader_language(request)


def optional_user(request: Request, session: Session) -> CurrentUser | None:
    """The signed-in user (kept for the page: its header names them), or None. A page
    opened or a form sent is the person's activity: it keeps the session from ending idle
    (:func:`spinecare.clinic.accounts.login_for_token`); a page's JSON twin read or a HEAD
    is not (a script, or a page left open that polls, would keep it alive). Where the
    session has just ended idle, ``request.state.idle_minutes`` says after how long."""
    token = session_token(request)
    if token is None:
        return None
    head = request.method == "HEAD" or bool(request.scope.get(HEAD_SCOPE_KEY))
    used = request.method == "POST" or not (head or wants_json(request))
    login = login_for_token(session, token, activity=used)
    if login.user is not None:
        request.state.user = login.user
    elif login.idle_minutes is not None:
        request.state.idle_minutes = login.idle_minutes
    return login.user


def ended_idle(request: Request) -> int | None:
    """The idle limit, in minutes, of the login session :func:`optional_user` found ended
    unused for it; None otherwise."""
    return getattr(request.state, "idle_minutes", None)


def require_user(request: Request, session: Session, *roles: str) -> CurrentUser:
    """The signed-in user (401 / login page if none; 403 if the role is not in ``roles``)."""
    user = optional_user(request, session)
    if user is None:
        minutes = ended_idle(request)
        raise LoginRequired(SIGN_IN_FIRST) if minutes is None else SessionIdle(minutes)
    if user.must_change_password and request.url.path != PASSWORD_PAGE:
        raise PasswordChangeRequired(
            Message(
                "your password was set by an administrator: choose your own first (%(page)s)",
                page=PASSWORD_PAGE,
            )
        )
    if roles:
        check_role(user, *roles)
    return user


def csrf_token(request: Request) -> str:
    secret = state(request).settings.secret_key
    token = session_token(request)
    if token is not None:
        return sign(secret, "csrf:" + token)
    nonce = sent_cookie(request, NONCE_COOKIE) or getattr(request.state, "nonce", None)
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        request.state.nonce = nonce
    return sign(secret, "csrf:anon:" + nonce)


async def check_csrf(request: Request, *, anonymous_ok: bool = False) -> dict[str, str]:
    """The submitted form fields, once the CSRF token checks out (else CsrfError, 403).

    Without a login session this is LoginRequired (401), except where ``anonymous_ok``
    (the login form)."""
    if not anonymous_ok and session_token(request) is None:
        raise LoginRequired(SIGN_IN_FIRST)
    form = await request.form()
    pairs = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    check_fields(pairs)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    sent = request.headers.get("x-csrf-token") or fields.get("csrf_token", "")
    if not sent or not signed(sent, csrf_token(request)):
        raise CsrfError(
            Message(
                "the form's security token is missing or out of date; "
                "reload the page and submit again"
            )
        )
    if not sent_from_own_page(request):
        raise CsrfError(FROM_ANOTHER_SITE)
    return fields


FROM_ANOTHER_SITE = Message(
    "this form was sent from a page of another site and is refused; open spinecare "
    "itself and fill in the form there"
)


SENT_FROM_OWN_PAGE = ("same-origin", "none")
"""The ``Sec-Fetch-Site`` of a form sent from a page of this site (or typed by the user)."""


def sent_from_own_page(request: Request) -> bool:
    """False for a form the browser says was sent from another site's page, one of the
    same site (``same-site``: another host under the hospital's domain) included.

    The token is an HMAC of the login, or before sign-in of the ``spinecare_csrf``
    cookie; a page on another host of the same domain can set that cookie in the
    visitor's browser (``Domain=hospital.example``) to a value whose token its author
    read from spinecare's own sign-in page, and so send a valid token: it would sign
    the clinician in to the author's account (login CSRF).

    Browsers say where a request comes from in ``Sec-Fetch-Site``. One that does not
    (older ones) still sends ``Origin`` with a form: a form whose ``Origin`` is neither
    the configured public address (``Settings.base_url``) nor the address the browser
    sent it to is refused, as is ``null`` (a sandboxed frame, a ``data:`` page: any page
    can send it). Only where the public address is configured: behind a reverse proxy
    the address the app sees (``http://internal:8000``) is not the one the browser sent
    the form to, and with the public address left at its default every form of such a
    browser would be refused. A browser that says neither is judged by the token alone."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site.strip().lower() in SENT_FROM_OWN_PAGE
    origin = request.headers.get("origin")
    if origin is None or not state(request).settings.base_url_configured:
        return True
    return origin_is_own(request, origin)


def origin_is_own(request: Request, origin: str) -> bool:
    """``origin`` (an ``Origin`` header) is spinecare's own: the configured public address
    (``Settings.base_url``, where it is configured) or the address the request was sent to;
    never ``null``."""
    settings = state(request).settings
    own = {_origin_of(str(request.url))}
    if settings.base_url_configured:
        own.add(_origin_of(settings.base_url))
    return _origin_of(origin) in own - {""}


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_of(url: str) -> str:
    """``scheme://host[:port]`` of ``url``, its host in the one form hosts are compared in
    (:func:`~spinecare.settings.canonical_host`: an internationalised public address
    as browsers write it in ``Origin``), without a default port; empty for anything else
    (``null`` included)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return ""
    host = canonical_host(parts.hostname or "")
    if parts.scheme not in _DEFAULT_PORTS or not host:
        return ""
    shown = "" if port in (None, _DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{host}{shown}"


def wants_json(request: Request) -> bool:
    if getattr(request.state, "json", False):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    data: Any,
    *,
    status: int = 200,
) -> Response:
    """The page, or its JSON twin ``data`` when JSON was asked for."""
    if wants_json(request):
        return JSONResponse(data, status_code=status)
    user = getattr(request.state, "user", None)
    lang = i18n.set_language(request_language(request))
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf": csrf_token(request),
            "today": date.today(),
            "lang": lang,
            "languages": i18n.LANGUAGES,
            **context,
        },
        status_code=status,
    )
    nonce = getattr(request.state, "nonce", None)
    if nonce is not None:
        set_cookie(request, response, NONCE_COOKIE, nonce)
    return response


def error_data(
    request: Request,
    status: int,
    code: str,
    message: str,
    fields: Mapping[str, str] | None = None,
    details: list[Any] | None = None,
) -> dict[str, Any]:
    """The one error envelope (:func:`spinecare.errors.envelope`) for a page's JSON twin,
    its message and each field's problem (``fields``: ``{"field", "message"}`` details) in
    the reader's language, as every other JSON error."""
    lang = reader_language(request)
    listed = [
        {"field": name, "message": texts.translate(problem, lang)}
        for name, problem in (fields or {}).items()
    ]
    return envelope(status, texts.translate(message, lang), code, [*listed, *(details or [])])


def safe_next(value: str | None) -> str | None:
    """``value`` when it is a path of this site (``/patients?q=x``), else None: never
    ``//host``, ``/\\host`` or a path with a control character, which browsers read as
    another site's address."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
    ):
        return None
    return value


def parse_int(value: str | None, default: int, low: int = 0, high: int = 10**9) -> int:
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        return default
    return max(low, min(high, number))
