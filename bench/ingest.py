"""Ingest benchmark: NATS JetStream → gateway → Temporal signal-with-start, against plain signal-with-start.

    python bench/ingest.py [--events 2000] [--concurrency 64]

**It measures the gateway against Temporal's in-memory dev server**, which is 6-8 times faster than the
file-backed one `discharge dev` runs: its rates say what the gateway adds to a signal-with-start, not what
the product takes end to end. For the product as it runs, use `bench/pathways.py`.

Starts its own nats-server (JetStream on file storage, sync_interval always) and Temporal dev server (in
memory) on free ports in a temporary directory, and a gateway in this process; no worker is needed because
signal-with-start is accepted by the server without one. It then

1. makes N signal-with-start calls straight from one client at the given concurrency (the plain rate);
2. publishes N events (spread over many patients, as in real life) to JetStream, then starts the gateway
   and times how fast it drains them into Temporal (the gateway rate). The backlog is published first
   because in production the senders are other machines, not the gateway's own CPU;
3. publishes N/4 more at a steady half of the plain rate and records, for each, the time from publish to
   Temporal accepting its signal (p50/p99 latency).

The last line is ``ingest ratio: X.XX`` (gateway rate / plain rate). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/ingest.py`: the repository root, for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from temporalio.client import Client

from bench.ingest_parts import publish_backlog, publish_paced, servers, temporal_client, workload
from discharge.logging import configure_logging
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from discharge.temporal_client import signal_with_start
from events.identity import parse_identity, patient_key
from events.inbound.parsing import parse_inbound
from events.streams import ensure_streams
from workers.gateway.consumer import DEFAULT_CONCURRENCY, build_gateway
from workers.gateway.service import temporal_delivery
from workflows.actor import gateway_for
from workflows.api import PathwayEvent

#: CPU milliseconds this process spent per event on each path (independent of other load on the machine).
CPU_MS: dict[str, float] = {}


@dataclass(frozen=True)
class Result:
    events: int
    concurrency: int
    gateway_rate: float
    p50_ms: float
    p99_ms: float
    duplicates: int
    plain_rate: float
    rounds: int

    @property
    def ratio(self) -> float:
        return self.gateway_rate / self.plain_rate

    def lines(self) -> list[str]:
        return [
            f"machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
            "server: Temporal dev server IN MEMORY (not the file-backed one `discharge dev` runs: "
            "bench/pathways.py measures that)",
            f"events: {self.events}, concurrency: {self.concurrency}, "
            f"rounds: {self.rounds} (best of each path)",
            f"gateway: {self.gateway_rate:.0f} events/s draining a backlog; duplicate deliveries: "
            f"{self.duplicates}",
            f"gateway latency at half the plain rate (publish -> signal accepted): p50 {self.p50_ms:.1f} ms, "
            f"p99 {self.p99_ms:.1f} ms",
            f"plain signal-with-start: {self.plain_rate:.0f} events/s",
            "client CPU per event: "
            + ", ".join(f"{path} {ms:.2f} ms" for path, ms in sorted(CPU_MS.items())),
            f"ingest ratio: {self.ratio:.2f}",
        ]


class Accepted:
    """Wraps the gateway's delivery: when Temporal accepted each event, and how often it was called."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self.signal = temporal_delivery(client, task_queue)
        self.at: dict[str, float] = {}
        self.calls = 0
        self.expected = 0
        self.done = asyncio.Event()

    def expect(self, count: int) -> None:
        self.at.clear()
        self.expected = count
        self.done.clear()

    async def __call__(self, event: PathwayEvent) -> object:
        self.calls += 1
        result = await self.signal(event)
        self.at.setdefault(event.event.id, time.perf_counter())
        if len(self.at) >= self.expected:
            self.done.set()
        return result


