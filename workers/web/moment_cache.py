"""The inbox of one scope, shared by every tab that refreshes within the same second (issue 26).

Fifty coordinators with the inbox open refresh it ten times a second between them, and all but the roles'
scopes and the VC filter are the same; each refresh read the read model and sorted its rows again. A result
is kept for ``ttl`` seconds per key and one read serves every request that comes meanwhile (also those that
come while it is being read). The page's "as of" line still tells how current it is: at most ``ttl`` older.
A few keys (a role's scope and a filter), each alive a second: a dict, not a cache library.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class MomentCache(Generic[T]):
    def __init__(self, ttl: float = 1.0) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, asyncio.Future[Any]]] = {}

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        entry = self._entries.get(key)
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

    def clear(self) -> None:
        """Forget every kept result: the next request reads afresh (after a change made from the page)."""
        self._entries.clear()
