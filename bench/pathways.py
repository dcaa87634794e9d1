"""Pathway benchmark: the product as `discharge dev` runs it, end to end, against a bare signal-with-start.

    python bench/pathways.py [--patients 300] [--open 1000,10000] [--concurrency 64] [--data-dir DIR]

Starts the real embedded stack (`workers/stack/`: the file-backed Temporal dev server, NATS with
JetStream on file storage, the worker and the gateway as child processes) on free ports, then

1. measures a **bare** signal-with-start rate against the same Temporal server: ``patients`` × 6 calls
   from one client, 64 at a time, to a workflow type no worker runs (what the server itself takes);
   then the **floor**: the same number of events through a do-nothing workflow that takes each in its
   own workflow task (`bench/pathways_floor.py`: what any workflow that reacts to every event costs);
2. publishes ``patients`` full pathways (admitted → risk assessed high → discharge planned → planning
   confirmed by LMV and by the VC → discharged: 6 inbound events, one listing look-up, the outbound
   events each step publishes) to ``DISCHARGE_EVENTS`` and times them until the last outbound event of
   the last pathway is in ``DISCHARGE_OUTBOUND``: the **end-to-end** rate (events/s); then the
   **delivery latency** (p50/p99) of those pathways, read as the LMV unit reads its deliveries: from an
   inbound event stored to its delivery stored in ``DISCHARGE_DELIVERY`` (`bench/delivery_latency.py`);
3. for each size in ``--open``, grows the number of open pathways to that size (more full pathways) and
   records each process's resident memory (RSS) and the CLI's latencies (`discharge pathways`,
   `discharge tasks`, as a user runs them: a new Python process each).

Each phase also gives each process's CPU milliseconds per event (where the two cores' time went).
The last line is ``pathway ratio: X.XX`` = end-to-end rate / bare rate (goal: ≥ 0.9). See
docs/benchmarks.md. The big sizes take long on 2 cores (10,000 pathways are 60,000 events).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/pathways.py`: the repository root, for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nats.js import JetStreamContext

from bench.delivery_latency import InboundTimes, delivery_latencies, percentile
from bench.pathways_figures import Figures
from bench.pathways_floor import floor_rate
from bench.pathways_measures import (
    RUNNING,
    bare_rate,
    cli_latencies,
    cpu_ms_per_event,
    cpu_snapshot,
    fill_listing,
    history_events_per_event,
    listing_times,
    load_average,
    rss_mb,
    worker_tasks,
)
from discharge.logging import configure_logging
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.examples import EVENTS_PER_PATHWAY, pathway_events
from events.streams import DEADLETTER_STREAM, OUTBOUND_STREAM, inbound_msg_id
from workers.stack.servers import free_port
from workers.stack.supervisor import Supervisor
from workflows.names import WORKFLOW_TYPE

#: Each pathway of `pathway_events` ends by publishing this, once.
LAST_SUBJECT = "discharge.support_started"
#: No pathway finished for this long: the rest will not (their events were dead-lettered).
STALL = 90.0
#: A floor run that took all its events, and a pathway that took all six (`history_events_per_event`).
FLOOR_DONE = "WorkflowType = 'BenchFloor' AND ExecutionStatus = 'Completed'"
PATHWAY_DONE = f"WorkflowType = '{WORKFLOW_TYPE}' AND DischargePhase = 'lmv_support'"
#: Warm-up pathways (numbered apart from the measured ones).
PILOT, PILOT_FIRST = 5, 110_000


def progress(line: str) -> None:
    """Each phase's figure as soon as it is known (a long run that is stopped still tells something)."""
    print(f"# {time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


def stack_settings(directory: Path, **overrides: Any) -> Settings:
    temporal_port = free_port()
    while not 1024 < temporal_port < 64000:
        temporal_port = free_port()
    return Settings(
        temporal_address=f"127.0.0.1:{temporal_port}",
        nats_url=f"nats://127.0.0.1:{free_port()}",
        discharge_data_dir=directory / "data",
        discharge_log_level="warning",
        discharge_log_format="console",
        discharge_worker_http_address=f"127.0.0.1:{free_port()}",
        discharge_gateway_http_address=f"127.0.0.1:{free_port()}",
        discharge_delivery_http_address=f"127.0.0.1:{free_port()}",
        discharge_readmodel_http_address=f"127.0.0.1:{free_port()}",
        # Not the default 8080/8081 (web page, development IdP): a `discharge dev` or a test may hold them.
        discharge_web_address=f"127.0.0.1:{free_port()}",
        **overrides,
    )


def free_door_ports() -> None:
    """The doors' own settings (workers/doors/settings.py) come from the environment: free ports there too,
    so that a bench can run beside a `discharge dev` or another bench."""
    for name in ("DISCHARGE_HTTP_ADDRESS", "DISCHARGE_HL7_ADDRESS", "DISCHARGE_HL7_HTTP_ADDRESS"):
        os.environ[name] = f"127.0.0.1:{free_port()}"
    os.environ["DISCHARGE_FHIR_ADDRESS"] = f"127.0.0.1:{free_port()}"


@contextlib.asynccontextmanager
async def embedded_stack(settings: Settings) -> AsyncIterator[Supervisor]:
    supervisor = Supervisor(settings, demo=False, startup_timeout=120)
    try:
        await supervisor.start()
        yield supervisor
    finally:
        await supervisor.stop()


async def stream_messages(js: JetStreamContext, stream: str) -> int:
    info = await js.stream_info(stream)
    return int(info.state.messages)


async def pathways_done(js: JetStreamContext) -> int:
    """Pathways that published their last outbound event (``support_started``, one per pathway)."""
    info = await js.stream_info(OUTBOUND_STREAM, subjects_filter=LAST_SUBJECT)
    return int((info.state.subjects or {}).get(LAST_SUBJECT, 0))


async def publish(js: JetStreamContext, events: Sequence[dict[str, Any]], inbound: InboundTimes) -> None:
    """With acks, many in flight; the list's order is the stream's order (one patient's events in turn).
    Each event's ack is the moment it is stored (``inbound``: the delivery latency's start)."""
    limit = asyncio.Semaphore(256)

    async def one(event: dict[str, Any]) -> None:
        async with limit:
            await js.publish(
                f"events.{event['type']}",
                json.dumps(event).encode(),
                headers={"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])},
            )
            inbound.acked(event)

    await asyncio.gather(*(one(event) for event in events))


def interleaved(first: int, count: int, run: str) -> list[dict[str, Any]]:
    """``count`` patients' pathways, step by step across patients (as real traffic mixes them)."""
    now = datetime.now(UTC)
    per_patient = [pathway_events(first + n, run, now) for n in range(count)]
    return [events[step] for step in range(EVENTS_PER_PATHWAY) for events in per_patient]


async def run_pathways(
    js: JetStreamContext, first: int, count: int, run: str, worker_metrics: str, inbound: InboundTimes
) -> float:
    """Publish ``count`` full pathways and wait for their last outbound event; the events/s end to end.

    A pathway whose event was dead-lettered (Temporal too slow to accept it within the gateway's tries,
    which happens only on an overloaded machine) never finishes: the wait ends when nothing has moved
    (no pathway finished, no workflow task completed by the worker) for ``STALL`` seconds, and the rate
    counts the pathways that finished (the dead letters are reported). The worker's tasks count as
    movement because thousands of interleaved pathways finish only at the very end.
    """
    expected = await pathways_done(js) + count
    started = time.perf_counter()
    await publish(js, interleaved(first, count, run), inbound)
    tasks = await worker_tasks(worker_metrics)
    done, last_change, finished_at = -1, time.perf_counter(), time.perf_counter()
    while True:  # polled: the stream's count is the end-to-end signal (no callback exists for it)
        now_done = await pathways_done(js)
        if now_done != done:
            done, last_change, finished_at = now_done, time.perf_counter(), time.perf_counter()
        if done >= expected:
            break
        if time.perf_counter() - last_change > STALL:  # the worker's tasks are read only then (a scrape)
            now_tasks = await worker_tasks(worker_metrics)
            if now_tasks == tasks:
                break
            tasks, last_change = now_tasks, time.perf_counter()
        await asyncio.sleep(0.25)
    finished = count - (expected - done)
    return finished * EVENTS_PER_PATHWAY / (finished_at - started)


async def pilot(js: JetStreamContext, run: str, worker_metrics: str, inbound: InboundTimes) -> float:
    """A few pathways first: warms the stack up and counts the outbound events one pathway publishes."""
    before = await stream_messages(js, OUTBOUND_STREAM)
    await run_pathways(js, PILOT_FIRST, PILOT, run, worker_metrics, inbound)
    return (await stream_messages(js, OUTBOUND_STREAM) - before) / PILOT


async def run_benchmark(
    patients: int, sizes: Sequence[int], concurrency: int, data_dir: Path, listing_size: int = 0
) -> Figures:
    figures = Figures(patients=patients)
    settings = stack_settings(data_dir)
    run = uuid.uuid4().hex[:6]
    async with embedded_stack(settings) as stack:
        assert stack.client is not None
        nats = await connect_nats(settings, name="bench-publisher", retry_forever=False)
        try:
            js = nats.jetstream()
            metrics = f"http://{settings.discharge_worker_http_address}/metrics"
            inbound = InboundTimes()
            figures.outbound_per_pathway = await pilot(js, run, metrics, inbound)
            figures.load.append(load_average())
            pids = {"bench": os.getpid()} | {name: child.pid for name, child in stack.children.items()}
            events, cpu_before = patients * EVENTS_PER_PATHWAY, cpu_snapshot(pids)
            figures.bare_rate = await bare_rate(stack.client, events, concurrency)
            cpu_after = cpu_snapshot(pids)
            figures.cpu["bare"] = cpu_ms_per_event(cpu_before, cpu_after, events)
            figures.load.append(load_average())
            progress(f"bare signal-with-start: {figures.bare_rate:.1f} events/s (load {figures.load[-1]})")
            figures.floor_rate = await floor_rate(stack.client, patients, concurrency)
            cpu_before, cpu_after = cpu_after, cpu_snapshot(pids)
            figures.cpu["floor"] = cpu_ms_per_event(cpu_before, cpu_after, events)
            progress(f"floor: {figures.floor_rate:.1f} events/s (load {load_average()})")
            figures.end_to_end_rate = await run_pathways(js, 0, patients, run, metrics, inbound)
            figures.cpu["end to end"] = cpu_ms_per_event(cpu_after, cpu_snapshot(pids), events)
            figures.load.append(load_average())
            progress(f"end to end: {figures.end_to_end_rate:.1f} events/s (load {figures.load[-1]})")
            # One run of each that took all its events (the pathways are in LMV support after the sixth).
            for run_name, query in (("floor", FLOOR_DONE), ("pathway", PATHWAY_DONE)):
                figures.history[run_name] = await history_events_per_event(stack.client, query)
            progress(f"history events per inbound event: {figures.history}")
            assert stack.settings.discharge_lmv_unit is not None  # `discharge dev`: the demo's LMV unit
            latencies = await delivery_latencies(
                settings, stack.settings.discharge_lmv_unit, inbound, len(inbound.stored)
            )
            figures.delivery = (percentile(latencies, 0.5), percentile(latencies, 0.99), len(latencies))
            progress(f"delivery latency: {figures.delivery}")
            opened = patients
            for size in sorted(sizes):
                rate = figures.end_to_end_rate
                if size > opened:
                    rate = await run_pathways(js, opened, size - opened, run, metrics, inbound)
                    opened = size
                figures.load.append(load_average())
                rss = {name: rss_mb(child.pid) for name, child in stack.children.items()}
                open_now = (await stack.client.count_workflows(RUNNING)).count
                timed = await listing_times(stack.client) | await cli_latencies(settings)
                figures.sizes.append((open_now, rss, timed, rate))
                progress(f"at {open_now} open pathways: {figures.sizes[-1]} (load {figures.load[-1]})")
            if listing_size:
                # Visibility rows only: idle pathway runs no worker polls, so the listing's cost at a
                # size too big to reach with real pathways in the time at hand can still be measured.
                figures.load.append(load_average())
                await fill_listing(stack.client, listing_size)
                open_now = (await stack.client.count_workflows(RUNNING)).count
                figures.listing = (
                    open_now,
                    await listing_times(stack.client) | await cli_latencies(settings),
                )
                progress(f"listing: {figures.listing} (load {load_average()})")
            figures.dead_letters = await stream_messages(js, DEADLETTER_STREAM)
        finally:
            await nats.drain()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=300, help="pathways timed end to end (default 300)")
    parser.add_argument(
        "--open",
        default="1000",
        help="comma-separated sizes (open pathways) at which RSS and CLI latencies are taken (default 1000)",
    )
    parser.add_argument("--concurrency", type=int, default=64, help="in-flight bare signal-with-start calls")
    parser.add_argument("--data-dir", type=Path, help="the stack's data dir (default: a temporary one)")
    parser.add_argument(
        "--listing-size",
        type=int,
        default=0,
        help="at the end, top the running pathways up to this many with idle runs (visibility rows only) "
        "and time the CLI's listings again",
    )
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.open.split(",") if size.strip()]
    configure_logging("bench", "console", "warning")
    with tempfile.TemporaryDirectory(prefix="discharge-pathways-") as scratch:
        directory = args.data_dir or Path(scratch)
        figures = asyncio.run(
            run_benchmark(args.patients, sizes, args.concurrency, directory, args.listing_size)
        )
    for line in figures.lines():
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
