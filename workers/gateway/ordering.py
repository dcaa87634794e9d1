"""One patient's events reach Temporal one at a time, in the order the gateway took them from the stream.

The gateway handles many messages at once (throughput), but two events of the same patient handled side
by side could be signalled in either order: a VC's ``handover_accepted`` could overtake LMV's
``handover_proposed`` and be ignored by the pathway as making no sense yet. So each patient has a turn:
a message waits for the one before it of the same patient. Different patients never wait for each other.

Waiting is bounded: if the patient's previous event is stuck (Temporal slow or down), the waiting message
gives up its turn and is retried later instead of holding a worker slot until JetStream's ack wait runs
out. Order is therefore kept for messages handled by one gateway in one pass, not across redeliveries or
between several gateways; the pathway's own rules cope with the rest (see docs/pathway.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta


class TurnNotReached(Exception):
    """The patient's previous event did not finish within the wait: retry this one later."""


class PatientTurns:
    """A FIFO lock per patient key, dropped again when nobody holds or waits for it."""

    def __init__(self, max_wait: timedelta) -> None:
        self._max_wait = max_wait.total_seconds()
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    def __len__(self) -> int:
        """Patients with an event in flight (for tests: nothing is kept once they are done)."""
        return len(self._locks)

    @asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        # No await before `acquire`: the order of entering is the order of the queue (asyncio.Lock is FIFO).
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            try:
                async with asyncio.timeout(self._max_wait):
                    await lock.acquire()
            except TimeoutError:
                waited = f"{self._max_wait:g} s"
                raise TurnNotReached(f"an earlier event of the same patient took over {waited}") from None
            try:
                yield
            finally:
                lock.release()
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key]
                del self._locks[key]
