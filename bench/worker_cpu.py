"""The worker's (or another process's) CPU per event, by step: where its milliseconds per end-to-end event go.

    python bench/worker_cpu.py [--patients 150] [--rate 250] [--process worker|gateway|readmodel|...]

Starts the embedded stack as `discharge dev` runs it (bench/pathways.py), warms it up, then publishes
``patients`` full pathways (6 inbound events each) while it

- reads the worker's CPU per thread from /proc before and after: the SDK's Rust core (its own threads:
  gRPC to the server, history and activation bookkeeping) apart from the Python threads (the event loop:
  activities, payload codec; the workflow threads: the sandbox and the workflow code);
- samples the worker's Python stacks with py-spy (``--rate`` a second, not pausing the worker) and gives each
  sample to a step by the innermost frame it can name (`STEPS`, first match from the leaf up): the payload
  codec's encryption, payload (de)serialisation, our rules, the rest of our workflow code, the sandbox, the
  activities (publishing, look-ups), logging and telemetry, the rest of the SDK, and what is left.

It prints the worker's CPU ms per event (from /proc) and each step's share of it. docs/benchmarks.md ("The
worker's CPU per event, by step") has the figures. Needs py-spy (the dev extras) and the right to trace the
worker (root, or ``kernel.yama.ptrace_scope`` 0). ``--process`` samples another child of the stack the same
way (the gateway, the read model: the steps below name their parts too).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import sys
import tempfile
import uuid
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/worker_cpu.py`: the repository root, for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.delivery_latency import InboundTimes
from bench.pathways import embedded_stack, free_door_ports, pilot, run_pathways, stack_settings
from bench.pathways_measures import load_average
from discharge.logging import configure_logging
from discharge.nats_connection import connect_nats
from events.examples import EVENTS_PER_PATHWAY

#: (step, what in a frame's file path marks it), tried from the innermost frame outwards: a sample is the
#: step of the first frame that names one. pydantic names none: its work counts for whoever called it.
STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("payload encryption (codec)", ("discharge/codec.py", "cryptography/")),
    ("payload (de)serialisation", ("temporalio/converter.py", "temporalio/contrib/pydantic")),
    ("gateway: parse, key, order (workers/gateway, events/)", ("workers/gateway/",)),
    ("read model: apply, store (readmodel, sqlite)", ("readmodel", "sqlalchemy/", "sqlite3/")),
    ("FastStream and nats-py (consume, ack, publish)", ("faststream/", "nats/")),
    ("logging", ("structlog/", "logging/__init__.py", "discharge/logging")),
    ("telemetry (metrics, traces)", ("opentelemetry/", "prometheus_client/", "discharge/ops/")),
    ("our rules (workflows/rules)", ("workflows/rules/",)),
    ("our workflow shell (workflows/)", ("workflows/",)),
    ("our models (events/)", ("events/",)),
    ("activities: publish, look-ups", ("activities/", "nats/")),
    ("workflow sandbox", ("temporalio/worker/workflow_sandbox/",)),
    ("SDK: workflow activation", ("temporalio/worker/_workflow_instance.py",)),
    ("SDK: the rest (Python)", ("temporalio/",)),
)
OTHER = "other (asyncio, threads, imports)"
#: The SDK core's threads by their (kernel-truncated) names.
CORE_THREADS = {
    "tokio-rt-worker": "SDK core: gRPC and async runtime (tokio)",
    "workflow-proces": "SDK core: workflow state machines",
}


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds per thread kind of ``pid`` so far: its main thread, its other Python threads, the SDK
    core's Rust threads (named by Tokio), from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    kinds: dict[str, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a thread that ended meanwhile
        seconds = (int(fields[11]) + int(fields[12])) / ticks
        if int(task.name) == pid:
            kind = "main thread (event loop)"
        elif name.startswith(("python", "asyncio", "Thread")):
            kind = "Python threads (workflow tasks)"
        else:
            kind = CORE_THREADS.get(name, f"SDK core and native ({name})")
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    return kinds


def step_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for step, marks in STEPS:
            if any(mark in frame for mark in marks):
                return step
    return OTHER


def steps_of(raw: Path) -> Counter[str]:
    """py-spy's raw (collapsed) output: ``frame;frame;...;leaf count`` per line."""
    counts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            counts[step_of(stack.split(";"))] += int(count)
    return counts


async def measure(
    patients: int, rate: int, directory: Path, keep: Path | None = None, process: str = "worker"
) -> list[str]:
    spy_binary = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    settings = stack_settings(directory)
    run = uuid.uuid4().hex[:6]
    async with embedded_stack(settings) as stack:
        nats = await connect_nats(settings, name="bench-worker-cpu", retry_forever=False)
        try:
            js = nats.jetstream()
            metrics = f"http://{settings.discharge_worker_http_address}/metrics"
            await pilot(js, run, metrics, InboundTimes())
            worker = stack.children[process].pid  # named `worker` below: the process sampled
            raw = directory / f"{process}.stacks"
            # Only samples that hold the GIL: Python at work, not a thread waiting (an idle event loop).
            spy = await asyncio.create_subprocess_exec(
                *(spy_binary, "record", "--pid", str(worker), "--format", "raw", "--output", str(raw)),
                *("--rate", str(rate), "--gil", "--nonblocking", "--full-filenames", "--nolineno"),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            before, load = thread_cpu(worker), [load_average()]
            end_to_end = await run_pathways(js, 0, patients, run, metrics, InboundTimes())
            after = thread_cpu(worker)
            load.append(load_average())
            spy.send_signal(signal.SIGINT)
            _, errors = await asyncio.wait_for(spy.communicate(), 120)
        finally:
            await nats.drain()
    if not raw.exists():
        raise RuntimeError(f"py-spy wrote nothing: {errors.decode(errors='replace')[-500:]}")
    if keep is not None:
        shutil.copyfile(raw, keep)
    events = patients * EVENTS_PER_PATHWAY
    per_thread = {kind: (after[kind] - before.get(kind, 0.0)) * 1000 / events for kind in after}
    python_ms = sum(ms for kind, ms in per_thread.items() if not kind.startswith("SDK core"))
    samples = steps_of(raw)
    total = sum(samples.values()) or 1
    lines = [
        f"pathways: {patients} x {EVENTS_PER_PATHWAY} events; end to end {end_to_end:.1f} events/s; "
        f"load average {', '.join(load)}",
        f"{process} CPU ms per event: {sum(per_thread.values()):.2f} = "
        + ", ".join(f"{kind} {ms:.2f}" for kind, ms in sorted(per_thread.items(), key=lambda kv: -kv[1])),
        f"the Python threads' {python_ms:.2f} ms by step ({total} py-spy samples):",
    ]
    lines += [
        f"  {step}: {python_ms * count / total:.2f} ms ({100 * count / total:.0f} %)"
        for step, count in samples.most_common()
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=150, help="pathways timed (default 150)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples a second (default 250)")
    parser.add_argument("--stacks", type=Path, help="keep py-spy's raw stacks in this file")
    parser.add_argument("--process", default="worker", help="the stack's child to sample (default worker)")
    args = parser.parse_args(argv)
    configure_logging("bench", "console", "warning")
    free_door_ports()
    with tempfile.TemporaryDirectory(prefix="discharge-worker-cpu-") as scratch:
        lines = asyncio.run(measure(args.patients, args.rate, Path(scratch), args.stacks, args.process))
    for line in lines:
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
