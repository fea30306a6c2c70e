"""CPU-heavy work (password hashing, reading and screening a posted document) runs in
worker threads, at most :func:`heavy_slots` at a time in each pool, so ordinary requests
always find a free worker: a burst of sign-ins waits for hashing slots, not the others.

Three pools (:data:`POOLS`), so that one kind of work never waits behind another: the
clinic's passwords (sign-in, a password changed or reset, a new user), the clinic's
documents (an import, a SMART launch's record), and documents posted without signing in
(``/api/screen``, ``/api/plan``, the FHIR ``$massage-screening``): a flood of anonymous
documents cannot hold up a sign-in or a therapist's import.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from typing import Any, Literal, TypeVar
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CapacityLimiter

__all__ = ["POOLS", "heavy_slots", "run_heavy"]

T = TypeVar("T")
Pool = Literal["passwords", "documents", "public"]
POOLS: tuple[Pool, ...] = ("passwords", "documents", "public")
_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Pool, CapacityLimiter]] = (
    WeakKeyDictionary()
)


def heavy_slots() -> int:
    """Heavy tasks run at once: half the cores (at least one)."""
    return max(1, (os.cpu_count() or 2) // 2)


def _limiter(pool: Pool) -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiters = _limiters.get(loop)
    if limiters is None:
        limiters = _limiters[loop] = {name: CapacityLimiter(heavy_slots()) for name in POOLS}
    return limiters[pool]


async def run_heavy(
    func: Callable[..., T], *args: Any, pool: Pool = "documents", **kwargs: Any
) -> T:
    """``func(*args, **kwargs)`` in a worker thread, within ``pool``'s heavy-work slots."""
    return await anyio.to_thread.run_sync(
        functools.partial(func, *args, **kwargs), limiter=_limiter(pool)
    )
