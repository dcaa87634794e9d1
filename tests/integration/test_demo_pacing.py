"""`load_demo` paces its rounds on the gateway's acks, so a concurrent gateway keeps each story in order.

A consumer of our own stands in for the gateway on a NATS server of this test's own (a consumer left
behind by another test must not slow this one down): it takes whatever is available and acks it.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path

import nats
import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from temporalio.testing import WorkflowEnvironment

from discharge.demo.cast import PATIENTS
from discharge.demo.loader import load_demo
from discharge.settings import Settings
from events.inbound.parsing import parse_inbound
from events.streams import INBOUND_STREAM, ensure_streams
from tests.servers import start_nats

pytestmark = pytest.mark.integration


async def test_no_batch_the_gateway_takes_holds_two_events_of_one_patient(
    tmp_path: Path, temporal_env: WorkflowEnvironment
) -> None:
    server = await start_nats(tmp_path)
    total = sum(len(patient.steps) for patient in PATIENTS)
    connection = await nats.connect(server.url)
    try:
        js = connection.jetstream()
        await ensure_streams(js)
        subscription = await js.pull_subscribe("events.>", durable="stand-in-gateway", stream=INBOUND_STREAM)
        batches: list[list[str]] = []

        async def gateway() -> None:
            while sum(len(batch) for batch in batches) < total:
                try:
                    messages = await subscription.fetch(100, timeout=0.2)
                except (NatsTimeoutError, TimeoutError):
                    # nats-py's fetch can also raise the builtin TimeoutError when its deadline is spent.
                    continue
                batches.append([parse_inbound(message.data).data.patient.id for message in messages])
                for message in messages:
                    await message.ack()

        consuming = asyncio.create_task(gateway())
        # No pathway will show a review here (no worker): the wait before the decision is cut short.
        settings = Settings(
            nats_url=server.url,
            temporal_address=temporal_env.client.service_client.config.target_host,
            discharge_patient_key_secret=f"pacing-{uuid.uuid4().hex}",  # no demo pathways of another test
        )
        assert await load_demo(settings, wait_limit=timedelta(seconds=1)) == total
        await asyncio.wait_for(consuming, 10)
        assert sum(len(batch) for batch in batches) == total
        for batch in batches:
            assert len(batch) == len(set(batch)), "one patient's events were available at once"
        assert len(batches) >= max(len(patient.steps) for patient in PATIENTS)
    finally:
        await connection.close()  # not drain: a pull subscription makes drain wait its full timeout
        await server.stop()
