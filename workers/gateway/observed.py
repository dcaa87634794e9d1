"""The gateway's metrics: what it received, accepted, redelivered and dead-lettered, and how fast.

Kept beside the gateway's logic rather than inside it: the counting wraps the two callbacks `Ingest` is
given (delivery to Temporal, the dead-letter sink) and sees each message through a FastStream
middleware, so the decisions in `service.py` stay free of it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from faststream import BaseMiddleware
from faststream.message import StreamMessage

from discharge.ops.metrics import (
    EVENTS_ACCEPTED,
    EVENTS_DEAD_LETTERED,
    EVENTS_RECEIVED,
    EVENTS_REDELIVERED,
    INGEST_LATENCY,
    bounded,
)
from events.deadletter import DeadLetter
from events.inbound.envelopes import INBOUND_TYPES
from workflows.api import PathwayEvent

Deliver = Callable[[PathwayEvent], Awaitable[object]]
DeadLetterSink = Callable[[bytes, DeadLetter], Awaitable[object]]


def event_type_of(subject: str) -> str:
    """The contract's event type a subject names (``events.<type>``), or ``other`` for anything else."""
    return bounded(subject.removeprefix("events."), INBOUND_TYPES)


def counted_delivery(deliver: Deliver, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Deliver:
    async def counted(event: PathwayEvent) -> object:
        result = await deliver(event)
        EVENTS_ACCEPTED.labels(bounded(event.event.type, INBOUND_TYPES)).inc()
        if event.received_at is not None:
            INGEST_LATENCY.observe(max((clock() - event.received_at).total_seconds(), 0.0))
        return result

    return counted


def counted_dead_letters(sink: DeadLetterSink) -> DeadLetterSink:
    async def counted(body: bytes, letter: DeadLetter) -> object:
        result = await sink(body, letter)
        EVENTS_DEAD_LETTERED.labels(letter.kind).inc()
        return result

    return counted


class ReceivedMiddleware(BaseMiddleware):
    """Counts every delivery taken from the stream, and those that are a redelivery."""

    async def consume_scope(self, call_next: Callable[[Any], Awaitable[Any]], msg: StreamMessage[Any]) -> Any:
        raw = msg.raw_message
        event_type = event_type_of(getattr(raw, "subject", ""))
        EVENTS_RECEIVED.labels(event_type).inc()
        try:
            if raw.metadata.num_delivered > 1:
                EVENTS_REDELIVERED.labels(event_type).inc()
        except Exception:  # FastStream's test broker has no JetStream metadata
            pass
        return await call_next(msg)
