"""Helpers for the webhook tests: a receiving system's HTTP endpoint on a free port that answers as told
and keeps what it got, deliveries stored as `discharge delivery` stores them, the sender in this loop."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from nats.aio.client import Client as Nats

from discharge.settings import Settings
from events.delivery import (
    DELIVERY_STREAM,
    deliver_subject,
    delivered_document,
    delivery_msg_id,
    encode,
    receivers,
)
from events.outbound.event import OutboundEvent
from events.streams import CLOUDEVENTS_CONTENT_TYPE
from workers.stack.servers import free_port
from workers.webhooks.service import run_webhooks, senders_active
from workers.webhooks.settings import WebhookSettings

#: Never answered: the endpoint holds the request until the test ends.
HANG = 0


@dataclass
class Arrivals:
    """When requests arrived (the loop's clock), over the endpoints that share it."""

    times: list[float] = field(default_factory=list)


@dataclass
class Endpoint:
    """One receiving system's webhook endpoint: answers with ``statuses`` in turn (the last one repeated)."""

    statuses: list[int]
    secret: str = field(default_factory=lambda: "whsec_" + base64.b64encode(bytes(range(32))).decode())
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    arrivals: Arrivals = field(default_factory=Arrivals)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/discharge/webhook"

    def bodies(self) -> list[dict[str, object]]:
        return [json.loads(body) for _, body in self.requests]

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((dict(request.headers), await request.read()))
        self.arrived.set()
        status = self.statuses[min(len(self.requests), len(self.statuses)) - 1]
        self.arrivals.times.append(asyncio.get_running_loop().time())
        if status == HANG:
            await asyncio.Event().wait()
        return web.Response(status=status)


@asynccontextmanager
async def serving(*endpoints: Endpoint) -> AsyncIterator[None]:
    runners = []
    for endpoint in endpoints:
        app = web.Application()
        app.router.add_post("/discharge/webhook", endpoint.handle)
        runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.1)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", endpoint.port).start()
        runners.append(runner)
    try:
        yield
    finally:
        for runner in runners:
            await runner.cleanup()


def endpoints_file(directory: Path, endpoints: dict[str, Endpoint]) -> Path:
    path = directory / "webhooks.json"
    path.write_text(
        json.dumps({hsa_id: {"url": e.url, "secret": e.secret} for hsa_id, e in endpoints.items()})
    )
    path.chmod(0o600)  # it holds the secrets: outside development `discharge webhooks` takes nothing else
    return path


def webhook_settings(
    path: Path, *, timeout: float = 2, retry_for: float = 60, max_concurrency: int = 16
) -> WebhookSettings:
    return WebhookSettings(
        discharge_webhooks_file=path,
        discharge_webhook_timeout=timedelta(seconds=timeout),
        discharge_webhook_first_retry=timedelta(seconds=0.2),
        discharge_webhook_max_retry_interval=timedelta(seconds=0.5),
        discharge_webhook_retry_for=timedelta(seconds=retry_for),
        discharge_webhooks_http_address="127.0.0.1:0",
        discharge_webhook_max_concurrency=max_concurrency,
    )


async def store_deliveries(connection: Nats, event: OutboundEvent, lmv_unit: str) -> list[str]:
    """``event``'s deliveries stored as the fan-out stores them; the receivers' HSA-ids."""
    cloudevent = event.cloudevent()
    owed = receivers(event.type, cloudevent["data"], lmv_unit)
    for receiver in owed:
        await connection.jetstream().publish(
            deliver_subject(receiver.hsa_id, event.type),
            encode(delivered_document(cloudevent, receiver)),
            stream=DELIVERY_STREAM,
            headers={
                "Nats-Msg-Id": delivery_msg_id(event.id, receiver.hsa_id),
                "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
            },
        )
    return [receiver.hsa_id for receiver in owed]


def planning_requested(event_id: str, vardcentral: str) -> OutboundEvent:
    return OutboundEvent(
        id=event_id,
        type="joint_planning_requested",
        time=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        data={
            "patient_key": f"pk_{event_id}",
            "episode_id": f"episode-{event_id}",
            "patient": {"id": "190912319803"},
            "to": ["lmv", "vardcentral"],
            "listed_vardcentral": vardcentral,
        },
    )


@asynccontextmanager
async def sending(settings: Settings, webhooks: WebhookSettings) -> AsyncIterator[asyncio.Task[None]]:
    """`discharge webhooks` in this loop, ready (every receiver's consumer fetching), until the block ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_webhooks(settings, webhooks=webhooks, stop=stop))
    try:
        for _ in range(200):
            if task.done():
                task.result()
            if await senders_active(settings, webhooks):
                break
            await asyncio.sleep(0.05)
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def until(condition: object, seconds: float = 10) -> None:
    """Wait for ``condition()`` to be true."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not within the time")
        await asyncio.sleep(0.05)
