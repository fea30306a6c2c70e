"""SMART App Launch: an EHR opens spinecare on the patient in its chart.

- ``GET /launch?iss=...&launch=...`` (EHR launch) or ``GET /launch?iss=...`` (standalone
  launch): ``iss`` must be an EHR of ``Settings.smart_ehrs``; spinecare reads its SMART
  configuration (kept for :data:`DISCOVERY_TTL`), keeps the ``state`` and PKCE verifier
  (table ``smart_launches``) and sends the browser to the EHR's authorisation endpoint.
- ``GET /launch/callback?code=...&state=...``: the EHR's answer. The state is used once;
  the code is exchanged (with the PKCE verifier) for the access token, the patient in
  context and the EHR user (``fhirUser`` from the verified ``id_token``), mapped to a
  clinic account by the EHR's ``users``. The patient's record is read from the EHR's
  FHIR server with the same searches and reader as the CDS Hooks service, stored as an
  intake of the clinic's patient with that EHR id (a new patient the first time) with
  the kinds of record the EHR did not give (named under "Not read" on the pages built
  from it: :func:`spinecare.store.records.not_read_of`), and the browser is signed in as
  that account and sent to the patient's screening page.

Launches are limited per client address and in all (:mod:`spinecare.clinic.launches`):
over the limit, 429 with ``Retry-After``. A launch with an unknown ``iss``, a bad or
reused ``state``, an EHR refusal, a token without patient context or an EHR user without
a clinic account shows a page saying so and stores nothing.

Framing: the session a launch starts lives in two cookies made for an EHR's frame
(``SameSite=None; Secure; Partitioned``, see docs/security.md): the login and a
``spinecare_launch`` cookie tying that login to the EHR it came from. Pages answered to
such a session carry ``frame-ancestors`` with that EHR's ``frame_origins`` and no
``X-Frame-Options`` (:class:`LaunchFraming`); every other answer keeps
``frame-ancestors 'none'``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spinecare import messages
from spinecare.clinic import AccessDenied
from spinecare.clinic.accounts import cookie_name, sent_cookie, sign, signed
from spinecare.clinic.rates import RateLimit
from spinecare.fhir.smart import (
    LaunchError,
    SmartEhr,
    SmartEndpoints,
    authorize_url,
    discover,
    exchange_code,
    load_smart_ehrs,
    new_code_verifier,
    unreadable_types,
    user_reference,
)
from spinecare.record.model import RECORD_PAGED_UNCOUNTED, Ignored, PatientRecord
from spinecare.settings import Settings
from spinecare.web import deps
from spinecare.web.deps import SESSION_COOKIE, db_session, session_cookie_value
from spinecare.web.i18n import Text
from spinecare.wording import FHIR_WORDS, WordNames

__all__ = ["LaunchFraming", "router"]

log = logging.getLogger("spinecare.web.smart")

LAUNCH_TTL = timedelta(minutes=10)
DISCOVERY_TTL = 300.0
"""Seconds an EHR's SMART configuration is kept before it is read again."""
LAUNCH_COOKIE = "spinecare_launch"
STATE_COOKIE = "spinecare_launch_state"
"""Ties a launch's ``state`` to the browser that started it: a callback address taken
to another browser (to sign its user in as someone else) is refused there."""
LAUNCH_PATHS = ("/launch", "/launch/callback")
FRAME_EHR = "smart_frame_ehr"
NOT_SET_UP = Text("spinecare is not set up to be opened from this EHR")
"""The key under which a launch handler notes its EHR in the request's state."""
NOT_PAGES = ("/api/", "/cds-services", "/fhir/", "/static/", "/docs", "/openapi.json")

router = APIRouter(tags=["SMART App Launch"])


def read_ehrs(settings: Settings) -> dict[str, SmartEhr]:
    """The EHRs file (``Settings.smart_ehrs``), read as the app starts (``app.state``): a
    file that cannot be used stops the start with :class:`~spinecare.errors.InputError`
    naming the problem, never the first launch of an EHR."""
    return load_smart_ehrs(settings.smart_ehrs) if settings.smart_ehrs else {}


