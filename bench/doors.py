"""The doors' benchmark: HTTP ingest against the NATS path on one stack, MLLP messages/s with p99 ACK.

    python bench/doors.py [--events 1000] [--concurrency 32] [--batch 1] [--rounds 3]
                          [--messages 1000] [--connections 4]

Starts NATS, Temporal, the worker, the gateway, `discharge http` and `discharge hl7` as processes
(tests/integration/doors_support.py), then, in each of ``--rounds`` rounds, stores the same kind of admission
events in DISCHARGE_EVENTS

1. straight over NATS, as a NATS sender does (`events.batch.publish_batch`: ``Nats-Msg-Id``, the stream's
   ack): the NATS path;
2. through ``POST /events`` (a hospital token), each request answered 202 only once its events are stored;

with the same events in flight on both (``--concurrency`` requests or publish calls of ``--batch`` events
each: batched mode on the door, acks awaited together on NATS). Fair on a shared 2-core machine because
(bench/doors_cpu.py) each run starts from a quiet stack (the gateway has digested the run before), the two
paths take turns going first, and each run prints the CPU milliseconds per event of every process, the
sender's own (this process) included. Prints each round's ratio and ``http/nats ratio: X.XX`` (the median
of the rounds; goal ≥ 0.8). Then A01 messages over MLLP on several connections (one message at a time on
each, as MLLP does): messages/s and the p50/p99 time from a message sent to its ACK read.
docs/benchmarks.md has the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nats

from bench.doors_cpu import CpuMeter, drained, held, quiet
from bench.doors_load import admissions, http_bodies, http_path, mllp, nats_calls, nats_path
from tests.integration.doors_support import Doors, running_doors


def load() -> str:
    return "load average " + " ".join(f"{figure:.1f}" for figure in os.getloadavg())


async def measured(
    doors: Doors, js: nats.js.JetStreamContext, path: str, run: str, args: argparse.Namespace
) -> float:
    """One quiet, measured run of one path: its events/s (and a line with its CPU use)."""
    pids = {name: child.pid for name, child in {**doors.parts.children, **doors.children}.items()}
    waited = await quiet(js, pids)
    events = admissions(run, args.events)
    calls, bodies = nats_calls(events, args.batch), http_bodies(events, args.batch)
    meter = CpuMeter(pids)
    with held(pids["gateway"] if args.digest == "after" else None):
        meter.start()
        if path == "nats":
            rate = await nats_path(js, calls, args.concurrency)
        else:
            token = doors.tokens["hospital"]
            rate = await http_path(doors.http_url, token, bodies, args.events, args.concurrency)
        use = meter.stop()
    # Stored, then taken into the pathways: what the sender's events cost the stack end to end.
    through = args.events / (args.events / rate + await drained(js))
    print(
        f"  {path:4}: stored {rate:5.0f} events/s, in their pathways {through:4.0f} events/s (quiet after "
        f"{waited:.0f} s; {load()}); {use.line(args.events)}"
    )
    return rate


async def run(args: argparse.Namespace) -> None:
    # The per-system rate bound (500/s by default) is what is measured against otherwise: lifted here.
    os.environ["DISCHARGE_HTTP_RATE"] = "1000000"
    with tempfile.TemporaryDirectory(prefix="bench-doors-") as directory:
        async with running_doors(Path(directory)) as doors:
            nc = await nats.connect(doors.settings.nats_url)
            js = nc.jetstream()
            # A warm-up of each path (imports, connections, caches), not measured.
            await nats_path(js, nats_calls(admissions("warm-nats", 100), args.batch), args.concurrency)
            warm = http_bodies(admissions("warm-http", 100), args.batch)
            await http_path(doors.http_url, doors.tokens["hospital"], warm, 100, args.concurrency)
            print(
                f"{args.events} events a run, {args.concurrency} requests or publish calls in flight, "
                f"{args.batch} event(s) each; the stack digests them {args.digest} the run"
            )
            ratios = []
            for number in range(args.rounds):
                print(f"round {number + 1}:")
                order = ("nats", "http") if number % 2 == 0 else ("http", "nats")
                rates = {path: await measured(doors, js, path, f"{path}-{number}", args) for path in order}
                ratios.append(rates["http"] / rates["nats"])
                print(f"  http/nats {ratios[-1]:.2f}")
            await nc.close()
            rate, latencies = await mllp(doors.hl7_port, args.messages, args.connections)
            cuts = statistics.quantiles(latencies, n=100)
            print(
                f"hl7 door: {args.messages} A01 over {args.connections} connections: {rate:.0f} messages/s, "
                f"ACK p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms ({load()})"
            )
            rounds = ", ".join(f"{ratio:.2f}" for ratio in ratios)
            print(f"http/nats ratio: {statistics.median(ratios):.2f} (rounds: {rounds})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1000, help="events per measured run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--batch", type=int, default=1, help="events per HTTP request or NATS publish call")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of one run per path, in turns first")
    parser.add_argument(
        "--digest",
        choices=("after", "during"),
        default="after",
        help="the gateway held during each run and digesting after it (ingest alone), or digesting during it",
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=4)
    asyncio.run(run(parser.parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
