"""Patients' identities the web page has read, kept in its memory for a few minutes (issue 26).

A patient key is a keyed hash of the identity (events/identity.py), so the identity behind a key never
changes: asking the pathway's ``identity`` query on every view of a patient page was the page's last query to
Temporal. The page still decides who may see it (the read model's row, workers/web/access.py) and writes the
``view_identity`` line for every view before answering; only the query is spared. Kept in memory only (never
on disk), for ``TTL`` seconds, at most ``LIMIT`` patients; an unknown identity (None) is not kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

#: How long an identity read from a pathway is kept.
TTL = 300.0
#: At most this many patients (the oldest read is dropped first).
LIMIT = 5000

_KEPT: OrderedDict[str, tuple[float, str]] = OrderedDict()


async def identity_of(patient_key: str, read: Callable[[], Awaitable[str | None]]) -> str | None:
    """The kept identity of ``patient_key``, or ``read()`` (the pathway's query) and keep what it gave."""
    now = time.monotonic()
    kept = _KEPT.get(patient_key)
    if kept is not None and now - kept[0] < TTL:
        return kept[1]
    identity = await read()
    if identity is not None:
        _KEPT[patient_key] = (now, identity)
        _KEPT.move_to_end(patient_key)
        while len(_KEPT) > LIMIT:
            _KEPT.popitem(last=False)
    return identity


def forget() -> None:
    _KEPT.clear()
