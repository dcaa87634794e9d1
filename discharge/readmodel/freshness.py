"""How current the read model is: written by its consumer, shown on every page that reads from it.

A page built from the read model is as current as the last moment its consumer had applied everything on
the outbound stream (``caught_up_at``). While the stream is quiet the consumer marks it on each empty fetch
(about once a second), so a page can tell "nothing happened" from "the consumer is behind or stopped".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from discharge.readmodel.schema import freshness
from discharge.readmodel.store import ReadModel

#: The consumer's name in the table (there is one per store; a second one would have its own row).
CONSUMER = "outbound"


@dataclass(frozen=True)
class Freshness:
    caught_up_at: datetime | None  # everything on the stream was applied at this moment
    last_applied_at: datetime | None
    last_lag: timedelta | None  # the last applied event: from its `time` to its commit

    def behind(self, now: datetime) -> timedelta | None:
        """How old the page's data may be at ``now`` (None: the consumer never caught up)."""
        return None if self.caught_up_at is None else max(now - self.caught_up_at, timedelta(0))


def mark(
    store: ReadModel,
    now: datetime,
    *,
    caught_up: bool,
    last_event_at: datetime | None = None,
    consumer: str = CONSUMER,
) -> None:
    """Record a fetch: ``caught_up`` when nothing was left on the stream after it."""
    values: dict[str, object] = {}
    if caught_up:
        values["caught_up_at"] = now
    if last_event_at is not None:
        values["last_applied_at"] = now
        values["last_lag_ms"] = max((now - last_event_at).total_seconds() * 1000, 0.0)
    if not values:
        return
    with store.engine.begin() as conn:
        done = conn.execute(freshness.update().where(freshness.c.consumer == consumer).values(**values))
        if done.rowcount == 0:
            conn.execute(freshness.insert().values(consumer=consumer, **values))


def read(store: ReadModel, consumer: str = CONSUMER) -> Freshness:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(freshness).where(freshness.c.consumer == consumer)).first()
    if row is None:
        return Freshness(None, None, None)
    lag = None if row.last_lag_ms is None else timedelta(milliseconds=row.last_lag_ms)
    return Freshness(row.caught_up_at, row.last_applied_at, lag)
