"""`discharge readmodel`'s ``/healthz``, ``/readyz`` and ``/metrics``, by discharge/ops/http.py as elsewhere.

Ready while its consumer is connected to NATS with its pull subscription made, and its store answers a
query: the pages and the FHIR door read that store, so a read model that cannot write it is not ready.
How far behind it is: the ``time`` of the newest event it applied and the events still pending on its
consumer (from the last fetched message's metadata), so an alert can say "the pages are N minutes old".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from prometheus_client import Counter, Gauge

from discharge.ops.http import ReadinessCheck
from discharge.readmodel.store import ReadModel

APPLIED = Counter(
    "discharge_readmodel_events_applied", "Outbound events applied to the read model (duplicates not counted)"
)
LAST_EVENT_TIME = Gauge(
    "discharge_readmodel_last_event_time_seconds",
    "The `time` of the newest event applied, Unix seconds (the read model's lag: now minus this)",
)
LAST_APPLIED_AT = Gauge(
    "discharge_readmodel_last_applied_seconds", "When the read model last committed a batch, Unix seconds"
)
PENDING = Gauge("discharge_readmodel_pending", "Outbound events not yet fetched by the read model's consumer")


@dataclass
class ConsumerState:
    """What the consumer loop (workers/readmodel.py) tells the readiness checks."""

    connection: NATS | None = None
    subscribed: bool = False
    newest_event_at: datetime | None = None


def readiness_checks(state: ConsumerState, store: ReadModel) -> dict[str, ReadinessCheck]:
    async def nats() -> bool:
        return state.connection is not None and bool(state.connection.is_connected)

    async def consuming() -> bool:
        return state.subscribed

    async def store_answers() -> bool:
        def query() -> bool:
            with store.engine.connect() as connection:
                return connection.execute(sa.text("SELECT 1")).scalar() == 1

        return await asyncio.to_thread(query)

    return {"nats": nats, "consuming": consuming, "store": store_answers}


def record_batch(
    state: ConsumerState, messages: list[Msg], applied: int, newest: datetime | None, now: datetime
) -> None:
    """After a batch is committed: its figures for /metrics (an older, late event leaves the newest time)."""
    APPLIED.inc(applied)
    LAST_APPLIED_AT.set(now.timestamp())
    if newest is not None and (state.newest_event_at is None or newest > state.newest_event_at):
        state.newest_event_at = newest
        LAST_EVENT_TIME.set(newest.timestamp())
    try:
        PENDING.set(messages[-1].metadata.num_pending)
    except (IndexError, ValueError, AttributeError):  # not a JetStream message: leave the last figure
        pass


def record_caught_up() -> None:
    PENDING.set(0)
