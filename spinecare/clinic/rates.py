"""Rate limits kept in the server process: a token bucket for each key (a client's
address). A bucket holds up to ``burst`` requests and refills at ``per_second``; a request
that finds it empty is told how long to wait.

Failed sign-ins are slowed down differently (:mod:`spinecare.clinic.logins`: a wait that
doubles with each failure, cleared by a success); a rate limit counts every request, the
good ones too, and forgets nothing but its own refill."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["RateLimit"]

MAX_KEYS = 10_000
"""Buckets kept before the full ones (quiet keys) are forgotten: the memory is bounded."""


@dataclass
class RateLimit:
    """Up to ``burst`` requests at once for each key, then ``per_second``."""

    burst: int
    per_second: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    """key -> (tokens, at): the tokens left at the moment ``at``."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, key: str) -> float:
        """Count one request for ``key``: 0 when it may go on, else the seconds to wait
        (the request is then not counted)."""
        now = self.clock()
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
        return min(float(self.burst), left + (now - at) * self.per_second)

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
