"""Personal API tokens: ``Authorization: Bearer spc_...`` for the REST API's clinic routes.

A token is a long-lived login session of its user: a row of ``login_sessions`` (the table
of the web app's sign-ins) holding only the token's SHA-256 hash, so no migration is
needed, a token is checked exactly like a session cookie's token (expiry, active user),
and deleting the row revokes it. Tokens start with :data:`PREFIX`; the REST API accepts
as Bearer tokens only those, never a web session's token. ``spinecare user token
USERNAME`` issues one (shown once) and ``--revoke TOKEN`` ends it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from spinecare.clinic.accounts import user_for_token
from spinecare.clinic.audit import record as audit
from spinecare.clinic.models import CurrentUser
from spinecare.store.models import LoginSession

__all__ = ["DEFAULT_DAYS", "MAX_DAYS", "PREFIX", "issue_token", "revoke_token", "token_user"]

PREFIX = "spc_"
DEFAULT_DAYS = 90
MAX_DAYS = 365


def _digest(token: str) -> str:
    # the same hash as spinecare.clinic.accounts keeps for login sessions
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: CurrentUser, days: int = DEFAULT_DAYS) -> str:
    """A new personal API token for ``user``, valid ``days`` days (1 to :data:`MAX_DAYS`)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    token = PREFIX + secrets.token_urlsafe(32)
    moment = datetime.now(UTC)
    session.add(
        LoginSession(
            token_hash=_digest(token),
            user_id=user.id,
            created_at=moment,
            expires_at=moment + timedelta(days=days),
        )
    )
    session.flush()
    audit(session, user, "api_token", "user", str(user.id), detail=f"issued, {days} days")
    return token


def revoke_token(session: Session, token: str) -> bool:
    """End a personal API token; False if it was not a live token."""
    if not token.startswith(PREFIX):
        return False
    user = user_for_token(session, token)
    result = session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(token)))
    if user is not None:
        audit(session, user, "api_token", "user", str(user.id), detail="revoked")
    return bool(getattr(result, "rowcount", 0))


def token_user(session: Session, token: str) -> CurrentUser | None:
    """The active user of a live personal API token, else None."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    return user_for_token(session, token)