def _ehrs(request: Request) -> dict[str, SmartEhr]:
    return getattr(request.app.state, "smart_ehrs", None) or {}


def _redirect_uri(request: Request) -> str:
    return deps.state(request).settings.base_url.rstrip("/") + "/launch/callback"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _launch_rate(request: Request) -> RateLimit:
    """The app's one limit of launches per client address."""
    from spinecare.clinic.launches import launch_rate

    rate = getattr(request.app.state, "launch_rate", None)
    if rate is None:
        rate = request.app.state.launch_rate = launch_rate()
    return rate  # type: ignore[no-any-return]


async def _endpoints(request: Request, ehr: SmartEhr) -> SmartEndpoints:
    """The EHR's SMART configuration, read again at most every :data:`DISCOVERY_TTL`
    seconds (a launch, or a flood of them, does not ask the EHR each time)."""
    cache: dict[str, tuple[float, SmartEndpoints]] | None = getattr(
        request.app.state, "smart_endpoints", None
    )
    if cache is None:
        cache = request.app.state.smart_endpoints = {}
    now = time.monotonic()
    cached = cache.get(ehr.iss)
    if cached is not None and now - cached[0] < DISCOVERY_TTL:
        return cached[1]
    endpoints = await discover(ehr)  # a configuration that cannot be read is not kept
    cache[ehr.iss] = (now, endpoints)
    return endpoints


@router.get("/launch", summary="SMART App Launch (EHR or standalone)")
async def launch(request: Request, iss: str = "", launch: str | None = None) -> Response:
    from spinecare.clinic.audit import client_address
    from spinecare.clinic.launches import begin_launch, check_launch_rate

    check_launch_rate(_launch_rate(request), client_address.get())
    ehr = _ehrs(request).get(iss.strip().rstrip("/"))
    if ehr is None:
        raise LaunchError(NOT_SET_UP)
    setattr(request.state, FRAME_EHR, ehr.iss)
    endpoints = await _endpoints(request, ehr)
    verifier = new_code_verifier()
    launch_state = secrets.token_urlsafe(32)
    moment = datetime.now(UTC)
    with db_session(request) as session:
        begin_launch(
            session,
            state_hash=_hash(launch_state),
            iss=ehr.iss,
            verifier=verifier,
            moment=moment,
            ttl=LAUNCH_TTL,
        )
    target = authorize_url(
        ehr,
        endpoints,
        redirect_uri=_redirect_uri(request),
        state=launch_state,
        verifier=verifier,
        launch=launch,
        nonce=_nonce(request, launch_state),
        aud=iss.strip(),
    )
    response = RedirectResponse(target, status_code=302)
    secret = deps.state(request).settings.secret_key
    _append_cookie(
        request,
        response,
        STATE_COOKIE,
        sign(secret, f"state:{launch_state}"),
        path="/launch/callback",
        max_age=int(LAUNCH_TTL.total_seconds()),
    )
    return response


def _record_parts(kinds: list[str]) -> WordNames:
    """Kinds of record (FHIR resource types) as a message names them, in the reader's words."""
    return WordNames({kind: FHIR_WORDS.get(kind, kind) for kind in kinds})


def _nonce(request: Request, launch_state: str) -> str:
    """The OpenID Connect ``nonce`` of a launch: made from its ``state`` with the app's
    secret, so it is one per launch, unguessable, and tied to the browser as the state
    is; the ``id_token`` must carry it back."""
    return sign(deps.state(request).settings.secret_key, f"nonce:{launch_state}")


def _check_browser(request: Request, launch_state: str) -> None:
    """The callback comes to the browser that started the launch (its state cookie)."""
    secret = deps.state(request).settings.secret_key
    sent = sent_cookie(request, STATE_COOKIE) or ""
    if not launch_state or not signed(sent, sign(secret, f"state:{launch_state}")):
        raise LaunchError(
            Text(
                "this launch was started in another browser or window; open spinecare from "
                "the EHR again"
            )
        )


