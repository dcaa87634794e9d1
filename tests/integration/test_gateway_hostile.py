"""Hostile input and a lost connection against a real nats-server: intake goes on behind them."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from faststream import FastStream
from faststream.nats import NatsBroker
from nats.aio.client import Client as Nats
from temporalio.testing import WorkflowEnvironment

from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.deadletter import (
    HEADER_KIND,
    HEADER_ORIGINAL_SHA256,
    HEADER_ORIGINAL_SIZE,
    HEADER_TRUNCATED,
    MAX_KEPT_BODY,
    header_bytes,
)
from events.examples import PERSONNUMMER, example_event
from events.streams import ensure_streams
from tests.integration.gateway_support import (
    dead_letters,
    gateway_settings,
    publish,
    running_gateway,
    signalled_events,
    wait_for,
    workflow_id,
)
from tests.servers import NatsProcess, start_nats
from workers.gateway import consumer, service
from workflows.api import PathwayEvent

pytestmark = pytest.mark.integration

#: nats-server's default max_payload: a sender may publish a message this large, headers included.
SERVER_MAX_PAYLOAD = 1024 * 1024


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsProcess]:
    server = await start_nats(tmp_path)
    yield server
    await server.stop()


@pytest.fixture
async def nats(own_nats: NatsProcess) -> AsyncIterator[Nats]:
    connection = await connect_nats(Settings(nats_url=own_nats.url), retry_forever=False)
    await ensure_streams(connection.jetstream())
    yield connection
    await connection.drain()


def almost_one_mib() -> bytes:
    """A message as large as the server takes: JSON-looking, far over any event's bound."""
    return b'{"padding": "' + b"x" * (SERVER_MAX_PAYLOAD - 200) + b'"}'


async def test_a_one_mib_message_is_dead_lettered_in_part_and_the_next_events_still_flow(
    own_nats: NatsProcess, nats: Nats
) -> None:
    delivered: list[str] = []

    async def deliver(event: PathwayEvent) -> None:
        delivered.append(event.event.id)

    js = nats.jetstream()
    huge = almost_one_mib()
    async with running_gateway(gateway_settings(own_nats.url), deliver):
        await publish(js, example_event("hospital.patient_admitted", event_id="before"))
        await publish(js, huge, subject="events.hospital.patient_admitted")
        await publish(js, example_event("hospital.risk_assessed", event_id="after"))

        async def both_delivered() -> bool:
            return sorted(delivered) == ["after", "before"]

        await wait_for(both_delivered, timeout=20)
        [(subject, body, headers)] = await dead_letters(nats, 1)
    assert subject == "deadletter.events.hospital.patient_admitted"
    assert headers[HEADER_KIND] == "too_large"
    assert len(body) == MAX_KEPT_BODY and huge.startswith(body)
    assert headers[HEADER_ORIGINAL_SIZE] == str(len(huge))
    assert headers[HEADER_ORIGINAL_SHA256] == hashlib.sha256(huge).hexdigest()
    assert headers[HEADER_TRUNCATED] == "true"
    assert len(body) + header_bytes(headers) <= SERVER_MAX_PAYLOAD
    assert json.loads(json.dumps(headers))  # plain one-line strings


async def test_a_connection_the_server_closes_is_replaced_and_the_gateway_consumes_again(
    own_nats: NatsProcess, nats: Nats, temporal_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """nats-py reconnects after a lost connection, not after a close (the server's -ERR): the gateway
    builds itself again on a new connection."""
    brokers: list[NatsBroker] = []

    def recording(*args: Any, **kwargs: Any) -> tuple[NatsBroker, FastStream]:
        broker, app = consumer.build_gateway(*args, **kwargs)
        brokers.append(broker)
        return broker, app

    monkeypatch.setattr(service, "build_gateway", recording)
    client = temporal_env.client
    settings = gateway_settings(own_nats.url, temporal_address=client.service_client.config.target_host)
    js = nats.jetstream()
    gateway = asyncio.create_task(service.run_gateway(settings))
    try:
        await publish(js, example_event("hospital.patient_admitted", event_id="first"))

        pathway = workflow_id(settings, PERSONNUMMER)

        async def arrived(*ids: str) -> bool:
            return [event["id"] for event in await signalled_events(client, pathway)] == [*ids]

        await wait_for(lambda: arrived("first"), timeout=20)
        await brokers[0].connection.close()  # as nats-py does after a server's -ERR
        await publish(js, example_event("hospital.risk_assessed", event_id="second"))
        await wait_for(lambda: arrived("first", "second"), timeout=20)
        assert len(brokers) == 2 and not gateway.done()
    finally:
        gateway.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gateway
