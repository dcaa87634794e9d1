"""The doors' benchmark's senders: the same admissions over the NATS path and through ``POST /events``, and
A01 messages over MLLP.

Both ingest senders keep the same number of events in flight and count an event when JetStream has acked it
(the NATS path: the publish's ack; the HTTP door: its ``202``, sent only after the same ack). Bodies are
encoded (`nats_calls`, `http_bodies`) before the clock and the CPU meters start, on both sides: a sender has
its bytes ready, and encoding is no door's cost.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from nats.js import JetStreamContext

from bench.soak import patient
from events.batch import ReadyEvent, publish_batch
from events.examples import example_event
from events.inbound.parsing import parse_inbound
from tests.integration.doors_support import END_BLOCK, START_BLOCK

SAMPLE = (Path(__file__).resolve().parents[1] / "docs" / "hl7" / "ADT_A01.hl7").read_bytes()
STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"


def admissions(run: str, count: int) -> list[dict[str, Any]]:
    events = []
    for number in range(count):
        event = example_event(
            "hospital.patient_admitted", patient=patient(number), event_id=f"{run}-{number}"
        )
        event["data"]["episode_id"] = f"{run}-{number}"
        events.append(event)
    return events


def in_batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


async def gathered(calls: list[Callable[[], Awaitable[None]]], concurrency: int) -> float:
    """Seconds to run every call, ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Callable[[], Awaitable[None]]) -> None:
        async with gate:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one(call) for call in calls))
    return time.perf_counter() - started


def nats_calls(events: list[dict[str, Any]], batch: int) -> list[list[ReadyEvent]]:
    """The events as a NATS sender holds them before publishing: encoded and read, ``batch`` a call."""
    now, tolerance = datetime.now(UTC), timedelta(minutes=5)
    ready = [
        ReadyEvent("event", body, parse_inbound(body, now=now, future_tolerance=tolerance))
        for body in (json.dumps(event).encode() for event in events)
    ]
    return in_batches(ready, batch)


def http_bodies(events: list[dict[str, Any]], batch: int) -> list[bytes]:
    """The request bodies: one event each, or a JSON array of ``batch`` events (batched mode)."""
    if batch > 1:
        return [json.dumps(chunk).encode() for chunk in in_batches(events, batch)]
    return [json.dumps(event).encode() for event in events]


async def nats_path(js: JetStreamContext, calls: list[list[ReadyEvent]], concurrency: int) -> float:
    """Events/s stored straight over NATS as a NATS sender stores them: `publish_batch`, the function that
    `discharge publish` and the HTTP door themselves use (``Nats-Msg-Id``, ``Content-Type``, the stream's
    ack), one call per list of events (their acks awaited together), ``concurrency`` calls at a time: the
    same events in flight as the HTTP door gets."""

    def call(chunk: list[ReadyEvent]) -> Callable[[], Awaitable[None]]:
        async def publish() -> None:
            await publish_batch(js, chunk, timeout=10)

        return publish

    seconds = await gathered([call(chunk) for chunk in calls], concurrency)
    return sum(map(len, calls)) / seconds


async def http_path(url: str, token: str, bodies: list[bytes], events: int, concurrency: int) -> float:
    """Events/s through ``POST /events``: ``concurrency`` kept-alive connections, one request at a time on
    each (HTTP/1.1 as aiohttp and most senders speak it); a body that is a JSON array goes in batched mode.
    aiohttp as the client: httpx's connection pool costs more CPU than the door itself at this rate."""
    batched = {"Content-Type": BATCH, "Authorization": f"Bearer {token}"}
    single = {"Content-Type": STRUCTURED, "Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as http:

        def call(body: bytes) -> Callable[[], Awaitable[None]]:
            headers = batched if body.startswith(b"[") else single

            async def post() -> None:
                async with http.post("/events", data=body, headers=headers) as answer:
                    assert answer.status == 202, await answer.text()
                    await answer.read()

            return post

        seconds = await gathered([call(body) for body in bodies], concurrency)
    return events / seconds


async def mllp(port: int, messages: int, connections: int) -> tuple[float, list[float]]:
    """Messages/s and each message's time from sent to its ACK read: one message at a time per connection,
    as MLLP does, ``connections`` connections side by side."""
    latencies: list[float] = []

    async def connection(number: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for index in range(number, messages, connections):
            body = SAMPLE.replace(b"HSH-A01-000123", f"BENCH-{index}".encode())
            body = body.replace(b"190912319803", patient(5000 + index).replace("-", "").encode())
            started = time.perf_counter()
            writer.write(START_BLOCK + body + END_BLOCK)
            await writer.drain()
            answer = await reader.readuntil(END_BLOCK)
            latencies.append(time.perf_counter() - started)
            assert b"MSA|AA|" in answer, answer
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection(n) for n in range(connections)))
    return messages / (time.perf_counter() - started), latencies
