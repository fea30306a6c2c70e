"""Signing in: the password check, slowed down after failures instead of locking out.

Each failed sign-in adds to two counters, one for the account name (known or not; names
that look the same count as one, :mod:`spinecare.store.usernames`) and
one for the client's address. After :data:`FREE_FAILURES` failures a counter asks for a
wait that doubles with each further failure: from 1 second up to :data:`ACCOUNT_CAP`
for an account (so nobody can keep its owner out for longer than that) and
:data:`ADDRESS_CAP` for an address (one guesser). A successful sign-in clears the
account's counter and takes off its address's counter the failures made for that account
from that address (a typo before the right password), not those made for others. An
attempt during the wait is answered "try again in N seconds" (429) without checking the
password, but the password is still hashed, so every answer takes the same time whatever
the account's state (unknown, deactivated, slowed down or not). A counter with no failure
for :data:`QUIET` (30 minutes) starts again from zero.

The counters live in the database (table ``login_failures``): every server process on it
counts the same failures, and a server started again goes on counting them.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from spinecare.clinic.accounts import (
    USERNAME_MAX,
    PasswordExpired,
    authenticate,
    burn_password_work,
    change_password,
    current_user,
)
from spinecare.clinic.audit import record
from spinecare.clinic.models import CurrentUser
from spinecare.clinic.permissions import acting
from spinecare.store.db import Database, insert_new, prune
from spinecare.store.errors import FormError
from spinecare.store.models import LoginFailure
from spinecare.store.usernames import username_key

__all__ = [
    "ACCOUNT_CAP",
    "ADDRESS_CAP",
    "FREE_FAILURES",
    "LoginThrottle",
    "SignIn",
    "change_own_password",
    "sign_in",
]

FREE_FAILURES = 3
"""Failures in a row allowed without a wait."""
ACCOUNT_CAP = 60.0
"""The longest wait, in seconds, for an account name."""
ADDRESS_CAP = 900.0
"""The longest wait, in seconds, for one client address."""
QUIET = 2 * ADDRESS_CAP
"""Seconds without a failure after which a counter starts again from zero (the failures of
a clinic's staff behind one address do not add up over a day)."""


MAX_COUNTERS = 100_000
"""Counters kept at most: past it the least recently failed are forgotten. Counters quiet
for :data:`QUIET` are forgotten anyway, and each failure costs a password hash, so it is
reached only by hashing faster than a server does."""


def _key(kind: str, value: str) -> str:
    """The stored key of a counter: a hash, so that no typed name is kept."""
    return hashlib.sha256(f"{kind}\n{value}".encode()).hexdigest()


@dataclass
class LoginThrottle:
    """Exponential backoff per account name and per client address, counted in the
    database ``db`` (table ``login_failures``), which every server process on it shares
    and a restart keeps. ``db`` is the app's (given when the app makes its throttle)."""

    db: Database | None = None
    clock: Callable[[], float] = time.time

    @contextmanager
    def _session(self, session: Session | None) -> Iterator[Session]:
        """``session`` (the request's: its counters are written with its sign-in, and on
        SQLite a second connection would wait for its write lock), else one of its own."""
        if session is not None:
            yield session
            return
        if self.db is None:
            raise RuntimeError("the sign-in throttle has no database")
        with self.db.session() as own:
            yield own

    @staticmethod
    def _keys(username: str, address: str | None) -> list[tuple[str, float]]:
        # the folded key: names that look the same (``Admin``, a Cyrillic ``а``) are one
        # account at sign-in, so they share one counter
        keys = [(_key("account", username_key(username)), ACCOUNT_CAP)]
        if address:
            keys.append((_key("address", address), ADDRESS_CAP))
        return keys

    @staticmethod
    def _pair(username: str, address: str) -> str:
        return _key("pair", f"{address}\n{username_key(username)}")

    def wait(self, username: str, address: str | None, session: Session | None = None) -> float:
        """Seconds before another attempt for this name from this address (0: now)."""
        now = self.clock()
        keys = [key for key, _cap in self._keys(username, address)]
        with self._session(session) as session:
            until = session.scalar(
                select(func.max(LoginFailure.until)).where(LoginFailure.key.in_(keys))
            )
        return max(0.0, (until or 0.0) - now)

    def failed(self, username: str, address: str | None, session: Session | None = None) -> None:
        now = self.clock()
        counted = [*self._keys(username, address)]
        if address:  # the failures of this account from this address (no wait of its own)
            counted.append((self._pair(username, address), 0.0))
        with self._session(session) as session:
            self._forget_old(session, now)
            for key, cap in counted:
                failures = _count(session, key, now)
                extra = failures - FREE_FAILURES
                if cap and extra >= 0:
                    session.execute(
                        update(LoginFailure)
                        .where(LoginFailure.key == key)
                        .values(until=now + min(cap, 2.0 ** min(extra, 64)))
                    )

    def forgive(self, username: str, session: Session | None = None) -> None:
        """The account starts again from zero (an administrator set a new password)."""
        account = _key("account", username_key(username[:USERNAME_MAX]))
        with self._session(session) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.key == account))

    def succeeded(self, username: str, address: str | None, session: Session | None = None) -> None:
        """The account starts again from zero; its address forgets only the failures made
        for this account from it, so an account of one's own does not clear the address's
        guesses at other accounts."""
        account = _key("account", username_key(username))
        with self._session(session) as session:
            session.execute(delete(LoginFailure).where(LoginFailure.key == account))
            if not address:
                return
            own = session.scalar(
                delete(LoginFailure)
                .where(LoginFailure.key == self._pair(username, address))
                .returning(LoginFailure.failures)
            )
            if not own:
                return
            key = _key("address", address)
            left = session.scalar(
                update(LoginFailure)
                .where(LoginFailure.key == key)
                .values(failures=LoginFailure.failures - own)
                .returning(LoginFailure.failures)
            )
            if left is None:
                return
            if left <= 0:
                session.execute(delete(LoginFailure).where(LoginFailure.key == key))
            elif left < FREE_FAILURES:
                session.execute(
                    update(LoginFailure).where(LoginFailure.key == key).values(until=0.0)
                )

    @staticmethod
    def _forget_old(session: Session, now: float) -> None:
        """Counters quiet for :data:`QUIET` are forgotten (they start again from zero; their
        wait, at most :data:`ADDRESS_CAP`, is over); past :data:`MAX_COUNTERS`, the least
        recently failed too."""
        prune(session, LoginFailure.key, LoginFailure.seen, now - QUIET, MAX_COUNTERS)


