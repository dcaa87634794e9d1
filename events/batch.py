"""Reading a batch of CloudEvents (a JSON object, a JSON array or JSON lines) and publishing it.

The whole batch is validated with the gateway's own models before anything is sent: a file with one
bad event is sent not at all, so a sender fixes it and re-sends the file without thinking about which
half already went (and a re-send is harmless anyway: JetStream de-duplicates by ``source`` + ``id``).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nats.js import JetStreamContext
from nats.js.api import PubAck

from events.inbound.envelopes import InboundEvent
from events.inbound.parsing import InvalidEvent, parse_inbound
from events.streams import CLOUDEVENTS_CONTENT_TYPE, INBOUND_STREAM, inbound_msg_id


@dataclass(frozen=True)
class ReadyEvent:
    label: str  # "line 3", "item 2": where it came from, for messages
    body: bytes
    event: InboundEvent

    @property
    def subject(self) -> str:
        return f"events.{self.event.type}"

    @property
    def msg_id(self) -> str:
        return inbound_msg_id(self.event.source, self.event.id)


@dataclass
class Batch:
    events: list[ReadyEvent] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "line 3: schema_violation: data.level: ..."


def _documents(text: str) -> list[tuple[str, bytes]]:
    """Split the input into (label, raw JSON) pairs: one document, an array's items, or JSON lines."""
    try:
        whole = json.loads(text)
    except json.JSONDecodeError:
        return [
            (f"line {number}", line.encode())
            for number, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        ]
    if isinstance(whole, list):
        return [(f"item {number}", json.dumps(item).encode()) for number, item in enumerate(whole, start=1)]
    return [("event", text.encode())]


def read_batch(text: str, *, now: datetime, future_tolerance: timedelta) -> Batch:
    """Every event validated; ``errors`` names each bad one by line or item, with the gateway's reason."""
    batch = Batch()
    documents = _documents(text)
    if not documents:
        batch.errors.append("input: no events (expected a JSON object, a JSON array or JSON lines)")
    for label, body in documents:
        try:
            event = parse_inbound(body, now=now, future_tolerance=future_tolerance)
        except InvalidEvent as invalid:
            batch.errors.append(f"{label}: {invalid.kind}: {invalid.reason}")
            continue
        batch.events.append(ReadyEvent(label, body, event))
    return batch


#: Publishes whose acks `publish_batch` awaits at once (the HTTP door's largest batch is 100 events).
ACKS_AWAITED_TOGETHER = 128


@dataclass(frozen=True)
class Published:
    published: int
    duplicates: int


async def publish_batch(
    js: JetStreamContext, events: list[ReadyEvent], *, replay: str | None = None, timeout: float = 5.0
) -> Published:
    """Publish each on ``events.<type>`` and wait for the stream's ack; count JetStream's duplicates.

    ``replay`` (a label, e.g. a timestamp) is appended to ``Nats-Msg-Id``: a dead letter re-sent within
    the 24 h duplicate window would otherwise be dropped by JetStream as a copy of its failed original.
    The pathway still de-duplicates by ``source`` + ``id``, so a replay of something that did arrive is
    harmless.
    """
    # Sent in order (nats-py writes each publish before the next one starts), the acks of up to
    # `ACKS_AWAITED_TOGETHER` awaited together: a batch costs a round trip per chunk, not one per event, and a
    # large file does not have thousands of acks outstanding against one timeout. Any failure fails the
    # call; the sender sends the same events again, and what was stored is recognised by its Nats-Msg-Id.

    async def one(ready: ReadyEvent) -> PubAck:
        return await js.publish(
            ready.subject,
            ready.body,
            timeout=timeout,
            stream=INBOUND_STREAM,
            headers={
                "Nats-Msg-Id": f"{ready.msg_id} replay {replay}" if replay else ready.msg_id,
                "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
            },
        )

    # One event (most HTTP requests, every HL7 message) needs no task of its own.
    if len(events) == 1:
        acks = [await one(events[0])]
    else:
        acks = []
        for start in range(0, len(events), ACKS_AWAITED_TOGETHER):
            acks += await asyncio.gather(*map(one, events[start : start + ACKS_AWAITED_TOGETHER]))
    duplicates = sum(1 for ack in acks if ack.duplicate)
    return Published(len(acks) - duplicates, duplicates)
