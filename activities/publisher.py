"""`OutboundPublisher` on JetStream: how the pathway's activities tell LMV, the VC and coordinators.

One CloudEvent per call on the outbound stream (`events/streams.py`), acked by JetStream and idempotent by
the event's id (``Nats-Msg-Id``): an activity retried after a lost ack stores the event once.
"""

from __future__ import annotations

import json

from nats.js import JetStreamContext
from nats.js.api import PubAck

from events.outbound import OutboundEvent
from events.streams import CLOUDEVENTS_CONTENT_TYPE, OUTBOUND_STREAM


class JetStreamPublisher:
    """`OutboundPublisher` on JetStream: one CloudEvent per call, acked by the stream, idempotent by id."""

    def __init__(self, js: JetStreamContext, *, timeout: float = 5.0) -> None:
        self._js = js
        self._timeout = timeout

    async def publish(self, event: OutboundEvent) -> None:
        await self.publish_raw(event)

    async def publish_raw(self, event: OutboundEvent) -> PubAck:
        """Publish and return the ack (``duplicate`` is true when JetStream already had this id)."""
        payload = json.dumps(event.cloudevent(), ensure_ascii=False, separators=(",", ":")).encode()
        return await self._js.publish(
            event.subject,
            payload,
            timeout=self._timeout,
            stream=OUTBOUND_STREAM,
            headers={"Nats-Msg-Id": event.id, "Content-Type": CLOUDEVENTS_CONTENT_TYPE},
        )