def _take_launch(request: Request, launch_state: str) -> tuple[str, str]:
    """The EHR and PKCE verifier of this state, removed (a state is used once)."""
    from spinecare.clinic.launches import take_launch

    with db_session(request) as session:
        found = take_launch(session, _hash(launch_state)) if launch_state else None
        if found is None:
            raise LaunchError(
                Text(
                    "this launch is not known or was already used; open spinecare from the "
                    "EHR again"
                )
            )
    iss, verifier, created = found
    if datetime.now(UTC) - created > LAUNCH_TTL:
        raise LaunchError(Text("this launch has expired; open spinecare from the EHR again"))
    return iss, verifier


@router.get("/launch/callback", summary="SMART App Launch: the EHR's answer")
async def callback(
    request: Request,
    code: str = "",
    launch_state: str = Query("", alias="state"),
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    from urllib.parse import urlsplit

    from spinecare.fhir.outbound import AddressPolicy
    from spinecare.fhir.prefetch import (
        OPTIONAL_KEYS,
        PrefetchUnavailable,
        failed_outcomes,
        kb_templates,
        partly_read,
        resolve_prefetch,
        template_kind,
        unread_kinds,
    )

    _check_browser(request, launch_state)
    iss, verifier = _take_launch(request, launch_state)
    setattr(request.state, FRAME_EHR, iss)
    if error is not None:
        raise LaunchError(
            Text(
                "the EHR did not let spinecare open: %(reason)s",
                reason=error_description or error,
            )
        )
    if not code:
        raise LaunchError(Text("the EHR's answer has no authorisation code"))
    ehr = _ehrs(request).get(iss)
    if ehr is None:
        raise LaunchError(NOT_SET_UP)
    endpoints = await _endpoints(request, ehr)
    token = await exchange_code(
        ehr,
        endpoints,
        code=code,
        redirect_uri=_redirect_uri(request),
        verifier=verifier,
        nonce=_nonce(request, launch_state),
    )
    username = ehr.users.get(user_reference(token.fhir_user))
    if username is None:
        from spinecare.clinic.launches import NOT_LINKED

        raise AccessDenied(NOT_LINKED)
    kb = deps.state(request).kb()
    templates = kb_templates(kb)
    # the kinds many EHRs do not offer are read where the grant allows, else not read
    required = [t for key, t in templates.items() if key not in OPTIONAL_KEYS]
    unreadable = unreadable_types(token.scope, required)
    if unreadable:
        raise LaunchError(
            Text(
                "the EHR did not let spinecare read all of the patient's record it needs "
                "(%(parts)s), which would look as if nothing were recorded; ask the EHR's "
                "administrator to allow it",
                parts=_record_parts(unreadable),
            )
        )
    # the EHR's own FHIR server, configured by the clinic: its host is allowed
    policy = AddressPolicy.from_entries([urlsplit(ehr.iss).hostname or ""])
    request_data = {
        "fhirServer": ehr.iss,
        "fhirAuthorization": {"access_token": token.access_token},
    }
    # an optional kind the grant does not let spinecare search in full could answer
    # empty, as if nothing were recorded: not asked, and named as not read
    ungranted = set(unreadable_types(token.scope, templates.values()))
    wanted = {
        key: t
        for key, t in templates.items()
        if key not in OPTIONAL_KEYS or template_kind(t) not in ungranted
    }
    try:
        values = await resolve_prefetch(request_data, {"patientId": token.patient}, wanted, policy)
    except PrefetchUnavailable as exc:
        raise LaunchError(
            Text(
                "the patient's record cannot be read from the EHR (%(reason)s)",
                reason=exc.message,
            )
        ) from None
    # a kind many EHRs do not offer that the EHR could not give is not read (as for a CDS
    # Hooks card); an error in place of any other part would look as if nothing were
    # recorded there
    not_read = unread_kinds(values, templates)
    failed = sorted({template_kind(templates[key]) for key in failed_outcomes(values)})
    if failed:
        raise LaunchError(
            Text(
                "the EHR answered with an error instead of part of the patient's record "
                "(%(parts)s), which would look as if nothing were recorded there; try again, "
                "or ask the EHR's administrator",
                parts=_record_parts(failed),
            )
        )
    # a search whose next pages were not read (on another host, past the pages read at
    # most): the record is read in part, said on the pages as not read, and is never
    # screened as whole (spinecare.fhir.prefetch.screened_in_part)
    partly = partly_read(values, wanted)
    record = await _read_record(values, token.patient, kb, ehr.iss)
    if partly:
        record.ignored.append(Ignored("Bundle", messages.Message(RECORD_PAGED_UNCOUNTED)))
        not_read = list(dict.fromkeys([*not_read, *partly]))
    patient_id, session_token = _open_patient(
        request, ehr, username, record, token.patient, not_read
    )
    response = RedirectResponse(f"/patients/{patient_id}/screening", status_code=303)
    _set_launch_cookies(request, response, session_token, ehr)
    return response


def _set_launch_cookies(
    request: Request, response: Response, session_token: str, ehr: SmartEhr
) -> None:
    """The launch's login, usable inside the EHR's frame: ``SameSite=None`` (a frame in
    another site's page is a cross-site context, where a ``Lax`` cookie is not sent),
    ``Secure`` (which ``None`` requires) and ``Partitioned`` (CHIPS: kept apart for each
    top-level site, so the login made in the EHR's frame is sent only under that EHR's
    pages, and works where third-party cookies are blocked). The ordinary sign-in cookie
    of this browser, if any, is removed so that one login is sent."""
    secret = deps.state(request).settings.secret_key
    deps.delete_cookie(request, response, SESSION_COOKIE)
    values = {
        SESSION_COOKIE: session_cookie_value(request, session_token),
        LAUNCH_COOKIE: _launch_cookie(secret, session_token, ehr.iss),
    }
    for name, value in values.items():
        _append_cookie(request, response, name, value)
    _append_cookie(  # used
        request, response, STATE_COOKIE, "", path="/launch/callback", max_age=0
    )


def _append_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    path: str = "/",
    max_age: int | None = None,
) -> None:
    """A cookie for the EHR's frame: ``SameSite=None; Secure; HttpOnly; Partitioned``;
    over HTTPS a ``__Host-`` cookie (:func:`~spinecare.clinic.accounts.cookie_name`),
    which must be for the whole site (``Path=/``)."""
    settings = deps.state(request).settings
    named = cookie_name(name, settings)
    if named != name:
        path = "/"
    cookie: SimpleCookie = SimpleCookie()
    cookie[named] = value
    for attribute, setting in (("path", path), ("samesite", "None")):
        cookie[named][attribute] = setting
    if max_age is not None:
        cookie[named]["max-age"] = max_age
    cookie[named]["secure"] = cookie[named]["httponly"] = True
    # Partitioned is written by hand: Python's cookies know it from 3.14 on
    response.headers.append("set-cookie", cookie.output(header="").strip() + "; Partitioned")


