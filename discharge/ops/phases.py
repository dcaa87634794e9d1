"""The open pathways per phase, from Temporal's count API, as a gauge.

A count per phase is one cheap visibility call each (no listing), made every ``interval`` by the worker
rather than at scrape time, so a scrape never waits on Temporal and several scrapers cost nothing extra.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog
from temporalio.client import Client

from discharge.ops.metrics import PATHWAYS_BY_PHASE
from discharge.views.visibility import RUNNING, quoted
from workflows.names import PHASES, SA_PHASE

DEFAULT_INTERVAL = timedelta(seconds=30)


async def refresh_phases(client: Client) -> None:
    for phase in PHASES:
        count = await client.count_workflows(f"{RUNNING} AND {SA_PHASE.name} = {quoted(phase)}")
        PATHWAYS_BY_PHASE.labels(phase).set(count.count)


async def keep_phases_fresh(client: Client, interval: timedelta = DEFAULT_INTERVAL) -> None:
    """Until cancelled; a failed refresh keeps the last values and is logged once per failure."""
    log = structlog.get_logger(component="worker")
    while True:
        try:
            await refresh_phases(client)
        except Exception as error:
            log.warning("pathway counts not refreshed", error=type(error).__name__)
        await asyncio.sleep(interval.total_seconds())


def start_phase_gauge(client: Client, interval: timedelta = DEFAULT_INTERVAL) -> asyncio.Task[None]:
    return asyncio.create_task(keep_phases_fresh(client, interval), name="phase-gauge")


async def stop_phase_gauge(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