def _count(session: Session, key: str, now: float) -> int:
    """One more failure on the counter ``key`` (made at zero the first time, and started
    again from zero after :data:`QUIET` without one), in one statement that another server
    counting the same key at the same moment waits for: its count."""
    stored = session.scalar(
        update(LoginFailure)
        .where(LoginFailure.key == key)
        .values(
            failures=case((LoginFailure.seen < now - QUIET, 1), else_=LoginFailure.failures + 1),
            seen=now,
        )
        .returning(LoginFailure.failures)
    )
    if stored is not None:
        return int(stored)
    if insert_new(session, LoginFailure, "key", key=key, failures=1, until=0.0, seen=now):
        return 1
    return _count(session, key, now)  # another server made it meanwhile


@dataclass(frozen=True)
class SignIn:
    """The outcome: the user, or None with the seconds to wait (0: just wrong), or that
    the right one-time password was used already or has expired (``expired``)."""

    user: CurrentUser | None
    retry_after: int = 0
    expired: bool = False


def sign_in(
    session: Session,
    throttle: LoginThrottle,
    username: str,
    password: str,
    address: str | None,
) -> SignIn:
    """Check a sign-in (CPU-heavy: the password hash; run it off the event loop).

    A name longer than any account's is cut to that length first: no account has it, and
    its folding (a character that stands for eighteen) is never done on more."""
    username = username[:USERNAME_MAX]
    wait = throttle.wait(username, address, session)
    if wait > 0:
        burn_password_work(password)  # the same time as a real check
        record(session, None, "login_throttled", "user", username[:100], detail=address)
        return SignIn(None, max(1, math.ceil(wait)))
    try:
        user = authenticate(session, username, password)
    except PasswordExpired:  # the right password: no failure, but no sign-in
        return SignIn(None, expired=True)
    if user is None:
        throttle.failed(username, address, session)
    else:
        throttle.succeeded(username, address, session)
        return SignIn(current_user(session, user))
    return SignIn(None)


def change_own_password(
    session: Session,
    throttle: LoginThrottle,
    who: CurrentUser,
    current: str,
    new: str,
    repeat: str,
    *,
    token: str | None,
    address: str | None,
) -> int:
    """The user's own new password (CPU-heavy: run it off the event loop): 0 when
    changed, else the seconds to wait. A wrong current password counts as a failed
    sign-in of the account and the address, so a borrowed session cannot guess the
    password faster than the sign-in page allows; :class:`FormError` for wrong input."""
    user = acting(session, who)
    wait = throttle.wait(user.username, address, session)
    if wait > 0:
        burn_password_work(current)  # the same time as a real check
        record(session, user, "login_throttled", "user", str(user.id), detail=address)
        return max(1, math.ceil(wait))
    try:
        change_password(session, user, current, new, repeat, token=token)
    except FormError as exc:
        if "current" in exc.errors:
            throttle.failed(user.username, address, session)
        raise
    throttle.succeeded(user.username, address, session)
    return 0
