"""The gateway's decision for one message, free of FastStream and NATS so it is testable on its own.

Parse and validate it (`parse_inbound`), refused → dead letter with the reason; otherwise pseudonymise
the patient (`patient_key`) and deliver it to the pathway, one patient's events one at a time in stream
order (`workers/gateway/ordering.py`). The answer is an `Outcome`: ack (delivered or dead-lettered), or
try again later with a growing delay, until ``DISCHARGE_MAX_DELIVERIES`` tries make it a dead letter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from pydantic import ValidationError

from events.bounds import OutOfBounds, check_bounds
from events.deadletter import DeadLetter
from events.hidden_identity import shown
from events.identity import parse_identity, patient_key
from events.inbound.envelopes import InboundEvent
from events.inbound.parsing import InvalidEvent, describe_validation_error, parse_inbound, patient_of
from workers.gateway.ordering import PatientTurns, TurnNotReached
from workers.gateway.settlement import transient, unreadable
from workflows.actor import gateway_for
from workflows.api import PathwayEvent

# Lazy: bound at first use, so it follows `configure_logging` even though this module is imported first.
log = structlog.get_logger(component="gateway")

#: Longest wait for the patient's previous event before a message is retried later (see ordering.py).
DEFAULT_TURN_WAIT = timedelta(seconds=10)
#: Redelivery delays after a failure: 1 s, 2 s, 4 s … capped at 1 minute.
RETRY_DELAY_INITIAL = 1.0
RETRY_DELAY_MAX = 60.0

Deliver = Callable[[PathwayEvent], Awaitable[object]]
DeadLetterSink = Callable[[bytes, DeadLetter], Awaitable[object]]


def retry_delay(deliveries: int) -> float:
    """Seconds before the next try after the ``deliveries``-th failed one (1-based)."""
    return min(RETRY_DELAY_INITIAL * 2.0 ** max(deliveries - 1, 0), RETRY_DELAY_MAX)


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
            # One patient's events in the order they were taken from the stream (workers/gateway/ordering.py).
            async with self._turns.turn(key):
                # Signalled as the gateway, for the system whose subject it came on (`check_subject`).
                await self._deliver(
                    PathwayEvent(
                        patient_key=key,
                        event=event,
                        received_at=delivery.stored_at or now,
                        actor=gateway_for(event.type),
                    )
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
        input (a dead letter), never a reason to redeliver it (workers/gateway/settlement.py)."""
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
            subject=shown(delivery.subject),
            stream_sequence=delivery.stream_sequence,
        )
        return Outcome(ack=True, dead_letter=letter)
