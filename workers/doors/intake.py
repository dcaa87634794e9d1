"""What every door (HTTP, HL7 v2) does with an event once it has one: the gateway's checks, then storing it.

A door answers a sender synchronously, so it validates with exactly the gateway's rules and reasons
(`events.bounds`, `events.inbound.parse_inbound`) *before* storing: a refused event is answered at the door
(HTTP 400, HL7 AE) and never stored, so it never becomes a dead letter. An accepted one is published on
``events.<type>`` in ``DISCHARGE_EVENTS`` exactly as `discharge publish` does (`events.batch.publish_batch`:
``Nats-Msg-Id`` = ``source`` + ``id``, waiting for the stream's ack), so a re-send is stored once, and the
gateway takes it from there as from any NATS sender. The door says "accepted" only after that ack.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nats.js import JetStreamContext
from prometheus_client import Counter

from discharge.ops.metrics import bounded
from events.batch import Published, ReadyEvent, publish_batch
from events.bounds import OutOfBounds, check_bounds
from events.inbound.envelopes import INBOUND_TYPES
from events.inbound.parsing import InvalidEvent, parse_inbound
from workers.gateway.settlement import unreadable

DOOR_EVENTS = Counter(
    "discharge_door_events",
    "Events a door (http, hl7) answered, by door, outcome (accepted: stored or already stored; refused) "
    "and type",
    ["door", "outcome", "type"],
)


def read_event(
    body: bytes, *, label: str, future_tolerance: timedelta, now: datetime | None = None
) -> ReadyEvent:
    """One event validated as the gateway validates it, or `InvalidEvent` with the gateway's reason."""
    try:
        check_bounds(body)
        event = parse_inbound(body, now=now or datetime.now(UTC), future_tolerance=future_tolerance)
    except OutOfBounds as error:
        raise InvalidEvent("too_large", error.reason) from None
    except InvalidEvent:
        raise
    except Exception as error:  # RecursionError, TypeError, …: the input is at fault (as in the gateway)
        raise InvalidEvent("schema_violation", unreadable(error)) from None
    return ReadyEvent(label, body, event)


async def store(js: JetStreamContext, door: str, events: list[ReadyEvent], timeout: float = 5.0) -> Published:
    """Every event stored (or recognised as already stored) in DISCHARGE_EVENTS, or an exception."""
    result = await publish_batch(js, events, timeout=timeout)
    for ready in events:
        DOOR_EVENTS.labels(door, "accepted", bounded(ready.event.type, INBOUND_TYPES)).inc()
    return result


def count_refused(door: str, event_type: object = None) -> None:
    DOOR_EVENTS.labels(door, "refused", bounded(event_type, INBOUND_TYPES)).inc()
