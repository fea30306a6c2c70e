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

The counters live in the server process (several server processes each keep their own).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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
from spinecare.store.errors import FormError
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


@dataclass
class _Counter:
    failures: int = 0
    until: float = 0.0
    seen: float = 0.0


@dataclass
class LoginThrottle:
    """Exponential backoff per account name and per client address."""

    clock: Callable[[], float] = time.monotonic
    _counters: dict[tuple[str, str], _Counter] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _keys(username: str, address: str | None) -> list[tuple[tuple[str, str], float]]:
        # the folded key: names that look the same (``Admin``, a Cyrillic ``а``) are one
        # account at sign-in, so they share one counter
        keys = [(("account", username_key(username)), ACCOUNT_CAP)]
        if address:
            keys.append((("address", address), ADDRESS_CAP))
        return keys

    def wait(self, username: str, address: str | None) -> float:
        """Seconds before another attempt for this name from this address (0: now)."""
        now = self.clock()
        with self._lock:
            waits = [
                counter.until - now
                for key, _cap in self._keys(username, address)
                if (counter := self._counters.get(key)) is not None
            ]
        return max([0.0, *waits])

    def failed(self, username: str, address: str | None) -> None:
        now = self.clock()
        with self._lock:
            self._forget_old(now)
            for key, cap in self._keys(username, address):
                counter = self._counters.setdefault(key, _Counter())
                if now - counter.seen > QUIET:  # quiet long enough: it starts again
                    counter.failures = 0
                counter.failures += 1
                counter.seen = now
                extra = counter.failures - FREE_FAILURES
                if extra >= 0:
                    counter.until = now + min(cap, 2.0**extra)
            if address:  # the failures of this account from this address (no wait of its own)
                pair = ("pair", f"{address}\n{username_key(username)}")
                counter = self._counters.setdefault(pair, _Counter())
                if now - counter.seen > QUIET:
                    counter.failures = 0
                counter.failures += 1
                counter.seen = now

    def forgive(self, username: str) -> None:
        """The account starts again from zero (an administrator set a new password)."""
        with self._lock:
            self._counters.pop(("account", username_key(username[:USERNAME_MAX])), None)

    def succeeded(self, username: str, address: str | None) -> None:
        """The account starts again from zero; its address forgets only the failures made
        for this account from it, so an account of one's own does not clear the address's
        guesses at other accounts."""
        account = username_key(username)
        with self._lock:
            self._counters.pop(("account", account), None)
            if not address:
                return
            own = self._counters.pop(("pair", f"{address}\n{account}"), None)
            counter = self._counters.get(("address", address))
            if counter is None or own is None:
                return
            counter.failures -= own.failures
            if counter.failures <= 0:
                del self._counters[("address", address)]
            elif counter.failures < FREE_FAILURES:
                counter.until = 0.0

    def _forget_old(self, now: float) -> None:
        """Counters quiet for :data:`QUIET` are forgotten (they start again from zero)."""
        if len(self._counters) < 10_000:
            return
        stale = [k for k, c in self._counters.items() if now - c.seen > QUIET]
        for key in stale:
            del self._counters[key]


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
    wait = throttle.wait(username, address)
    if wait > 0:
        burn_password_work(password)  # the same time as a real check
        record(session, None, "login_throttled", "user", username[:100], detail=address)
        return SignIn(None, max(1, math.ceil(wait)))
    try:
        user = authenticate(session, username, password)
    except PasswordExpired:  # the right password: no failure, but no sign-in
        return SignIn(None, expired=True)
    if user is None:
        throttle.failed(username, address)
    else:
        throttle.succeeded(username, address)
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
    wait = throttle.wait(user.username, address)
    if wait > 0:
        burn_password_work(current)  # the same time as a real check
        record(session, user, "login_throttled", "user", str(user.id), detail=address)
        return max(1, math.ceil(wait))
    try:
        change_password(session, user, current, new, repeat, token=token)
    except FormError as exc:
        if "current" in exc.errors:
            throttle.failed(user.username, address)
        raise
    throttle.succeeded(user.username, address)
    return 0
