"""Storing a batch: every event in order, acks awaited together in bounded chunks, duplicates counted."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from events.batch import ACKS_AWAITED_TOGETHER, ReadyEvent, publish_batch
from events.examples import example_event
from events.inbound.parsing import parse_inbound


class RecordingJetStream:
    """Records the order of publishes and how many acks were outstanding at once."""

    def __init__(self, duplicate_every: int = 0) -> None:
        self.order: list[str] = []
        self.outstanding = self.most_outstanding = 0
        self.duplicate_every = duplicate_every

    async def publish(self, subject: str, body: bytes, **options: Any) -> Any:
        self.order.append(options["headers"]["Nats-Msg-Id"])
        number = len(self.order)
        self.outstanding += 1
        self.most_outstanding = max(self.most_outstanding, self.outstanding)
        await asyncio.sleep(0)  # the ack comes back later
        self.outstanding -= 1
        duplicate = bool(self.duplicate_every) and number % self.duplicate_every == 0
        return type("Ack", (), {"duplicate": duplicate})()


def ready_events(count: int) -> list[ReadyEvent]:
    events = []
    for number in range(count):
        document = example_event("hospital.patient_admitted", event_id=f"batch-{number}")
        body = json.dumps(document).encode()
        events.append(ReadyEvent(f"item {number + 1}", body, parse_inbound(body)))
    return events


async def test_a_large_batch_is_published_in_order_with_bounded_acks_outstanding() -> None:
    js = RecordingJetStream(duplicate_every=10)
    events = ready_events(ACKS_AWAITED_TOGETHER * 2 + 5)

    published = await publish_batch(js, events)  # type: ignore[arg-type]

    assert js.order == [ready.msg_id for ready in events]
    assert 1 < js.most_outstanding <= ACKS_AWAITED_TOGETHER
    assert (published.published, published.duplicates) == (len(events) - len(events) // 10, len(events) // 10)


async def test_one_event_is_published_alone() -> None:
    js = RecordingJetStream()

    published = await publish_batch(js, ready_events(1))  # type: ignore[arg-type]

    assert (published.published, published.duplicates, js.most_outstanding) == (1, 0, 1)
