"""The CDS Hooks service's state on the app (``app.state.cds``): settings, the JWT
verifier, the outbound address policy, the clinic's database and the feedback kept;
and the dependency that checks the EHR's JWT on each CDS Hooks call.

The routes (:mod:`spinecare.api.cds_hooks`, :mod:`spinecare.api.fhir_api`) read it;
the apps (:mod:`spinecare.api.cds_app`, :mod:`spinecare.app`) configure it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, HTTPException, Request

from spinecare.api.security import AuthError, JWTVerifier, expected_audiences, load_issuers
from spinecare.fhir.outbound import AddressPolicy
from spinecare.settings import Settings
from spinecare.store.db import Database

__all__ = [
    "CdsState",
    "answer_language",
    "cds_state",
    "configure_cds",
    "require_cds_jwt",
    "trusted_fhir_server",
]

log = logging.getLogger("spinecare.api.security")
audit_log = logging.getLogger("spinecare.audit")


@dataclass
class CdsState:
    """What the CDS Hooks routes need, kept on ``app.state.cds``."""

    settings: Settings
    verifier: JWTVerifier | None
    address_policy: AddressPolicy = field(default_factory=AddressPolicy)
    db: Database | None = None
    feedback: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=10_000))
    audit: Callable[[dict[str, Any]], None] | None = None

    def record(self, event: dict[str, Any]) -> None:
        """Keep an audit event (feedback): in memory, in the audit log, and in the store hook."""
        self.feedback.append(event)
        audit_log.info("cds-hooks %s", event)
        if self.audit is not None:
            self.audit(event)


def configure_cds(app: FastAPI, settings: Settings) -> CdsState:
    """Attach the CDS Hooks state (settings, JWT verifier, feedback store) to ``app``.

    The database is the app's (``app.state.db``), or opened from ``settings.db_url`` for
    the standalone service: it holds the JWT ids already seen (shared by every worker)
    and the patients' ids within EHRs that card links are made from."""
    from spinecare.clinic.ehr import seen_tokens
    from spinecare.store.db import open_database

    settings.validate()  # refuses the JWT check turned off outside development
    db = getattr(app.state, "db", None)
    if db is None:
        db = open_database(settings.db_url)
        app.router.on_shutdown.append(db.dispose)
    verifier = None
    if settings.cds_issuers:
        verifier = JWTVerifier(load_issuers(settings.cds_issuers), replay=seen_tokens(db))
    state = CdsState(
        settings=settings,
        verifier=verifier,
        address_policy=AddressPolicy.from_entries(settings.cds_fhir_allowed_hosts),
        db=db,
    )
    app.state.cds = state
    return state


def cds_state(app: Any) -> CdsState:
    """The app's CDS state; configured from the environment on first use if missing."""
    state = getattr(app.state, "cds", None)
    if state is None:
        state = configure_cds(app, Settings.from_env())
    return state  # type: ignore[no-any-return]


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def require_cds_jwt(request: Request) -> dict[str, Any] | None:
    """FastAPI dependency for CDS Hooks routes: the verified claims, or a bare 401.

    Skipped (returns None) only when ``Settings.cds_jwt_required`` is off, which the
    settings refuse outside development.
    """
    state = cds_state(request.app)
    if not state.settings.cds_jwt_required:
        return None
    token = _bearer(request)
    if token is None:
        log.debug("CDS Hooks call without a bearer token refused")
        raise HTTPException(status_code=401)
    if state.verifier is None:
        log.warning("CDS Hooks call refused: no issuers configured (SPINECARE_CDS_ISSUERS)")
        raise HTTPException(status_code=401)
    try:
        return await state.verifier.verify(
            token, expected_audiences(request, state.settings.base_url)
        )
    except AuthError as exc:
        log.debug("CDS Hooks JWT refused: %s", exc)
        raise HTTPException(status_code=401) from None


def trusted_fhir_server(state: CdsState, claims: Any, server: Any) -> bool:
    """Whether a call may name ``server`` as its ``fhirServer``: one listed under its JWT
    issuer's ``fhir_servers`` in the issuers file (the call's access token is sent there,
    and the data read from it decides the card). With the JWT check off (development
    only) there is no issuer to ask, and any server the address policy allows is read."""
    if not isinstance(server, str) or not server:
        return False
    if "?" in server or "#" in server:
        return False  # a base URL has neither a query nor a fragment: searches follow it
    if claims is None:
        return True
    from spinecare.clinic.ehr import ehr_name

    issuer = state.verifier.issuers.get(claims.get("iss")) if state.verifier else None
    if issuer is None:
        return False
    return ehr_name(server) in {ehr_name(listed) for listed in issuer.fhir_servers}


def answer_language(request: Request, lang: str | None) -> str:
    """The language of a REST or FHIR answer: its ``lang`` query parameter where one is
    given (checked by the endpoint), else the one its errors are said in
    (:func:`spinecare.clinic.readers.reader_language`: the signed-in user's, the language
    switch's cookie, ``Accept-Language``, English): a result and an error of the same
    request speak one language."""
    if lang is not None:
        return lang
    from spinecare.clinic.readers import reader_language

    return reader_language(request)
