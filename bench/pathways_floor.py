"""The floor of the pathway benchmark: what the server takes when a workflow reacts to every event.

The bare rate (`pathways_measures.bare_rate`) is signal-with-start alone, to a workflow no worker runs: the
server appends the signal to a workflow task that is already scheduled and never runs. A pathway must
react to each event, so each event also costs a workflow task (scheduled, handed to the worker, completed:
two more writes on the server). The floor is that minimum: a do-nothing workflow, run by a worker in this
process, that takes each of a patient's events in its own workflow task, the events of one patient sent
one after the other (as the gateway does) and many patients at once. The pathway's distance from the floor
is what our own workflow, gateway, worker and read model add; the floor's distance from the bare rate is
the workflow task every reacting workflow pays.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from bench.pathways_measures import for_each_concurrently
from events.examples import EVENTS_PER_PATHWAY

FLOOR_QUEUE = "bench-floor"


@workflow.defn(name="BenchFloor")
class Floor:
    """Ends after one pathway's number of events; does nothing with them."""

    def __init__(self) -> None:
        self.events = 0

    @workflow.run
    async def run(self, _: dict[str, Any]) -> int:
        await workflow.wait_condition(lambda: self.events >= EVENTS_PER_PATHWAY)
        return self.events

    @workflow.signal(name="event")
    def event(self, _: dict[str, Any]) -> None:
        self.events += 1


async def floor_rate(client: Client, patients: int, concurrency: int) -> float:
    """Events/s through the do-nothing workflow, from the first call until every run has completed."""
    run = uuid.uuid4().hex[:8]

    async def send(patient: int) -> None:  # one patient's events in turn, as the gateway sends them
        for n in range(EVENTS_PER_PATHWAY):
            await client.start_workflow(
                Floor.run,
                {"patient": patient},
                id=f"bench-floor-{run}-{patient}",
                task_queue=FLOOR_QUEUE,
                start_signal="event",
                start_signal_args=[{"n": n}],
            )

    async with Worker(
        client, task_queue=FLOOR_QUEUE, workflows=[Floor], workflow_runner=UnsandboxedWorkflowRunner()
    ):
        started = time.perf_counter()
        await for_each_concurrently(patients, concurrency, send)
        await asyncio.gather(
            *(client.get_workflow_handle(f"bench-floor-{run}-{p}").result() for p in range(patients))
        )
        return patients * EVENTS_PER_PATHWAY / (time.perf_counter() - started)
