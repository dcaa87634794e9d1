"""The pathway worker: the workflow and its activities on ``settings.temporal_task_queue``."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import structlog
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.pathway import PathwayActivities
from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats
from discharge.ops.phases import start_phase_gauge, stop_phase_gauge
from discharge.ops.process import ProcessTelemetry
from discharge.settings import Settings
from discharge.signals import on_stop_signals
from discharge.temporal_client import connect_temporal_patiently
from events.outbound.event import OutboundPublisher
from events.streams import ensure_streams
from workflows.pathway import PatientPathway

# pydantic and our own models are deterministic: passing them through the sandbox avoids
# re-importing them for every workflow task and keeps model classes identical inside and out.
PASSTHROUGH_MODULES = ("pydantic", "discharge", "workflows", "activities", "events", "opentelemetry")
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
)
#: On shutdown, in-flight activities (a publish to NATS) get this long to finish before cancellation.
GRACEFUL_SHUTDOWN = timedelta(seconds=10)


def workflow_runner(settings: Settings) -> WorkflowRunner:
    """The sandbox only where asked for (``DISCHARGE_WORKER_SANDBOX``; every test asks). In the sandbox the
    SDK runs code in it for every payload of every workflow task (its serialization context) and builds a
    sandbox per pathway it loads: measured 7.5 against 5.8 ms of worker CPU per event (docs/benchmarks.md).
    What it guards against, a non-deterministic call in workflow code, the tests find (they run in it) and
    the saved histories' replay (tests/workflow/test_pathway_replay.py, in it too) would show."""
    return WORKFLOW_RUNNER if settings.discharge_worker_sandbox else UnsandboxedWorkflowRunner()


def build_worker(client: Client, settings: Settings, publisher: OutboundPublisher) -> Worker:
    activities = PathwayActivities(settings, publisher)
    return Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=[PatientPathway],
        activities=activities.all(),
        workflow_runner=workflow_runner(settings),
        graceful_shutdown_timeout=GRACEFUL_SHUTDOWN,
        max_cached_workflows=settings.discharge_worker_cached_pathways,
    )


async def run_worker(settings: Settings) -> None:
    """Connect Temporal and NATS, run until cancelled or SIGTERM/SIGINT, then close both."""
    log = structlog.get_logger().bind(component="worker")
    telemetry = ProcessTelemetry.create("worker", settings)
    # Temporal may answer late (a loaded machine, a cluster rolling over): tried for a bounded time, then
    # the worker exits with the reason, for its supervisor to restart it.
    client = await connect_temporal_patiently(
        settings,
        give_up_after=settings.discharge_temporal_connect_timeout,
        runtime=telemetry.runtime,
        interceptors=telemetry.interceptors,
    )
    nats = await connect_nats(settings, name="discharge-worker")
    stop = asyncio.Event()
    try:
        with on_stop_signals(stop.set):
            js = nats.jetstream()
            await ensure_streams(js, settings.discharge_stream_replicas)
            worker = build_worker(client, settings, JetStreamPublisher(js))
            checks = {
                "temporal": client.service_client.check_health,
                "nats": lambda: _true(nats.is_connected),
                "polling": lambda: _true(worker.is_running),
            }
            async with worker, telemetry.serving(settings.discharge_worker_http_address, checks):
                phases = start_phase_gauge(client)
                log.info(
                    "worker started",
                    task_queue=settings.temporal_task_queue,
                    ops=f"http://{settings.discharge_worker_http_address}",
                )
                await stop.wait()
                log.info("worker stopping: finishing in-flight tasks")
                await stop_phase_gauge(phases)
    finally:
        await nats.drain()
        log.info("worker stopped")


async def _true(value: bool) -> bool:
    return value
