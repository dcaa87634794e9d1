"""The event gateway: inbound CloudEvents from JetStream to their patients' pathways in Temporal.

For each message on ``events.>`` (durable consumer ``discharge-gateway`` on ``DISCHARGE_EVENTS``):

1. parse and validate it (`parse_inbound`); refused → dead letter with the reason, original acked;
2. pseudonymise the patient (`patient_key`) and signal-with-start the pathway, one patient's events one at
   a time in stream order (`workers/gateway/ordering.py`), different patients concurrently;
3. ack only once Temporal has accepted the signal. If Temporal does not, nak with a growing delay so
   JetStream redelivers it; after ``DISCHARGE_MAX_DELIVERIES`` tries it becomes a dead letter.

The rooms: `ingest.py` decides what one message becomes (step 1-3, no NATS), `consumer.py` wires that to
JetStream and settles each message, and this module runs the gateway as a process against Temporal.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from temporalio.client import Client

from discharge.ops.http import CHECK_TIMEOUT
from discharge.ops.process import ProcessTelemetry
from discharge.settings import Settings
from discharge.signals import on_stop_signals
from discharge.temporal_client import connect_temporal, signal_with_start
from events.inbound.envelopes import INBOUND_TYPES
from events.streams import INBOUND_SUBJECTS
from workers.gateway.consumer import build_gateway
from workers.gateway.ingest import Deliver, log, retry_delay
from workflows.api import PathwayEvent

#: Longest wait for Temporal to accept one signal before the message is retried later. Generous: a call
#: given up on may still have been accepted, and is then signalled twice (harmless, but avoidable).
DEFAULT_TEMPORAL_TIMEOUT = timedelta(seconds=20)


def temporal_delivery(
    client: Client, task_queue: str, timeout: timedelta = DEFAULT_TEMPORAL_TIMEOUT
) -> Deliver:
    """Signal-with-start on ``task_queue``, bounded by ``timeout`` (the client retries inside it)."""

    async def deliver(event: PathwayEvent) -> object:
        async with asyncio.timeout(timeout.total_seconds()):
            return await signal_with_start(client, task_queue, event)

    return deliver


async def connect_temporal_patiently(settings: Settings, telemetry: ProcessTelemetry | None = None) -> Client:
    """Temporal may be down when the gateway starts: keep trying (with backoff) instead of exiting."""
    attempt = 0
    while True:
        try:
            if telemetry is None:
                return await connect_temporal(settings)
            return await connect_temporal(
                settings, runtime=telemetry.runtime, interceptors=telemetry.interceptors
            )
        except Exception as error:
            delay = retry_delay(attempt + 1)
            log.warning(
                "temporal not reachable yet; retrying",
                address=settings.temporal_address,
                error=type(error).__name__,
                retry_in=delay,
            )
            attempt += 1
            await asyncio.sleep(delay)


async def run_gateway(settings: Settings) -> None:
    """Run until cancelled or SIGTERM/SIGINT; finish in-flight events, then close NATS and Temporal.

    Neither Temporal nor NATS being down at start is fatal: both connections are retried until they work.
    """
    telemetry = ProcessTelemetry.create("gateway", settings)
    client = await connect_temporal_patiently(settings, telemetry)
    broker, app = build_gateway(
        settings,
        temporal_delivery(client, settings.temporal_task_queue),
        middlewares=telemetry.broker_middlewares(),
    )
    stop = asyncio.Event()
    runner = asyncio.current_task()
    started = False

    def on_signal() -> None:
        stop.set()
        if not started and runner is not None:
            runner.cancel()  # still waiting for NATS: nothing in flight, stop at once

    async def consuming() -> bool:
        return started and not stop.is_set()

    checks = {
        "temporal": client.service_client.check_health,
        "nats": lambda: broker.ping(timeout=CHECK_TIMEOUT),
        "consuming": consuming,
    }
    try:
        with on_stop_signals(on_signal):
            async with telemetry.serving(settings.discharge_gateway_http_address, checks):
                await app.start()
                started = True
                log.info(
                    "gateway started",
                    subjects=INBOUND_SUBJECTS,
                    types=len(INBOUND_TYPES),
                    ops=f"http://{settings.discharge_gateway_http_address}",
                )
                await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await asyncio.shield(app.stop())
        log.info("gateway stopped")
