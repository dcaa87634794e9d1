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

from faststream import FastStream
from faststream.exceptions import IncorrectState
from faststream.nats import NatsBroker
from temporalio.client import Client

from discharge.ops.http import CHECK_TIMEOUT
from discharge.ops.process import ProcessTelemetry
from discharge.settings import Settings
from discharge.signals import on_stop_signals
from discharge.temporal_client import connect_temporal_patiently, signal_with_start
from events.inbound.envelopes import INBOUND_TYPES
from events.streams import INBOUND_SUBJECTS
from workers.gateway.consumer import build_gateway
from workers.gateway.ingest import RETRY_DELAY_MAX, Deliver, log, retry_delay
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


async def run_gateway(settings: Settings) -> None:
    """Run until cancelled or SIGTERM/SIGINT; finish in-flight events, then close NATS and Temporal.

    Neither Temporal nor NATS being down at start is fatal: both connections are retried until they work.
    A NATS connection the server closes for good (nats-py reconnects after a lost connection, but not
    after an ``-ERR`` such as a payload over ``max_payload``) is replaced: the gateway is built again on
    a new connection, after a backoff, and consumes where the durable consumer left off.
    """
    telemetry = ProcessTelemetry.create("gateway", settings)
    # Temporal may be down when the gateway starts: it keeps trying (nothing is consumed meanwhile).
    client = await connect_temporal_patiently(
        settings, give_up_after=None, runtime=telemetry.runtime, interceptors=telemetry.interceptors
    )
    deliver = temporal_delivery(client, settings.temporal_task_queue)
    stop, closed = asyncio.Event(), asyncio.Event()
    runner = asyncio.current_task()
    consuming = False

    def build() -> tuple[NatsBroker, FastStream]:
        return build_gateway(
            settings, deliver, middlewares=telemetry.broker_middlewares(), on_connection_closed=closed.set
        )

    broker, app = build()

    def on_signal() -> None:
        stop.set()
        if not consuming and runner is not None:
            runner.cancel()  # still waiting for NATS: nothing in flight, stop at once

    async def is_consuming() -> bool:
        return consuming and not stop.is_set()

    checks = {
        "temporal": client.service_client.check_health,
        "nats": lambda: broker.ping(timeout=CHECK_TIMEOUT),
        "consuming": is_consuming,
    }
    try:
        with on_stop_signals(on_signal):
            async with telemetry.serving(settings.discharge_gateway_http_address, checks):
                loop, closes = asyncio.get_running_loop(), 0
                while True:
                    await app.start()
                    consuming, since = True, loop.time()
                    log.info(
                        "gateway started",
                        subjects=INBOUND_SUBJECTS,
                        types=len(INBOUND_TYPES),
                        ops=f"http://{settings.discharge_gateway_http_address}",
                    )
                    if await first_of(stop, closed) is stop:
                        break
                    consuming = False
                    # Back off only while the server keeps closing us at once (say, refusing our user).
                    closes = closes + 1 if loop.time() - since < RETRY_DELAY_MAX else 1
                    delay = retry_delay(closes)
                    log.error(
                        "nats closed the gateway's connection; connecting again",
                        error=closing_error(broker),  # the server's words, e.g. a payload violation
                        retry_in=delay,
                    )
                    with contextlib.suppress(Exception):
                        await app.stop()
                    await asyncio.sleep(delay)
                    if stop.is_set():
                        break
                    closed.clear()
                    broker, app = build()
    finally:
        with contextlib.suppress(Exception):
            await asyncio.shield(app.stop())
        log.info("gateway stopped")


def closing_error(broker: NatsBroker) -> str | None:
    """The error nats-py closed the connection on (the server's ``-ERR``), if it kept one."""
    try:
        error = broker.connection.last_error
    except IncorrectState:  # the broker has no connection object any more
        return None
    return None if error is None else str(error)


async def first_of(*events: asyncio.Event) -> asyncio.Event:
    """Wait until one of ``events`` is set; return it."""
    waits = {asyncio.ensure_future(event.wait()): event for event in events}
    try:
        done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    return waits[next(iter(done))]
