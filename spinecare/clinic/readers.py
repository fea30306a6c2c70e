"""The language a request is answered in: pages, the app's JSON errors and the FHIR
API's OperationOutcomes say it the same way.

The signed-in user's own language comes first (the account's choice, else a patient's
record's: :func:`spinecare.clinic.accounts.current_user`), whether the request is signed
in with the login cookie or a personal API token, and also where no handler looked at
the user yet (an address that does not exist, a field refused before any handler runs).
Before sign-in: the language switch's cookie, else the one ``Accept-Language`` prefers,
else English.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request

from spinecare.i18n import SOURCE_LANGUAGE, accepted_language, language_of

__all__ = ["LANG_COOKIE", "reader_language", "sign_in_page_language", "signed_in_language"]

LANG_COOKIE = "spinecare_lang"
"""The language switch's cookie (pages before sign-in)."""

_LOOKED_UP = "signed_in_language"
"""The request state's attribute keeping what :func:`signed_in_language` found."""

log = logging.getLogger(__name__)


def signed_in_language(request: Request) -> str | None:
    """The language of the user ``request`` is signed in as (the user a handler found,
    else the live personal API token or login cookie it carries, looked up once a
    request), or None."""
    state: Any = request.state
    user = getattr(state, "user", None)
    if user is not None:
        return str(user.language)
    if hasattr(state, _LOOKED_UP):
        return getattr(state, _LOOKED_UP)  # type: ignore[no-any-return]
    language = _look_up(request)
    setattr(state, _LOOKED_UP, language)
    return language


def _look_up(request: Request) -> str | None:
    from spinecare.clinic.accounts import SESSION_COOKIE, cookie_token, sent_cookie, user_for_token
    from spinecare.clinic.tokens import token_user

    try:
        web = getattr(request.app.state, "web", None)
    except (AttributeError, KeyError):  # a request outside the app (its scope names none)
        return None
    if web is None:  # the standalone CDS Hooks service has no users
        return None
    header = request.headers.get("authorization")
    scheme, _, bearer = (header or "").strip().partition(" ")
    cookie = None if header is not None else sent_cookie(request, SESSION_COOKIE)
    token = (
        bearer.strip()
        if scheme.lower() == "bearer"
        else cookie_token(web.settings.secret_key, cookie)
        if cookie
        else None
    )
    if not token:
        return None
    try:
        with web.db.session() as session:
            user = (
                token_user(session, token) if header is not None else user_for_token(session, token)
            )
    except Exception:  # the answer is still given, in the language of the request's headers
        log.warning("the signed-in user's language could not be read", exc_info=True)
        return None
    return user.language if user is not None else None


def reader_language(request: Request) -> str:
    """The language to answer ``request`` in: the signed-in user's, else the language
    switch's cookie, else the one ``Accept-Language`` prefers, else English."""
    return signed_in_language(request) or sign_in_page_language(request) or SOURCE_LANGUAGE


def sign_in_page_language(request: Request) -> str | None:
    """The language the pages speak before sign-in: the language switch's cookie, else the
    one ``Accept-Language`` prefers; None for neither."""
    from spinecare.clinic.accounts import sent_cookie

    return language_of(sent_cookie(request, LANG_COOKIE)) or accepted_language(
        request.headers.get("accept-language")
    )
