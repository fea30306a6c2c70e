"""CPU-heavy work (password hashing, reading and screening a posted document) runs in
worker threads, at most :func:`heavy_slots` at a time, so ordinary requests always find a
free worker and a free core: a burst of sign-ins waits for hashing slots, not the others.
"""

from __future__ import annotations

import asyncio
import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import anyio.to_thread
from anyio import CapacityLimiter

__all__ = ["heavy_slots", "run_heavy"]

T = TypeVar("T")
_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, CapacityLimiter] = WeakKeyDictionary()


def heavy_slots() -> int:
    """Heavy tasks run at once: half the cores (at least one)."""
    return max(1, (os.cpu_count() or 2) // 2)


def _limiter() -> CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = CapacityLimiter(heavy_slots())
    return limiter


async def run_heavy(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in a worker thread, within the heavy-work slots."""
    return await anyio.to_thread.run_sync(
        functools.partial(func, *args, **kwargs), limiter=_limiter()
    )
