"""Rate limits: a token bucket for each key (a client's address). A bucket holds up to
``burst`` requests and refills at ``per_second``; a request that finds it empty is told
how long to wait. Given the app's database, the buckets are kept there (table
``rate_buckets``, the key hashed), so that every server process on it counts the same
requests; without one, in the process.

Failed sign-ins are slowed down differently (:mod:`spinecare.clinic.logins`: a wait that
doubles with each failure, cleared by a success); a rate limit counts every request, the
good ones too, and forgets nothing but its own refill."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from spinecare.store.db import Database, insert_new
from spinecare.store.models import RateBucket

__all__ = ["RateLimit"]

MAX_KEYS = 10_000
"""Buckets kept before the full ones (quiet keys) are forgotten: the memory is bounded."""


@dataclass
class RateLimit:
    """Up to ``burst`` requests at once for each key, then ``per_second``."""

    burst: int
    per_second: float
    clock: Callable[[], float] = time.time
    db: Database | None = None
    """Where the buckets are kept (every server process on it shares them); None: here."""
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    """key -> (tokens, at): the tokens left at the moment ``at``."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str) -> float:
        """Count one request for ``key``: 0 when it may go on, else the seconds to wait
        (the request is then not counted)."""
        now = self.clock()
        if self.db is not None:
            with self.db.session() as session:
                return self._take_stored(session, hashlib.sha256(key.encode()).hexdigest(), now)
        with self._lock:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_full(now)
            tokens = self._tokens(key, now)
            if tokens < 1:
                return (1 - tokens) / self.per_second
            self._buckets[key] = (tokens - 1, now)
            return 0.0

    def _tokens(self, key: str, now: float) -> float:
        left, at = self._buckets.get(key, (float(self.burst), now))
        return self._refilled(left, at, now)

    def _refilled(self, left: float, at: float, now: float) -> float:
        return min(float(self.burst), left + (now - at) * self.per_second)

    def _take_stored(self, session: Session, key: str, now: float) -> float:
        """:meth:`take` on the bucket kept in the database: made full the first time (a
        write, so that on SQLite the transaction holds the write lock from there), read
        under a row lock (PostgreSQL), so that two servers take from it one after the
        other. Buckets full again are forgotten (they are as good as new): the table holds
        only the addresses of the last ``burst / per_second`` seconds."""
        session.execute(delete(RateBucket).where(RateBucket.at < now - self._full_after()))
        insert_new(session, RateBucket, "key", key=key, tokens=float(self.burst), at=now)
        left, at = session.execute(
            select(RateBucket.tokens, RateBucket.at).where(RateBucket.key == key).with_for_update()
        ).one()
        tokens = self._refilled(left, at, now)
        if tokens < 1:
            return (1 - tokens) / self.per_second
        session.execute(
            update(RateBucket).where(RateBucket.key == key).values(tokens=tokens - 1, at=now)
        )
        return 0.0

    def _full_after(self) -> float:
        """Seconds after which an emptied bucket is full again."""
        return self.burst / self.per_second

    def _forget_full(self, now: float) -> None:
        """Forget the keys whose bucket is full again; if that is not enough (requests
        from very many addresses at once), the half least recently seen."""
        full = [k for k in self._buckets if self._tokens(k, now) >= self.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= MAX_KEYS:
            by_age = sorted(self._buckets, key=lambda k: self._buckets[k][1])
            for key in by_age[: len(by_age) // 2]:
                del self._buckets[key]
