"""`OutboundPublisher` on JetStream: how the pathway's activities tell LMV, the VC and coordinators.

One CloudEvent per call on the outbound stream (`events/streams.py`), acked by JetStream and idempotent by
the event's id (``Nats-Msg-Id``): an activity retried after a lost ack stores the event once.
"""

from __future__ import annotations

import json

from nats.js import JetStreamContext
from nats.js.api import PubAck
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from discharge.ops.metrics import record_outbound
from discharge.ops.tracing import INSTRUMENTATION, inject
from events.deadletter import DeadLetter, deadletter_subject
from events.delivery import DELIVERY_STREAM, copies_for
from events.outbound.data import Recipient
from events.outbound.event import OutboundEvent
from events.streams import CLOUDEVENTS_CONTENT_TYPE, DEADLETTER_STREAM, OUTBOUND_STREAM

_tracer = trace.get_tracer(INSTRUMENTATION)


class JetStreamPublisher:
    """`OutboundPublisher` on JetStream: one CloudEvent per call, acked by the stream, idempotent by id."""

    def __init__(self, js: JetStreamContext, *, timeout: float = 5.0) -> None:
        self._js = js
        self._timeout = timeout

    async def publish(self, event: OutboundEvent) -> None:
        ack = await self.publish_raw(event)
        if not ack.duplicate:  # a retry JetStream recognised is not a second event
            record_outbound(event.type, event.data.published())

    async def publish_dead_letter(self, body: bytes, letter: DeadLetter, msg_id: str) -> None:
        """A dead letter from the worker (events held for a pathway that never opened), once per id."""
        headers = {**letter.headers(), "Nats-Msg-Id": msg_id}
        await self._js.publish(
            deadletter_subject(letter.subject),
            body,
            timeout=self._timeout,
            stream=DEADLETTER_STREAM,
            headers=headers,
        )

    async def deliver(self, event: OutboundEvent, receivers: list[Recipient]) -> None:
        """The event's copies for ``receivers``, as the fan-out makes them (same subject, body and
        ``Nats-Msg-Id``): a retry, or a copy the fan-out made too, is stored once."""
        for subject, body, msg_id in copies_for(event.cloudevent(), receivers):
            await self._js.publish(
                subject,
                body,
                timeout=self._timeout,
                stream=DELIVERY_STREAM,
                headers={"Nats-Msg-Id": msg_id, "Content-Type": CLOUDEVENTS_CONTENT_TYPE},
            )

    async def publish_raw(self, event: OutboundEvent) -> PubAck:
        """Publish and return the ack (``duplicate`` is true when JetStream already had this id)."""
        payload = json.dumps(event.cloudevent(), ensure_ascii=False, separators=(",", ":")).encode()
        headers = {"Nats-Msg-Id": event.id, "Content-Type": CLOUDEVENTS_CONTENT_TYPE}
        with _tracer.start_as_current_span(
            f"publish {event.subject}",
            kind=SpanKind.PRODUCER,
            attributes={"messaging.system": "nats", "messaging.destination.name": event.subject},
        ):
            # The receiver continues the trace from the `traceparent` header (a no-op when tracing is off).
            inject(headers)
            return await self._js.publish(
                event.subject, payload, timeout=self._timeout, stream=OUTBOUND_STREAM, headers=headers
            )
