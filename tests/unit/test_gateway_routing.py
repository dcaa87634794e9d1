"""The gateway's FastStream wiring in memory (TestNatsBroker): routing and dead-letter publishing.

TestNatsBroker neither acks nor redelivers: delivery guarantees are proven against a real nats-server in
tests/integration/test_gateway.py. Nor does it add JetStream metadata: each message here carries the reply
subject a JetStream consumer's delivery has (`jetstream_reply`), so the gateway reads it as in production.
"""

from __future__ import annotations

import json
from typing import Any

from faststream.nats import JStream, NatsMessage, TestNatsBroker

from discharge.settings import Settings
from events.examples import example_event
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM
from workers.gateway.consumer import DURABLE, build_gateway, whole_message
from workflows.api import PathwayEvent


def jetstream_reply(stream_sequence: int, delivered: int = 1) -> str:
    """A push consumer delivery's ack subject: stream, consumer, delivered, sequences, time, pending."""
    return f"$JS.ACK.{INBOUND_STREAM}.{DURABLE}.{delivered}.{stream_sequence}.{stream_sequence}.{10**18}.0"


async def test_valid_events_are_delivered_and_bad_ones_published_as_dead_letters() -> None:
    delivered: list[PathwayEvent] = []
    dead: list[tuple[str, bytes, dict[str, Any]]] = []

    async def deliver(event: PathwayEvent) -> None:
        delivered.append(event)

    broker, _ = build_gateway(Settings(discharge_patient_key_secret="unit"), deliver)

    @broker.subscriber(
        "deadletter.>", stream=JStream(DEADLETTER_STREAM, declare=False), decoder=whole_message
    )
    async def spy(message: NatsMessage) -> None:
        dead.append((message.raw_message.subject, message.body, dict(message.headers)))

    good = example_event("municipality.concern_raised", event_id="c-1")
    bad = example_event("municipality.homecare_enrolled", event_id="h-1")
    bad["data"]["municipality"] = "9999"
    async with TestNatsBroker(broker) as test_broker:
        # The test broker's connection is a mock: give it the server's limit a dead letter must fit in.
        connection: Any = broker.connection
        connection.max_payload = 1024 * 1024
        for sequence, event in enumerate((good, bad), start=1):
            body = json.dumps(event).encode()
            await test_broker.publish(
                body, f"events.{event['type']}", stream=INBOUND_STREAM, reply_to=jetstream_reply(sequence)
            )

    assert [event.event.id for event in delivered] == ["c-1"]
    assert delivered[0].event.type == "municipality.concern_raised"
    [(subject, body, headers)] = dead
    assert subject == "deadletter.events.municipality.homecare_enrolled"
    assert body == json.dumps(bad).encode()
    assert headers["Discharge-Error-Kind"] == "schema_violation"
    assert headers["Discharge-Error-Reason"].startswith("data.municipality: expected a 4-digit kommun code")
    assert headers["Discharge-Original-Subject"] == "events.municipality.homecare_enrolled"
    assert headers["Discharge-Original-Sequence"] == "2"
