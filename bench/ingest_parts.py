"""The ingest benchmark's fixtures: its own nats-server and in-memory Temporal dev server, a client with
the run's payload key ring, the synthetic workload, and the publishers (a backlog, or paced)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from nats.js import JetStreamContext
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from discharge.codec import encrypted_data_converter
from discharge.keyring import new_ring
from events.examples import example_event
from events.identity import luhn_check_digit
from events.streams import inbound_msg_id
from workers.stack.servers import (
    free_port,
    nats_command,
    nats_config,
    temporal_dev_command,
    wait_for_tcp,
)

EVENTS_PER_PATIENT = 10
EVENT_TYPES = (
    "primarycare.physician_contact",
    "municipality.concern_raised",
    "hospital.risk_assessed",
    "primarycare.planning_confirmed",
)


def synthetic_patient(number: int) -> str:
    """A valid personnummer born in 1900-1909 (never a living person), distinct per number < 10 000."""
    block, serial = divmod(number, 999)  # serials 001-999: 000 is never issued
    year, day = 1900 + block % 10, 1 + block // 10
    nine = f"{year % 100:02d}01{day:02d}{serial + 1:03d}"
    return f"{year}01{day:02d}-{serial + 1:03d}{luhn_check_digit(nine)}"


def workload(count: int) -> list[dict[str, Any]]:
    run = uuid.uuid4().hex[:8]
    return [
        example_event(
            EVENT_TYPES[n % len(EVENT_TYPES)],
            patient=synthetic_patient(n // EVENTS_PER_PATIENT),
            event_id=f"bench-{run}-{n}",
        )
        for n in range(count)
    ]


@asynccontextmanager
async def servers(directory: Path) -> AsyncIterator[tuple[str, str]]:
    """A nats-server and a Temporal dev server of our own; yields (nats url, temporal address)."""
    nats_port, temporal_port = free_port(), free_port()
    config = directory / "nats.conf"
    config.write_text(nats_config("127.0.0.1", nats_port, directory / "jetstream"))
    quiet = {"stdout": asyncio.subprocess.DEVNULL, "stderr": asyncio.subprocess.DEVNULL}
    nats = await asyncio.create_subprocess_exec(*nats_command(config), **quiet)  # type: ignore[arg-type]
    temporal = await asyncio.create_subprocess_exec(
        *temporal_dev_command("127.0.0.1", temporal_port, None, None),
        **quiet,  # type: ignore[arg-type]
    )
    try:
        await wait_for_tcp("127.0.0.1", nats_port)
        await wait_for_tcp("127.0.0.1", temporal_port)
        yield f"nats://127.0.0.1:{nats_port}", f"127.0.0.1:{temporal_port}"
    finally:
        for process in (nats, temporal):
            if process.returncode is None:
                process.terminate()
                await process.wait()


BENCH_RING = new_ring()


async def temporal_client(address: str) -> Client:
    async with asyncio.timeout(60):
        while True:
            try:
                # Payloads encrypted as in the product (connect_temporal): a ring of the run's own.
                client = await Client.connect(address, data_converter=encrypted_data_converter(BENCH_RING))
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace="default")
                )
                return client
            except Exception:
                await asyncio.sleep(0.2)


async def publish_one(js: JetStreamContext, event: dict[str, Any]) -> None:
    await js.publish(
        f"events.{event['type']}",
        json.dumps(event).encode(),
        headers={"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])},
    )


async def publish_backlog(js: JetStreamContext, events: list[dict[str, Any]]) -> None:
    """Publish with acks, many in flight, before the measurement starts."""
    limit = asyncio.Semaphore(256)

    async def one(event: dict[str, Any]) -> None:
        async with limit:
            await publish_one(js, event)

    await asyncio.gather(*(one(event) for event in events))


async def publish_paced(
    js: JetStreamContext, events: list[dict[str, Any]], rate: float, sent: dict[str, float]
) -> None:
    """Publish at a steady ``rate`` per second (a day's traffic, not a backlog), noting each send time."""
    started = time.perf_counter()
    tasks = []
    for n, event in enumerate(events):
        await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
        sent[event["id"]] = time.perf_counter()
        tasks.append(asyncio.create_task(publish_one(js, event)))
    await asyncio.gather(*tasks)