def _launch_cookie(secret: str, session_token: str, iss: str) -> str:
    encoded = base64.urlsafe_b64encode(iss.encode()).decode().rstrip("=")
    return f"{encoded}.{sign(secret, f'launch:{session_token}:{iss}')}"


def _launched_from(request: Request) -> str | None:
    """The EHR whose launch started this request's login, when the launch cookie is
    genuine and belongs to that login."""
    raw = sent_cookie(request, LAUNCH_COOKIE) or ""
    token = deps.session_token(request) if "." in raw else None
    if token is None:
        return None
    encoded, signature = raw.rsplit(".", 1)
    try:
        iss = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except ValueError:  # not base64 (binascii.Error), not ASCII, not UTF-8: not ours
        return None
    expected = sign(deps.state(request).settings.secret_key, f"launch:{token}:{iss}")
    return iss if signed(signature, expected) else None


def frame_origins(request: Request) -> tuple[str, ...]:
    """The origins that may frame the answer to ``request``: on the launch itself, the
    EHR it names (or, before that is known, every configured EHR: the answer is then a
    redirect or a page saying what went wrong); elsewhere the EHR whose launch started
    the login. None for everything else."""
    ehrs = _ehrs(request)
    if request.url.path in LAUNCH_PATHS:
        known = ehrs.get(getattr(request.state, FRAME_EHR, None) or "")
        if known is not None:
            return known.frame_origins
        return tuple(dict.fromkeys(o for ehr in ehrs.values() for o in ehr.frame_origins))
    launched = ehrs.get(_launched_from(request) or "") if ehrs else None
    return launched.frame_origins if launched is not None else ()