async def through_gateway(
    nats_url: str, client: Client, events: int, concurrency: int, paced_rate: float
) -> tuple[float, list[float], int]:
    """(rate draining a backlog of ``events``, latencies at ``paced_rate``, duplicate deliveries)."""
    settings = Settings(
        nats_url=nats_url,
        discharge_patient_key_secret=f"bench-gateway-{uuid.uuid4()}",
        temporal_task_queue="bench",
    )
    accepted = Accepted(client, settings.temporal_task_queue)
    _, app = build_gateway(settings, accepted, concurrency=concurrency)
    publisher = await connect_nats(settings, name="bench-publisher", retry_forever=False)
    js = publisher.jetstream()
    backlog, steady = workload(events), workload(max(events // 4, 20))
    try:
        await ensure_streams(js)
        await publish_backlog(js, backlog)
        accepted.expect(len(backlog))
        started, cpu = time.perf_counter(), time.process_time()
        await app.start()
        async with asyncio.timeout(600):
            await accepted.done.wait()
        rate = len(backlog) / (max(accepted.at.values()) - started)
        CPU_MS["gateway"] = min(CPU_MS.get("gateway", 1e9), (time.process_time() - cpu) * 1000 / len(backlog))

        accepted.expect(len(steady))
        sent: dict[str, float] = {}
        await publish_paced(js, steady, paced_rate, sent)
        async with asyncio.timeout(600):
            await accepted.done.wait()
        latencies = [(accepted.at[event_id] - sent[event_id]) * 1000 for event_id in sent]
    finally:
        await app.stop()
        await publisher.drain()
    return rate, latencies, accepted.calls - len(backlog) - len(steady)


async def plain(client: Client, events: list[dict[str, Any]], concurrency: int) -> float:
    secret = f"bench-plain-{uuid.uuid4()}"
    parsed = [parse_inbound(json.dumps(event)) for event in events]
    queue: asyncio.Queue[PathwayEvent] = asyncio.Queue()
    for event in parsed:
        key = patient_key(parse_identity(event.data.patient.id), secret)
        queue.put_nowait(PathwayEvent(patient_key=key, event=event, actor=gateway_for(event.type)))

    async def worker() -> None:
        while not queue.empty():
            await signal_with_start(client, "bench", queue.get_nowait())

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    CPU_MS["plain"] = min(CPU_MS.get("plain", 1e9), (time.process_time() - cpu) * 1000 / len(events))
    return len(events) / elapsed


async def run_benchmark(events: int, concurrency: int = DEFAULT_CONCURRENCY, rounds: int = 2) -> Result:
    """Plain and gateway runs alternate ``rounds`` times; the best of each counts (as `timeit` does), so a
    burst of other work on the machine during one run does not decide the ratio."""
    plain_rates: list[float] = []
    gateway_runs: list[tuple[float, list[float], int]] = []
    with tempfile.TemporaryDirectory(prefix="discharge-bench-") as directory:
        async with servers(Path(directory)) as (nats_url, temporal_address):
            client = await temporal_client(temporal_address)
            # Warm up (connections, namespace caches) outside the measurement.
            await plain(client, workload(min(events, 50)), concurrency)
            for _ in range(rounds):
                plain_rates.append(await plain(client, workload(events), concurrency))
                gateway_runs.append(
                    await through_gateway(nats_url, client, events, concurrency, max(plain_rates) / 2)
                )
    gateway_rate, latencies, _ = max(gateway_runs, key=lambda run: run[0])
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Result(
        events,
        concurrency,
        gateway_rate,
        statistics.median(ordered),
        p99,
        sum(run[2] for run in gateway_runs),
        max(plain_rates),
        rounds,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000, help="events to ingest (default 2000)")
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="in-flight signals, both paths"
    )
    parser.add_argument("--rounds", type=int, default=2, help="alternating runs of each path (default 2)")
    args = parser.parse_args(argv)
    configure_logging("bench", "console", "warning")
    result = asyncio.run(run_benchmark(args.events, args.concurrency, args.rounds))
    for line in result.lines():
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
