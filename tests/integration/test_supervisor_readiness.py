"""A part alive but not ready stops the embedded stack, naming the part: the supervisor is not unaware."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import nats
import pytest
from structlog.testing import capture_logs

from discharge.settings import Settings
from events.streams import OUTBOUND_STREAM, ensure_streams
from tests.integration.stack_support import stack_ports_free, stack_settings
from tests.servers import start_nats
from workers.stack.health import pull_consumer_working
from workers.stack.servers import free_port
from workers.stack.supervisor import Supervisor

pytestmark = pytest.mark.integration


async def test_a_gateway_that_stops_answering_readiness_stops_the_stack_saying_which(tmp_path: Path) -> None:
    settings = stack_settings(tmp_path / "data", discharge_gateway_http_address=f"127.0.0.1:{free_port()}")
    stack = Supervisor(settings, parts=("gateway",), grace=3, readiness_patience=3, readiness_every=0.5)
    with capture_logs() as logs:
        running = asyncio.create_task(stack.run())
        await asyncio.wait_for(stack.ready.wait(), 60)
        await asyncio.sleep(2)  # ready and watched: a healthy part does not stop the stack
        assert not running.done()
        # Alive (the process exists, its connections stay open) but answering nothing, like a hung process.
        os.kill(stack.children["gateway"].pid, signal.SIGSTOP)
        assert await asyncio.wait_for(running, 40) == 1
    [stopped] = [entry for entry in logs if entry["log_level"] == "error"]
    assert stopped["part"] == "gateway"
    assert stopped["event"].startswith("gateway alive but not ready for ")
    assert stopped["event"].endswith("; stopping the whole stack")
    assert all(child.returncode is not None for child in stack.children.values())
    assert stack_ports_free(stack.settings)


async def test_a_pull_consumer_busy_with_a_backlog_counts_as_working(tmp_path: Path) -> None:
    """The read model has no fetch waiting while it works through a batch: unacked messages in hand
    count as working, so a long backlog does not stop the stack; idle and empty-handed does not."""
    server = await start_nats(tmp_path)
    settings = Settings(nats_url=server.url)
    connection = await nats.connect(server.url)
    try:
        js = connection.jetstream()
        await ensure_streams(js)
        subscription = await js.pull_subscribe("discharge.>", durable="busy", stream=OUTBOUND_STREAM)
        assert not await pull_consumer_working(settings, OUTBOUND_STREAM, "busy")
        await js.publish("discharge.pathway_started", b"{}")
        [in_hand] = await subscription.fetch(1, timeout=5)
        assert await pull_consumer_working(settings, OUTBOUND_STREAM, "busy")  # no fetch waiting, one in hand
        await in_hand.ack()
        await asyncio.sleep(0.2)
        assert not await pull_consumer_working(settings, OUTBOUND_STREAM, "busy")
    finally:
        await connection.close()
        await server.stop()
