"""The event gateway: inbound CloudEvents from JetStream to their patients' pathways in Temporal.

For each message on ``events.>`` (durable consumer ``discharge-gateway`` on ``DISCHARGE_EVENTS``):

1. parse and validate it (`parse_inbound`); refused → dead letter with the reason, original acked;
2. pseudonymise the patient (`patient_key`) and signal-with-start the pathway, one patient's events one at
   a time in stream order (`events/ordering.py`), different patients concurrently;
3. ack only once Temporal has accepted the signal. If Temporal does not, nak with a growing delay so
   JetStream redelivers it; after ``DISCHARGE_MAX_DELIVERIES`` tries it becomes a dead letter.

Acks are manual on purpose: FastStream's default for JetStream (``REJECT_ON_ERROR``) would *terminate* a
message whose handler failed, which loses events during a Temporal outage. The consumer itself never gives
up (``max_deliver`` unlimited): the decision to park a message is ours, made with its last error, so no
message can disappear silently, even if the gateway dies on its last try.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from faststream import FastStream
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage
from faststream.nats.security import NatsCredentials, NatsSecurity
from nats.js.api import AckPolicy as ConsumerAckPolicy
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError
from temporalio.client import Client

from discharge.nats_connection import connection_options
from discharge.settings import Settings
from discharge.temporal_client import connect_temporal, signal_with_start
from events.bounds import OutOfBounds, check_bounds
from events.deadletter import DeadLetter, deadletter_subject
from events.identity import parse_identity, patient_key
from events.inbound import (
    INBOUND_TYPES,
    InboundEvent,
    InvalidEvent,
    describe_validation_error,
    parse_inbound,
    patient_of,
)
from events.publisher import DEADLETTER_STREAM, INBOUND_STREAM, INBOUND_SUBJECTS, ensure_streams
from workers.gateway.ordering import PatientTurns, TurnNotReached
from workers.gateway.settlement import transient, unreadable
from workflows.api import PathwayEvent

# Lazy: bound at first use, so it follows `configure_logging` even though this module is imported first.
log = structlog.get_logger(component="gateway")

#: The durable consumer (and its queue group: several gateways share the work).
DURABLE = "discharge-gateway"
#: Events handled at the same time. Measured in docs/benchmarks.md.
DEFAULT_CONCURRENCY = 64
#: Longest wait for Temporal to accept one signal before the message is retried later. Generous: a call
#: given up on may still have been accepted, and is then signalled twice (harmless, but avoidable).
DEFAULT_TEMPORAL_TIMEOUT = timedelta(seconds=20)
#: Longest wait for the patient's previous event before a message is retried later (see events/ordering.py).
DEFAULT_TURN_WAIT = timedelta(seconds=10)
#: Unacked this long → JetStream redelivers. Above the Temporal timeout so a slow success is not redone.
DEFAULT_ACK_WAIT = timedelta(seconds=30)
#: Redelivery delays after a failure: 1 s, 2 s, 4 s … capped at 1 minute.
RETRY_DELAY_INITIAL = 1.0
RETRY_DELAY_MAX = 60.0

Deliver = Callable[[PathwayEvent], Awaitable[object]]
DeadLetterSink = Callable[[bytes, DeadLetter], Awaitable[object]]


def retry_delay(deliveries: int) -> float:
    """Seconds before the next try after the ``deliveries``-th failed one (1-based)."""
    return min(RETRY_DELAY_INITIAL * 2.0 ** max(deliveries - 1, 0), RETRY_DELAY_MAX)


def temporal_delivery(
    client: Client, task_queue: str, timeout: timedelta = DEFAULT_TEMPORAL_TIMEOUT
) -> Deliver:
    """Signal-with-start on ``task_queue``, bounded by ``timeout`` (the client retries inside it)."""

    async def deliver(event: PathwayEvent) -> object:
        async with asyncio.timeout(timeout.total_seconds()):
            return await signal_with_start(client, task_queue, event)

    return deliver


@dataclass(frozen=True)
class Delivery:
    """One delivery of one JetStream message, as far as the gateway needs it."""

    body: bytes
    subject: str
    deliveries: int = 1
    stream_sequence: int | None = None
    stored_at: datetime | None = None
    msg_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """``ack`` (delivered or dead-lettered), or try again after ``retry_in`` seconds."""

    ack: bool
    retry_in: float = 0.0
    dead_letter: DeadLetter | None = None


ACK = Outcome(ack=True)


def safe(error: BaseException) -> str:
    """An error's text for logs and dead letters: a pydantic error would echo its input (an identity)."""
    if isinstance(error, ValidationError):
        return describe_validation_error(error)
    return str(error)


