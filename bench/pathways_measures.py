"""What the pathway benchmark measures beside the pathways themselves: the bare signal-with-start rate,
each process's memory and the machine's load, the listings' and the CLI's latencies, and idle runs that
grow the listing without a worker."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from discharge.settings import Settings, settings_env
from discharge.views.paging import count, pathways_page, tasks_page
from discharge.views.visibility import pathways_query, tasks_query
from events.examples import EVENTS_PER_PATHWAY
from events.identity import workflow_id_for
from workflows.api import PathwayStart
from workflows.names import SA_PATIENT_KEY, WORKFLOW_TYPE

#: A workflow type no worker runs: the bare signal-with-start measures the server, not our workflow.
BARE_TYPE = "BenchBareSignalWithStart"
BARE_QUEUE = "bench-bare"
RUNNING = f"WorkflowType = '{WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'"


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time one process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def cpu_ms_per_event(before: dict[str, float], after: dict[str, float], events: int) -> dict[str, float]:
    """Each process's CPU milliseconds per event between two snapshots (where the machine's time went)."""
    return {name: (after[name] - before[name]) * 1000 / max(events, 1) for name in before}


async def worker_tasks(metrics_url: str) -> float:
    """Workflow tasks the worker has completed so far (the SDK's latency histogram's count)."""

    def scrape() -> float:
        with urllib.request.urlopen(metrics_url, timeout=10) as response:
            text = response.read().decode()
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("temporal_workflow_task_execution_latency") and "_count" in line.split("{")[0]
        )

    return await asyncio.to_thread(scrape)


def rss_mb(pid: int) -> float:
    """Resident memory of one process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def for_each_concurrently(
    count: int, concurrency: int, call: Callable[[int], Awaitable[object]]
) -> None:
    """``call(n)`` for n in 0..count-1, ``concurrency`` calls in flight, each caller taking the next n."""
    numbers = iter(range(count))

    async def caller() -> None:
        for n in numbers:  # one shared iterator: no n is taken twice
            await call(n)

    await asyncio.gather(*(caller() for _ in range(concurrency)))


async def bare_rate(client: Client, calls: int, concurrency: int) -> float:
    """Signal-with-start straight from one client to a type no worker runs: what the server takes."""
    run = uuid.uuid4().hex[:8]

    async def call(n: int) -> None:
        await client.start_workflow(
            BARE_TYPE,
            {"n": n},
            id=f"bench-bare-{run}-{n // EVENTS_PER_PATHWAY}",
            task_queue=BARE_QUEUE,
            start_signal="event",
            start_signal_args=[{"id": n}],
        )

    started = time.perf_counter()
    await for_each_concurrently(calls, concurrency, call)
    return calls / (time.perf_counter() - started)


def cli_latency(settings: Settings, *args: str) -> float:
    """Seconds for one `discharge ...` command as a user runs it (a new process)."""
    env = {**os.environ, **settings_env(settings)}
    for _ in range(2):  # once more after a crash at interpreter exit (SIGABRT, seen with both versions)
        try:
            return _timed(env, *args)
        except subprocess.CalledProcessError as failed:
            if failed.returncode not in (134, -6):
                raise
    return _timed(env, *args)


def _timed(env: dict[str, str], *args: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "discharge.cli.main", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    return time.perf_counter() - started


async def listing_times(client: Client) -> dict[str, float]:
    """The listings' own cost, in this process (no Python start-up): what a page costs the server."""
    now, query = datetime.now(UTC), pathways_query()
    calls: dict[str, Callable[[], Awaitable[object]]] = {
        "count": lambda: count(client, query),
        "pathways page": lambda: pathways_page(client, query, 1),
        "tasks page": lambda: tasks_page(client, tasks_query(), now, 1),
    }
    times: dict[str, float] = {}
    for name, call in calls.items():
        started = time.perf_counter()
        await call()
        times[f"{name} (in-process)"] = time.perf_counter() - started
    return times


async def cli_latencies(settings: Settings) -> dict[str, float]:
    latencies = {}
    for name, args in cli_commands().items():
        try:
            latencies[name] = await asyncio.to_thread(cli_latency, settings, *args)
        except subprocess.CalledProcessError as failed:
            # A command this version does not have, or one that failed: say which, and why.
            latencies[name] = float("nan")
            reason = (failed.stderr or b"").decode(errors="replace").strip().splitlines()[-1:]
            print(f"`discharge {' '.join(args)}` failed: {reason}", file=sys.stderr, flush=True)
    return latencies


async def fill_listing(client: Client, size: int, concurrency: int = 32) -> None:
    """Running `PatientPathway` runs up to ``size``, the extra ones idle on a queue no worker polls."""
    missing = size - (await client.count_workflows(RUNNING)).count
    run = uuid.uuid4().hex[:8]

    async def start(n: int) -> None:
        key = f"pk_{run}{n:024x}"
        await client.start_workflow(
            WORKFLOW_TYPE,
            PathwayStart(patient_key=key),
            id=workflow_id_for(key),
            task_queue=BARE_QUEUE,
            search_attributes=TypedSearchAttributes([SearchAttributePair(SA_PATIENT_KEY, key)]),
        )

    await for_each_concurrently(max(missing, 0), concurrency, start)


def cli_commands() -> dict[str, list[str]]:
    """The listing commands a coordinator runs; `--all` where the CLI pages (it streams every row)."""
    return {
        "pathways --json": ["pathways", "--json"],
        "tasks --json": ["tasks", "--json"],
        "pathways --all --json": ["pathways", "--all", "--json"],
    }


async def history_events_per_event(client: Client, query: str) -> float:
    """History events per inbound event of one run that took a whole pathway's events (``query`` finds it):
    what the server wrote per event (markers, upserts, timers). Signals that arrive while a workflow task
    runs share the next one, so it is lower when events come faster than the workflow takes them."""
    async for execution in client.list_workflows(query, limit=1):
        history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        return len(history.events) / EVENTS_PER_PATHWAY
    return 0.0
