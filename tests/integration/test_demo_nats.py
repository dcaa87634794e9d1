"""`load_demo` against a real nats-server: valid events on events.<type>, and no duplicates on a rerun.

The test runs its own nats-server: 58 demo events left on the session's shared stream would be a
backlog for every later test's gateway.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import nats
import pytest

from discharge.demo.cast import PATIENTS
from discharge.demo.loader import load_demo
from discharge.settings import Settings
from events.inbound.parsing import parse_inbound
from events.streams import INBOUND_STREAM
from tests.servers import start_nats
from workers.stack.servers import free_port

pytestmark = pytest.mark.integration


async def test_the_demo_publishes_valid_events_once_however_often_it_runs(tmp_path: Path) -> None:
    server = await start_nats(tmp_path)
    # No Temporal there: the demo cannot see its pathways, so JetStream's de-duplication is under test.
    settings = Settings(nats_url=server.url, temporal_address=f"127.0.0.1:{free_port()}")
    total = sum(len(patient.steps) for patient in PATIENTS)
    connection = await nats.connect(server.url)
    try:
        js = connection.jetstream()
        assert await load_demo(settings, wait_limit=timedelta(0)) == total
        assert await load_demo(settings, wait_limit=timedelta(0)) == 0  # a second run: all duplicates
        info = await js.stream_info(INBOUND_STREAM)
        assert info.state.messages == total

        subscription = await js.pull_subscribe("events.>", stream=INBOUND_STREAM)
        messages = await subscription.fetch(total, timeout=5)
        assert len(messages) == total
        ids = set()
        for message in messages:
            event = parse_inbound(message.data)
            assert message.subject == f"events.{event.type}"
            assert message.headers is not None
            assert message.headers["Nats-Msg-Id"] == f"{event.source} {event.id}"
            ids.add(event.id)
        assert len(ids) == total
    finally:
        await connection.close()
        await server.stop()