def check_subject(subject: str, event: InboundEvent) -> None:
    """An event belongs on ``events.<type>``: a mismatch is a misconfigured sender, refused early."""
    expected = f"events.{event.type}"
    if subject != expected:
        raise InvalidEvent("wrong_subject", f"an event of type {event.type} must be published on {expected}")


class Ingest:
    """The gateway's decisions for one message, free of FastStream so it is testable on its own."""

    def __init__(
        self,
        *,
        deliver: Deliver,
        dead_letter: DeadLetterSink,
        secret: str,
        max_deliveries: int,
        future_tolerance: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        turn_wait: timedelta = DEFAULT_TURN_WAIT,
    ) -> None:
        self._deliver = deliver
        self._dead_letter = dead_letter
        self._secret = secret
        self._max_deliveries = max_deliveries
        self._future_tolerance = future_tolerance
        self._clock = clock
        self._turns = PatientTurns(turn_wait)

    async def process(self, delivery: Delivery) -> Outcome:
        now = self._clock()
        try:
            event, key = self._read(delivery, now)
        except InvalidEvent as invalid:
            return await self._refuse(delivery, invalid.kind, invalid.reason, now)
        bound = log.bind(patient_key=key, event_id=event.id, event_type=event.type)
        try:
            # One patient's events in the order they were taken from the stream (events/ordering.py).
            async with self._turns.turn(key):
                await self._deliver(
                    PathwayEvent(patient_key=key, event=event, received_at=delivery.stored_at or now)
                )
        except Exception as error:
            # Never the event, never an identity: only what failed on our side.
            if isinstance(error, TurnNotReached):
                reason = f"not delivered yet: {error}"
            else:
                reason = f"Temporal did not accept the event: {type(error).__name__}: {safe(error)}"
            if not transient(error):
                bound.error("event refused by Temporal; not retried", error=type(error).__name__)
                return await self._refuse(delivery, "delivery_failed", f"{reason} (not retried)", now)
            if delivery.deliveries >= self._max_deliveries:
                bound.error("giving up on event", deliveries=delivery.deliveries, error=type(error).__name__)
                return await self._refuse(delivery, "delivery_failed", reason, now)
            delay = retry_delay(delivery.deliveries)
            bound.warning(
                "event not delivered; will retry",
                deliveries=delivery.deliveries,
                retry_in=delay,
                error=type(error).__name__,
            )
            return Outcome(ack=False, retry_in=delay)
        bound.debug("event delivered", deliveries=delivery.deliveries)
        return ACK

    def _read(self, delivery: Delivery, now: datetime) -> tuple[InboundEvent, str]:
        """The event and its patient key, or `InvalidEvent`: whatever goes wrong reading a message is bad
        input (a dead letter), never a reason to redeliver it."""
        try:
            check_bounds(delivery.body)
            event = parse_inbound(delivery.body, now=now, future_tolerance=self._future_tolerance)
            check_subject(delivery.subject, event)
            return event, patient_key(parse_identity(patient_of(event)), self._secret)
        except OutOfBounds as error:
            raise InvalidEvent("too_large", error.reason) from None
        except InvalidEvent:
            raise
        except Exception as error:  # RecursionError, TypeError, …: the input is at fault, not us
            raise InvalidEvent("schema_violation", unreadable(error)) from None

    async def _refuse(self, delivery: Delivery, kind: str, reason: str, now: datetime) -> Outcome:
        letter = DeadLetter(
            kind=kind,
            reason=reason,
            subject=delivery.subject,
            failed_at=now,
            deliveries=delivery.deliveries,
            stream_sequence=delivery.stream_sequence,
            msg_id=delivery.msg_id,
        )
        await self._dead_letter(delivery.body, letter)
        log.warning(
            "event dead-lettered",
            kind=kind,
            reason=letter.headers()["Discharge-Error-Reason"],
            subject=delivery.subject,
            stream_sequence=delivery.stream_sequence,
        )
        return Outcome(ack=True, dead_letter=letter)


def delivery_of(message: NatsMessage) -> Delivery:
    """What a FastStream NATS message tells us; FastStream's TestBroker has no JetStream metadata."""
    raw = message.raw_message
    headers = message.headers or {}
    try:
        metadata = raw.metadata
    except Exception:
        return Delivery(body=message.body, subject=raw.subject, msg_id=headers.get("Nats-Msg-Id"))
    return Delivery(
        body=message.body,
        subject=raw.subject,
        deliveries=metadata.num_delivered,
        stream_sequence=metadata.sequence.stream,
        stored_at=metadata.timestamp,
        msg_id=headers.get("Nats-Msg-Id"),
    )


async def whole_message(message: StreamMessage[Any]) -> StreamMessage[Any]:
    """A FastStream decoder that hands the handler the message (raw bytes, headers, JetStream metadata)."""
    return message


