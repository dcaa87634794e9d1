"""The doors' benchmark: HTTP ingest against the NATS path on one stack, MLLP messages/s with p99 ACK.

    python bench/doors.py [--events 2000] [--concurrency 32] [--batch 1] [--messages 1000] [--connections 4]

Starts NATS, Temporal, the worker, the gateway, `discharge http` and `discharge hl7` as processes
(tests/integration/doors_support.py), then stores the same kind of admission events in DISCHARGE_EVENTS

1. straight over NATS (JetStream publish with ack and Nats-Msg-Id, as `discharge publish`): the NATS path;
2. through `POST /events` (structured mode, a hospital token), each answered 202 only once stored;

each at the same concurrency, and prints both rates and ``http/nats ratio: X.XX`` (goal ≥ 0.8); with
``--batch N`` the HTTP door gets batches of N events (``application/cloudevents-batch+json``), the NATS path
the same events one by one as before. It also prints the HTTP door's CPU time per event (from /proc).
Then it sends A01 messages over MLLP on several connections (one message at a time on each, as MLLP
does) and prints messages/s and the p50/p99 time from a message sent to its ACK read. docs/benchmarks.md
has the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
import nats

from bench.soak import patient
from events.examples import example_event
from events.streams import inbound_msg_id
from tests.integration.doors_support import END_BLOCK, START_BLOCK, running_doors

SAMPLE = (Path(__file__).resolve().parents[1] / "docs" / "hl7" / "ADT_A01.hl7").read_bytes()


def admissions(run: str, count: int) -> list[dict[str, Any]]:
    events = []
    for number in range(count):
        event = example_event(
            "hospital.patient_admitted", patient=patient(number), event_id=f"{run}-{number}"
        )
        event["data"]["episode_id"] = f"{run}-{number}"
        events.append(event)
    return events


async def gathered(calls: list[Any], concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(call: Any) -> None:
        async with gate:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one(call) for call in calls))
    return time.perf_counter() - started


async def nats_path(url: str, events: list[dict[str, Any]], concurrency: int) -> float:
    nc = await nats.connect(url)
    js = nc.jetstream()

    def call(event: dict[str, Any]) -> Any:
        async def publish() -> None:
            headers = {"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])}
            await js.publish(
                f"events.{event['type']}", json.dumps(event).encode(), headers=headers, timeout=10
            )

        return publish

    seconds = await gathered([call(event) for event in events], concurrency)
    await nc.close()
    return len(events) / seconds


async def http_path(
    url: str, token: str, events: list[dict[str, Any]], concurrency: int, batch: int = 1
) -> float:
    """aiohttp as the client: httpx's connection pool costs more CPU than the door itself at this rate."""
    media = "application/cloudevents-batch+json" if batch > 1 else "application/cloudevents+json"
    headers = {"Content-Type": media, "Authorization": f"Bearer {token}"}
    bodies: list[Any] = [events[i : i + batch] for i in range(0, len(events), batch)] if batch > 1 else events
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(base_url=url, connector=connector) as http:

        def call(body: Any) -> Any:
            async def post() -> None:
                async with http.post("/events", data=json.dumps(body), headers=headers) as answer:
                    assert answer.status == 202, await answer.text()

            return post

        seconds = await gathered([call(body) for body in bodies], concurrency)
    return len(events) / seconds


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def mllp(port: int, messages: int, connections: int) -> tuple[float, list[float]]:
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


async def run(events: int, concurrency: int, batch: int, messages: int, connections: int) -> None:
    # The per-system rate bound (500/s by default) is what is measured against otherwise: lifted here.
    os.environ["DISCHARGE_HTTP_RATE"] = "1000000"
    with tempfile.TemporaryDirectory(prefix="bench-doors-") as directory:
        async with running_doors(Path(directory)) as doors:
            # A warm-up of each path, then the measured runs (different events: each stored once).
            await nats_path(doors.settings.nats_url, admissions("warm-nats", 100), concurrency)
            await http_path(
                doors.http_url, doors.tokens["hospital"], admissions("warm-http", 100), concurrency
            )
            nats_rate = await nats_path(doors.settings.nats_url, admissions("nats", events), concurrency)
            door_pid = doors.children["http"].pid
            cpu_before = cpu_seconds(door_pid)
            http_rate = await http_path(
                doors.http_url, doors.tokens["hospital"], admissions("http", events), concurrency, batch
            )
            door_cpu = (cpu_seconds(door_pid) - cpu_before) / events
            print(f"nats path: {events} events at concurrency {concurrency}: {nats_rate:.0f} events/s")
            print(
                f"http door: {events} events at concurrency {concurrency}, {batch} per request: "
                f"{http_rate:.0f} events/s; the door's CPU {door_cpu * 1000:.2f} ms per event"
            )
            rate, latencies = await mllp(doors.hl7_port, messages, connections)
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"hl7 door: {messages} A01 over {connections} connections: {rate:.0f} messages/s, "
                f"ACK p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms"
            )
            print(f"http/nats ratio: {http_rate / nats_rate:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch", type=int, default=1, help="events per HTTP request (batched mode above 1)")
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args(argv)
    asyncio.run(run(args.events, args.concurrency, args.batch, args.messages, args.connections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
