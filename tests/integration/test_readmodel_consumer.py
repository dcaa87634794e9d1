"""The read model's consumer against a real nats-server: durable, resumable, idempotent by CloudEvent id."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats
from discharge.readmodel.store import ReadModel
from discharge.settings import Settings
from events.outbound.event import OutboundEvent
from events.streams import OUTBOUND_STREAM, ensure_streams
from tests.readmodel_support import cloudevents, trace_where, types
from tests.servers import start_nats
from workers.readmodel import DURABLE, consume, consumer_active

pytestmark = pytest.mark.integration


async def eventually(check: Callable[[], bool], what: str) -> None:
    for _ in range(200):  # at most 10 s of real time
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


@asynccontextmanager
async def running(settings: Settings, store: ReadModel) -> AsyncIterator[None]:
    stop = asyncio.Event()
    task = asyncio.create_task(consume(settings, store, stop=stop))
    try:
        await eventually(lambda: task.done() is False, "consumer running")
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def publish(settings: Settings, events: list[dict[str, object]], *, msg_id_suffix: str = "") -> None:
    nc = await connect_nats(settings, retry_forever=False)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        publisher = JetStreamPublisher(js)
        for event in events:
            outbound = OutboundEvent.model_validate({**event, "type": str(event["type"]).split(".", 1)[1]})
            if msg_id_suffix:  # the same CloudEvent again, past JetStream's own de-duplication
                await js.publish(
                    outbound.subject,
                    json.dumps(event).encode(),
                    stream=OUTBOUND_STREAM,
                    headers={"Nats-Msg-Id": outbound.id + msg_id_suffix},
                )
            else:
                await publisher.publish(outbound)
    finally:
        await nc.close()


async def test_the_consumer_resumes_where_it_stopped_and_counts_each_event_once(tmp_path: Path) -> None:
    nats = await start_nats(tmp_path)
    settings = Settings(nats_url=nats.url, discharge_data_dir=tmp_path / "data")
    store = ReadModel.from_settings(settings).create()
    _, trace = trace_where(lambda t: "extension_granted" in types(t) and not t.readmitted)
    events = cloudevents(trace)
    half = len(events) // 2
    try:
        await publish(settings, events[:half])
        async with running(settings, store):
            await eventually(lambda: store.applied_count() == half, "first half applied")
            assert await consumer_active(settings)
        # Stopped: the rest arrives meanwhile, and the first half once more (a sender re-publishing
        # after JetStream's duplicate window): both reach the stream.
        await publish(settings, events[half:])
        await publish(settings, events[:half], msg_id_suffix="-again")
        async with running(settings, store):
            await eventually(lambda: store.applied_count() == len(events), "second half applied")
            nc = await connect_nats(settings, retry_forever=False)
            info = await nc.jetstream().consumer_info(OUTBOUND_STREAM, DURABLE)
            await nc.close()
        assert info.num_pending == 0
        [row] = store.pathways()
        assert row["extensions"] == 1  # counted once, although its event arrived twice
        assert row["outcome"] == "completed"
    finally:
        store.close()
        await nats.stop()


async def test_a_message_that_is_not_a_cloudevent_does_not_block_the_stream(tmp_path: Path) -> None:
    nats = await start_nats(tmp_path)
    settings = Settings(nats_url=nats.url, discharge_data_dir=tmp_path / "data")
    store = ReadModel.from_settings(settings).create()
    _, trace = trace_where(lambda t: "support_started" in types(t))
    events = cloudevents(trace)[:2]
    try:
        nc = await connect_nats(settings, retry_forever=False)
        js = nc.jetstream()
        await ensure_streams(js)
        await js.publish("discharge.garbage", b"\xff not json", stream=OUTBOUND_STREAM)
        await nc.close()
        await publish(settings, events)
        async with running(settings, store):
            await eventually(lambda: store.applied_count() == 2, "the events after it applied")
    finally:
        store.close()
        await nats.stop()
