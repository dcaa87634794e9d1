"""Waiting for a server that starts after us: tries with a growing delay, one log line each, a bound.

Temporal can take a while to answer its first call (a loaded machine, a cluster rolling over). A process that
gave up at the first refusal would exit and be restarted in a loop; one that waited silently would look hung.
So each miss is logged with the next delay, and a bounded wait ends in `Unreachable`, which names the server,
how long we tried and the last error (never anything of a patient's: these are connection errors).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import structlog

T = TypeVar("T")

#: Delays between tries: 1 s, 2 s, 4 s … capped here.
FIRST_DELAY = 1.0
MAX_DELAY = 30.0

log = structlog.get_logger(component="connect")


class Unreachable(RuntimeError):
    """A server did not answer within the bound: the process cannot start."""


def delay_after(attempt: int) -> float:
    """Seconds to wait after the ``attempt``-th failed try (1-based)."""
    return min(FIRST_DELAY * 2.0 ** max(attempt - 1, 0), MAX_DELAY)


async def patiently(
    connect: Callable[[], Awaitable[T]],
    *,
    what: str,
    give_up_after: timedelta | None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """``connect()`` until it succeeds; ``give_up_after`` None: until cancelled."""
    started, attempt = clock(), 0
    while True:
        try:
            return await connect()
        except Exception as error:
            attempt += 1
            waited = clock() - started
            left = None if give_up_after is None else give_up_after.total_seconds() - waited
            if left is not None and left <= 0:
                raise Unreachable(
                    f"{what} did not answer within {give_up_after} ({attempt} tries); "
                    f"last error: {type(error).__name__}: {error}"
                ) from None
            delay = delay_after(attempt) if left is None else min(delay_after(attempt), left)
            log.warning(
                f"{what} not reachable yet; retrying",
                attempt=attempt,
                error=type(error).__name__,
                retry_in=round(delay, 3),
                gives_up_in=None if left is None else round(left, 3),
            )
            await sleep(delay)