def allow_framing(
    headers: list[tuple[bytes, bytes]], origins: tuple[str, ...]
) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``frame-ancestors`` naming ``origins`` instead of ``'none'``, and
    without ``X-Frame-Options`` (which can name no allow-list)."""
    allowed = b"frame-ancestors " + " ".join(origins).encode()
    out = []
    for name, value in headers:
        key = name.lower()
        if key == b"x-frame-options":
            continue
        if key == b"content-security-policy":
            value = value.replace(b"frame-ancestors 'none'", allowed)
        out.append((name, value))
    return out


class LaunchFraming:
    """Lets the EHR a page was reached from show it in a frame (:func:`frame_origins`).
    Installed outside the middleware that adds the security headers, so it sees them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope["path"]).startswith(NOT_PAGES):
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})

        async def send_framed(message: Message) -> None:
            if message["type"] == "http.response.start":
                origins = frame_origins(Request(scope))
                if origins:
                    headers = allow_framing(list(message.get("headers", [])), origins)
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_framed)


async def _read_record(values: Any, ehr_patient: str, kb: Any, iss: str) -> PatientRecord:
    """The record read from what the EHR gave; one that holds another patient's data, or
    that cannot be read, is refused in the launch's words (the log says what it was)."""
    from spinecare.clinic.workers import run_heavy
    from spinecare.fhir.prefetch import OTHER_PATIENT, CdsRequestError, build_record

    try:
        record: PatientRecord = await run_heavy(
            build_record, values, ehr_patient, kb, f"smart-launch:{iss}"
        )
    except CdsRequestError as exc:
        log.warning("SMART launch from %s: %s", iss, exc.message)
        if getattr(exc.message, "msgid", "") in OTHER_PATIENT:
            raise LaunchError(
                Text(
                    "the EHR sent part of another patient's record with this patient's; "
                    "nothing was stored. Open spinecare from the EHR again, or ask the EHR's "
                    "administrator"
                )
            ) from None
        raise LaunchError(
            Text(
                "the EHR sent the patient's record in a form spinecare cannot read; nothing "
                "was stored. Ask the EHR's administrator"
            )
        ) from None
    return record


def _open_patient(
    request: Request,
    ehr: SmartEhr,
    username: str,
    record: PatientRecord,
    ehr_patient: str,
    not_read: list[str],
) -> tuple[int, str]:
    """Store the record for the clinic's patient with this EHR id (never one that merely
    shares the number), with the kinds of record the EHR did not give, and start a
    session for the user."""
    from spinecare.clinic.launches import AnotherEhrPatient, open_ehr_patient

    try:
        with db_session(request) as session:
            return open_ehr_patient(
                session,
                clinic=ehr.clinic,
                iss=ehr.iss,
                username=username,
                record=record,
                ehr_patient=ehr_patient,
                not_read=not_read,
                idle=deps.state(request).settings.session_idle,
                replacing=deps.session_token(request),
            )
    except AnotherEhrPatient as exc:
        request.state.actor = exc.actor  # the refusal is recorded for the EHR user's account
        raise
