"""Helpers for the delivery tests: a secured nats-server as `discharge dev` runs it, its users' logins,
the fan-out running in the test's loop, and a receiver reading its own deliveries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as Nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import ConsumerConfig

from discharge.receiving import consumer_config
from discharge.settings import Settings
from events.delivery import DELIVERY_STREAM, receiver_filter
from tests.servers import NatsProcess
from workers.delivery import consumer_active, run_delivery
from workers.stack.nats_auth import NatsLogin

LMV_UNIT = "SE2321000131-E000000000200"
VC_CENTRUM = "SE2321000131-E000000000101"
VC_ANDERSBERG = "SE2321000131-E000000000102"
VC_VARBERG = "SE2321000131-E000000000103"


def login_settings(server: NatsProcess, login: NatsLogin, directory: Path) -> Settings:
    return Settings(
        nats_url=server.url,
        nats_nkey_seed=login.seed_file,
        nats_inbox_prefix=login.inbox_prefix,
        discharge_data_dir=directory,
        discharge_lmv_unit=LMV_UNIT,
    )


async def connect_as(server: NatsProcess, login: NatsLogin, errors: list[str] | None = None) -> Nats:
    async def collect(error: Exception) -> None:
        if errors is not None:
            errors.append(str(error))

    return await nats.connect(
        server.url,
        nkeys_seed=str(login.seed_file),
        inbox_prefix=login.inbox_prefix,
        error_cb=collect,
        max_reconnect_attempts=0,
        allow_reconnect=False,
    )


@asynccontextmanager
async def fan_out(settings: Settings) -> AsyncIterator[None]:
    """`discharge delivery` in this loop, until the block ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(run_delivery(settings, stop=stop))
    try:
        for _ in range(200):
            if task.done():
                task.result()  # raises what stopped it
            if await consumer_active(settings):
                break
            await asyncio.sleep(0.05)
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


def receiver_consumer(hsa_id: str, filter_subject: str) -> ConsumerConfig:
    """A receiving system's durable consumer as `discharge receive` creates it, with another filter."""
    return consumer_config(hsa_id).evolve(filter_subject=filter_subject)


async def received(
    connection: Nats, hsa_id: str, *, at_least: int, seconds: float = 10
) -> list[dict[str, Any]]:
    """What ``hsa_id`` finds on its own subject: at least ``at_least`` documents, then whatever else is."""
    config = consumer_config(hsa_id)
    subscription = await connection.jetstream().pull_subscribe(
        receiver_filter(hsa_id), durable=config.name, stream=DELIVERY_STREAM, config=config
    )
    documents: list[dict[str, Any]] = []
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        try:
            messages = await subscription.fetch(16, timeout=0.5)
        except (NatsTimeout, TimeoutError):
            if len(documents) >= at_least:
                break
            continue
        for message in messages:
            documents.append(json.loads(message.data))
            await message.ack()
    return documents
