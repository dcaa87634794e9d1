"""Helpers for the gateway's integration tests: publishing, running a gateway, reading histories."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from nats.aio.client import Client as Nats
from nats.js import JetStreamContext
from nats.js.api import PubAck
from temporalio.api.common.v1 import Payload
from temporalio.client import Client

from discharge.settings import Settings
from events.identity import parse_identity, patient_key, workflow_id_for
from events.streams import DEADLETTER_STREAM, inbound_msg_id
from workers.gateway.consumer import build_gateway
from workers.gateway.ingest import Deliver


def gateway_settings(nats_url: str, **overrides: Any) -> Settings:
    """A unique secret per test: workflow IDs never collide with another test's pathways."""
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "discharge_patient_key_secret": f"test-{uuid.uuid4()}",
        "temporal_task_queue": f"gateway-test-{uuid.uuid4()}",
    }
    values.update(overrides)
    return Settings(**values)


def workflow_id(settings: Settings, patient: str) -> str:
    secret = settings.discharge_patient_key_secret.get_secret_value()
    return workflow_id_for(patient_key(parse_identity(patient), secret))


async def publish(js: JetStreamContext, event: dict[str, Any] | bytes, subject: str | None = None) -> PubAck:
    if isinstance(event, bytes):
        assert subject is not None
        return await js.publish(subject, event, headers={"Nats-Msg-Id": str(uuid.uuid4())})
    headers = {"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])}
    return await js.publish(subject or f"events.{event['type']}", json.dumps(event).encode(), headers=headers)


@asynccontextmanager
async def running_gateway(
    settings: Settings,
    deliver: Deliver,
    *,
    concurrency: int = 16,
    ack_wait: timedelta = timedelta(seconds=5),
) -> AsyncIterator[None]:
    _, app = build_gateway(settings, deliver, concurrency=concurrency, ack_wait=ack_wait)
    await app.start()
    try:
        yield
    finally:
        await app.stop()


async def wait_for(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    """Poll ``check`` (a history or a stream on a real server: there is nothing to wait on instead)."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110
            await asyncio.sleep(0.1)


async def plain_payload(client: Client, payload: Payload) -> Payload:
    """A history's payload as the pydantic converter wrote it: decrypted when the client has the codec."""
    codec = client.data_converter.payload_codec
    return (await codec.decode([payload]))[0] if codec is not None else payload


async def signalled_events(client: Client, workflow: str) -> list[dict[str, Any]]:
    """The CloudEvents signalled to a workflow, in history order (the pydantic converter writes JSON)."""
    try:
        history = await client.get_workflow_handle(workflow).fetch_history()
    except Exception:
        return []
    events = []
    for event in history.events:
        if event.HasField("workflow_execution_signaled_event_attributes"):
            payload = event.workflow_execution_signaled_event_attributes.input.payloads[0]
            events.append(json.loads((await plain_payload(client, payload)).data)["event"])
    return events


Letter = tuple[str, bytes, dict[str, str]]


async def dead_letters(nats: Nats, expected: int, timeout: float = 10.0) -> list[Letter]:
    """The first ``expected`` dead letters: (subject, body, headers)."""
    js = nats.jetstream()
    found: list[Letter] = []

    async def enough() -> bool:
        found.clear()
        info = await js.stream_info(DEADLETTER_STREAM)
        if not info.state.messages:
            return False
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            message = await js.get_msg(DEADLETTER_STREAM, seq)
            found.append((message.subject or "", message.data or b"", dict(message.headers or {})))
        return len(found) >= expected

    await wait_for(enough, timeout)
    return found
