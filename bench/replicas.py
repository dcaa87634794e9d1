"""Two workers and two gateways under load, one of each SIGKILLed mid-load: nothing lost, nothing twice.

    python bench/replicas.py [--patients 200] [--kill-at 0.3]

Starts the embedded stack (`discharge dev`'s supervisor: one worker, one gateway, ...) on free ports and a
second worker and a second gateway beside them (the same command and environment, their own HTTP ports):
the two workers poll the one task queue, the two gateways share the durable consumer. It publishes
``patients`` full pathways (`events.examples`: 6 inbound events each, interleaved across patients), and
once the gateways have taken ``kill-at`` of their events it freezes the second worker and the second
gateway (SIGSTOP) while the rest arrives, so that each holds work in flight, and SIGKILLs both. Then it
checks, and prints (`bench/two_of_each.py`, shared with ``tests/integration/test_two_of_each.py``):

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
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/replicas.py`: the repository root, for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pathways import embedded_stack, free_door_ports, stack_settings
from bench.pathways_measures import load_average
from bench.two_of_each import replica_spec, two_of_each
from discharge.logging import configure_logging
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from workers.stack.children import Child
from workers.stack.servers import free_port


async def run(settings: Settings, patients: int, kill_at: float) -> list[str]:
    async with embedded_stack(settings) as stack:
        assert stack.client is not None
        secret = stack.settings.discharge_patient_key_secret.get_secret_value()
        second = [
            Child(replica_spec(stack.children[part].spec, f"127.0.0.1:{free_port()}"))
            for part in ("worker", "gateway")
        ]
        for child in second:
            await child.start()
        nats = await connect_nats(stack.settings, name="bench-replicas", retry_forever=False)
        try:
            outcome = await two_of_each(
                nats.jetstream(), stack.client, secret, second, patients=patients, kill_at=kill_at
            )
        finally:
            await nats.drain()
            for child in second:
                await child.stop(5)
    return [*outcome.lines(), f"load average {load_average()}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=200, help="pathways published (default 200)")
    parser.add_argument(
        "--kill-at", type=float, default=0.3, help="share of the events taken by the gateways at the kill"
    )
    parser.add_argument("--data-dir", type=Path, help="the stack's data dir (default: a temporary one)")
    args = parser.parse_args(argv)
    configure_logging("bench", "console", "warning")
    free_door_ports()
    with tempfile.TemporaryDirectory(prefix="discharge-replicas-") as scratch:
        # Production's late-event grace, not `discharge dev`'s 10 s: it must outlast the gateways' ack wait
        # (30 s), after which the killed gateway's events reach the other one; with a shorter grace the
        # pathways waiting for them raise escalations those events would have answered (docs/benchmarks.md).
        settings = stack_settings(
            args.data_dir or Path(scratch), discharge_late_event_grace=timedelta(minutes=1)
        )
        lines = asyncio.run(run(settings, args.patients, args.kill_at))
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
