"""The inbox of one scope, shared by every tab that refreshes within the same second (issue 26).

Fifty coordinators with the inbox open refresh it ten times a second between them, and all but the roles'
scopes and the VC filter are the same; each refresh read the read model and sorted its rows again. A result
is kept for ``ttl`` seconds per key and one read serves every request that comes meanwhile (also those that
come while it is being read). The page's "as of" line still tells how current it is: at most ``ttl`` older.
A few keys (a role's scope and a filter), each alive a second: a dict, not a cache library.

With ``stale_for`` a result older than ``ttl`` but younger than ``ttl + stale_for`` is still served at once
while one new read runs in the background (stale while revalidating): no request waits for the read, which
took 40-130 ms at 10,000 pathways and made the inbox's slowest views (docs/benchmarks.md, "Pages").
``clear`` drops that too: the next request waits for a fresh read (read your writes after an acknowledgement).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class MomentCache(Generic[T]):
    def __init__(self, ttl: float = 1.0, stale_for: float = 0.0) -> None:
        self.ttl = ttl
        self.stale_for = stale_for
        self._entries: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}
        self._refreshing: dict[Hashable, asyncio.Future[Any]] = {}

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and self._servable_stale(entry, now):
            self._refresh(key, read)
            stale: T = entry[1].result()
            return stale
        if entry is None or now - entry[0] >= self.ttl:
            self._entries = {k: e for k, e in self._entries.items() if now - e[0] < self.ttl}
            entry = (now, asyncio.ensure_future(read()))
            self._entries[key] = entry
        try:
            result: T = await asyncio.shield(entry[1])
        except Exception:
            if self._entries.get(key) is entry:  # a failed read is not kept: the next request reads again
                del self._entries[key]
            raise
        return result

    def _servable_stale(self, entry: tuple[float, asyncio.Future[Any]], now: float) -> bool:
        age, done = now - entry[0], entry[1]
        ok = done.done() and not done.cancelled() and done.exception() is None
        return ok and self.ttl <= age < self.ttl + self.stale_for

    def _refresh(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> None:
        """One background read per key; its result replaces the kept one when it is done (if it worked)."""
        if key in self._refreshing:
            return
        started = time.monotonic()
        future = asyncio.ensure_future(read())
        self._refreshing[key] = future

        def done(finished: asyncio.Future[Any]) -> None:
            if self._refreshing.get(key) is finished:
                del self._refreshing[key]
                if not finished.cancelled() and finished.exception() is None:
                    self._entries[key] = (started, finished)

        future.add_done_callback(done)

    def clear(self) -> None:
        """Forget every kept result: the next request reads afresh (after a change made from the page)."""
        self._entries.clear()
        self._refreshing.clear()
