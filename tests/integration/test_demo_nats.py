"""`load_demo` against a real nats-server: valid events on events.<type>, and no duplicates on a rerun."""

from __future__ import annotations

from datetime import timedelta

import nats
import pytest

from discharge.demo import PATIENTS, load_demo
from discharge.events.inbound import parse_inbound
from discharge.events.publisher import INBOUND_STREAM
from discharge.settings import Settings
from tests.servers import NatsProcess

pytestmark = pytest.mark.integration


async def test_the_demo_publishes_valid_events_once_however_often_it_runs(nats_server: NatsProcess) -> None:
    settings = Settings(nats_url=nats_server.url)
    total = sum(len(patient.steps) for patient in PATIENTS)
    connection = await nats.connect(nats_server.url)
    try:
        js = connection.jetstream()
        before = await _stored(js)

        assert await load_demo(settings, wait_limit=timedelta(0)) == total
        assert await load_demo(settings, wait_limit=timedelta(0)) == 0  # a second run: all duplicates
        assert await _stored(js) - before == total

        subscription = await js.pull_subscribe("events.>", stream=INBOUND_STREAM)
        messages = await subscription.fetch(before + total, timeout=5)
        demo = [
            message for message in messages if message.headers and "demo-" in message.headers["Nats-Msg-Id"]
        ]
        assert len(demo) == total
        for message in demo:
            event = parse_inbound(message.data)
            assert message.subject == f"events.{event.type}"
            assert message.headers is not None
            assert message.headers["Nats-Msg-Id"] == f"{event.source} {event.id}"
    finally:
        await connection.drain()


async def _stored(js: nats.js.JetStreamContext) -> int:
    try:
        info = await js.stream_info(INBOUND_STREAM)
    except nats.js.errors.NotFoundError:
        return 0
    return int(info.state.messages)
