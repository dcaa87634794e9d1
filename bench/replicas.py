"""Two workers and two gateways under load, one of each SIGKILLed mid-load: nothing lost, nothing twice.

    python bench/replicas.py [--patients 200] [--kill-at 0.3]

Starts the embedded stack (`discharge dev`'s supervisor: one worker, one gateway, ...) on free ports and a
second worker and a second gateway beside them (the same command and environment, their own HTTP ports):
the two workers poll the one task queue, the two gateways share the durable consumer. It publishes
``patients`` full pathways (`events.examples`: 6 inbound events each, interleaved across patients), and
once ``kill-at`` of them have finished it SIGKILLs the second worker and the second gateway. Then it
checks, and prints:

- **lost**: pathways that never published their last outbound event (`support_started`) or whose state
  does not hold all 6 events (goal 0);
- **duplicate effects**: outbound events beyond those the pathways must publish, per type, counted on the
  stream, where a step published twice under another id would show (goal 0);
- **end state**: pathways whose end state differs from that of an undisturbed pathway (phase, risk level,
  escalations, events applied): one patient's events applied in an order that gives another end state
  would show here (goal 0).

Also the end-to-end rate and the load average. See docs/benchmarks.md ("More than one of each").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/replicas.py`: the repository root, for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nats.js import JetStreamContext
from temporalio.client import Client

from bench.delivery_latency import InboundTimes
from bench.pathways import (
    embedded_stack,
    free_door_ports,
    interleaved,
    pathways_done,
    publish,
    stack_settings,
)
from bench.pathways_measures import load_average
from discharge.logging import configure_logging
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.examples import EVENTS_PER_PATHWAY
from events.identity import resolve_patient, workflow_id_for
from events.streams import DEADLETTER_STREAM, OUTBOUND_STREAM
from workers.stack.children import Child, ChildSpec
from workers.stack.servers import free_port
from workflows.api import PathwayView
from workflows.names import QUERY_STATE

#: The stack's part -> the setting that holds its HTTP address (each replica needs a port of its own).
HTTP_SETTING = {"worker": "DISCHARGE_WORKER_HTTP_ADDRESS", "gateway": "DISCHARGE_GATEWAY_HTTP_ADDRESS"}


def progress(line: str) -> None:
    print(f"# {time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


async def replica(original: Child) -> Child:
    """A second process of ``original``'s part: the same command and environment, its own HTTP port."""
    spec = original.spec
    env = {**(spec.env or os.environ), HTTP_SETTING[spec.name]: f"127.0.0.1:{free_port()}"}
    child = Child(ChildSpec(f"{spec.name}-2", spec.command, env=env, relay=spec.relay))
    await child.start()
    return child


async def per_subject(js: JetStreamContext) -> Counter[str]:
    info = await js.stream_info(OUTBOUND_STREAM, subjects_filter="discharge.>")
    return Counter(info.state.subjects or {})


async def end_state(client: Client, key: str, tries: int = 5) -> tuple[object, ...] | None:
    """The pathway's end state; a query can fail while the killed worker still holds its sticky queue (the
    server moves it back to the task queue after a few seconds): asked again, then None (counted lost)."""
    handle = client.get_workflow_handle(workflow_id_for(key))
    for attempt in range(tries):
        try:
            view = await handle.query(QUERY_STATE, result_type=PathwayView)
            break
        except Exception as error:
            if attempt == tries - 1:
                progress(f"no state for a pathway: {type(error).__name__}")
                return None
            await asyncio.sleep(3)
    events = sum(entry.kind == "event" for entry in view.log)
    return (view.phase, view.risk_level, tuple(view.escalations), events)


async def wait_done(js: JetStreamContext, expected: int, stall: float = 120) -> int:
    done, last_change = -1, time.perf_counter()
    while time.perf_counter() - last_change < stall:
        now_done = await pathways_done(js)
        if now_done != done:
            done, last_change = now_done, time.perf_counter()
        if done >= expected:
            break
        await asyncio.sleep(0.25)
    return done


async def run(settings: Settings, patients: int, kill_at: float) -> list[str]:
    lines = []
    async with embedded_stack(settings) as stack:
        assert stack.client is not None
        secret = stack.settings.discharge_patient_key_secret.get_secret_value()
        extra = [await replica(stack.children[part]) for part in ("worker", "gateway")]
        nats = await connect_nats(stack.settings, name="bench-replicas", retry_forever=False)
        try:
            js, run_id = nats.jetstream(), uuid.uuid4().hex[:6]
            # One undisturbed pathway first: what each pathway must publish, and its end state.
            reference = interleaved(900_000, 1, run_id)
            await publish(js, reference, InboundTimes())
            await wait_done(js, 1)
            await asyncio.sleep(3)  # its last outbound events after support_started
            expected_per_pathway = await per_subject(js)
            expected_state = await end_state(stack.client, resolve_patient(_patient(reference[0]), secret))
            await asyncio.sleep(10)  # both replicas polling and consuming
            events = interleaved(0, patients, run_id)
            keys = sorted({resolve_patient(_patient(event), secret) for event in events})
            started = time.perf_counter()
            publishing = asyncio.create_task(publish(js, events, InboundTimes()))
            while await pathways_done(js) < 1 + patients * kill_at:  # noqa: ASYNC110 (a stream's count)
                await asyncio.sleep(0.1)
            for child in extra:
                os.kill(child.pid, signal.SIGKILL)
            progress(f"killed the second worker and gateway at {await pathways_done(js) - 1} pathways done")
            await publishing
            done = await wait_done(js, 1 + patients) - 1
            rate = done * EVENTS_PER_PATHWAY / (time.perf_counter() - started)
            await asyncio.sleep(5)  # outbound events that follow the last support_started
            states = await asyncio.gather(*(end_state(stack.client, key) for key in keys))
            published = await per_subject(js)
            must = Counter(
                {subject: count * (patients + 1) for subject, count in expected_per_pathway.items()}
            )
            extra_effects = sum(((published - must) + Counter()).values())
            lost = sum(state is None or state[3] != EVENTS_PER_PATHWAY for state in states)
            different = sum(state != expected_state for state in states)
            dead = (await js.stream_info(DEADLETTER_STREAM)).state.messages
            lines = [
                f"pathways: {patients}; done: {done}; {rate:.1f} events/s end to end; "
                f"load average {load_average()}",
                f"lost: {max(lost, patients - done)}",
                f"duplicate effects: {extra_effects} (outbound per type: {dict(published)})",
                f"end state differs: {different} (reference {expected_state})",
                f"dead letters: {dead}",
            ]
        finally:
            await nats.drain()
            for child in extra:
                await child.stop(5)
    return lines


def _patient(event: dict[str, object]) -> str:
    data = event["data"]
    assert isinstance(data, dict)
    return str(data["patient"]["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=200, help="pathways published (default 200)")
    parser.add_argument("--kill-at", type=float, default=0.3, help="share of pathways done at the kill")
    parser.add_argument("--data-dir", type=Path, help="the stack's data dir (default: a temporary one)")
    args = parser.parse_args(argv)
    configure_logging("bench", "console", "warning")
    free_door_ports()
    with tempfile.TemporaryDirectory(prefix="discharge-replicas-") as scratch:
        settings = stack_settings(args.data_dir or Path(scratch))
        lines = asyncio.run(run(settings, args.patients, args.kill_at))
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