def consumer_config(ack_wait: timedelta, concurrency: int) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=DURABLE,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=ConsumerAckPolicy.EXPLICIT,
        ack_wait=ack_wait.total_seconds(),
        max_deliver=-1,  # never dropped by the server: see the module docstring
        # Bounded in-flight work: the server stops pushing until some are acked.
        max_ack_pending=concurrency * 4,
    )


def broker_security(options: dict[str, Any]) -> NatsSecurity | None:
    """FastStream takes TLS and credentials as a security object rather than nats-py arguments."""
    tls = options.pop("tls", None)
    creds = options.pop("user_credentials", None)
    if creds is not None:
        return NatsCredentials(creds, ssl_context=tls)
    if tls is not None:
        return NatsSecurity(ssl_context=tls)
    return None


def build_gateway(
    settings: Settings,
    deliver: Deliver,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    ack_wait: timedelta = DEFAULT_ACK_WAIT,
) -> tuple[NatsBroker, FastStream]:
    """The broker with the gateway's subscriber, and the FastStream app that starts and stops it.

    ``deliver`` is `temporal_delivery` in production; tests and the benchmark wrap or replace it.
    """
    stopping = False
    options = connection_options(settings, name="gateway", closing=lambda: stopping)
    security = broker_security(options)
    broker = NatsBroker(
        **options,
        security=security,
        graceful_timeout=ack_wait.total_seconds() / 2,
        # FastStream's per-message access log ("Received", "Processed") only at debug: ours says more.
        log_level=logging.DEBUG,
        # Through the standard logging that `configure_logging` routes into our format; FastStream's own
        # default logger would print plain text lines to stdout.
        logger=logging.getLogger("discharge.faststream"),
        # No dependency injection: resolving even the message from FastStream's context runs a sync
        # function in a worker thread, twice per message (found profiling the benchmark, see
        # docs/benchmarks.md). The handler gets the message itself through `whole_message` instead.
        apply_types=False,
    )

    async def publish_dead_letter(body: bytes, letter: DeadLetter) -> object:
        return await broker.publish(
            body, deadletter_subject(letter.subject), headers=letter.headers(), stream=DEADLETTER_STREAM
        )

    ingest = Ingest(
        deliver=deliver,
        dead_letter=publish_dead_letter,
        secret=settings.discharge_patient_key_secret.get_secret_value(),
        max_deliveries=settings.discharge_max_deliveries,
        future_tolerance=settings.discharge_future_tolerance,
    )

    @broker.subscriber(
        INBOUND_SUBJECTS,
        # The queue group is also the durable name (nats-py): gateways started side by side share the work.
        queue=DURABLE,
        stream=JStream(INBOUND_STREAM, declare=False),
        config=consumer_config(ack_wait, concurrency),
        ack_policy=AckPolicy.MANUAL,
        decoder=whole_message,
        max_workers=concurrency,
        title="events",
        description=(
            "Inbound CloudEvents (JSON structured mode) on events.<type>: one message per event; see "
            "docs/gateway.md. Refused messages go to deadletter.<subject>."
        ),
    )
    async def on_event(message: NatsMessage) -> None:
        try:
            outcome = await ingest.process(delivery_of(message))
        except Exception as error:
            # Only our own plumbing can fail here (the dead-letter stream unreachable): try again later.
            log.error("gateway could not settle a message", error=type(error).__name__, detail=safe(error))
            await message.nack(delay=RETRY_DELAY_MAX / 4)
            return
        if outcome.ack:
            await message.ack()
        else:
            await message.nack(delay=outcome.retry_in)

    app = FastStream(broker)

    @app.on_startup
    async def _streams() -> None:
        await broker.connect()
        await ensure_streams(broker.config.connection_state.stream)

    @app.on_shutdown
    async def _mark_stopping() -> None:
        nonlocal stopping
        stopping = True

    return broker, app


async def connect_temporal_patiently(settings: Settings) -> Client:
    """Temporal may be down when the gateway starts: keep trying (with backoff) instead of exiting."""
    attempt = 0
    while True:
        try:
            return await connect_temporal(settings)
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
    client = await connect_temporal_patiently(settings)
    _, app = build_gateway(settings, temporal_delivery(client, settings.temporal_task_queue))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    runner = asyncio.current_task()
    started = False

    def on_signal() -> None:
        stop.set()
        if not started and runner is not None:
            runner.cancel()  # still waiting for NATS: nothing in flight, stop at once

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    try:
        await app.start()
        started = True
        log.info("gateway started", subjects=INBOUND_SUBJECTS, types=len(INBOUND_TYPES))
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        with contextlib.suppress(Exception):
            await asyncio.shield(app.stop())
        log.info("gateway stopped")
