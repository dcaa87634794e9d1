"""The gateway's decisions for one message, without any broker: parse, pseudonymise, deliver or refuse."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel

from events.deadletter import DeadLetter
from events.examples import PERSONNUMMER, SAMORDNINGSNUMMER, example_event
from events.identity import parse_identity, patient_key
from workers.gateway.ingest import Delivery, Ingest, retry_delay
from workflows.actor import Sender
from workflows.api import PathwayEvent

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SECRET = "unit-test-secret"
ADMITTED = example_event("hospital.patient_admitted")


class Recorder:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.delivered: list[PathwayEvent] = []
        self.dead: list[tuple[bytes, DeadLetter]] = []

    async def deliver(self, event: PathwayEvent) -> None:
        if self.failures:
            self.failures -= 1
            raise TimeoutError("deadline exceeded")
        self.delivered.append(event)

    async def dead_letter(self, body: bytes, letter: DeadLetter) -> None:
        self.dead.append((body, letter))


def ingest(recorder: Recorder, max_deliveries: int = 3) -> Ingest:
    return Ingest(
        deliver=recorder.deliver,
        dead_letter=recorder.dead_letter,
        secret=SECRET,
        max_deliveries=max_deliveries,
        future_tolerance=timedelta(minutes=5),
        clock=lambda: NOW,
    )


def delivery(event: dict[str, object] | bytes, subject: str | None = None, deliveries: int = 1) -> Delivery:
    if isinstance(event, bytes):
        return Delivery(body=event, subject=subject or "events.x", deliveries=deliveries, stream_sequence=7)
    return Delivery(
        body=json.dumps(event).encode(),
        subject=subject or f"events.{event['type']}",
        deliveries=deliveries,
        stream_sequence=7,
        stored_at=NOW - timedelta(seconds=1),
    )


async def test_a_valid_event_reaches_its_patients_pathway_under_the_pseudonym() -> None:
    recorder = Recorder()
    outcome = await ingest(recorder).process(delivery(example_event("hospital.risk_assessed")))
    assert outcome.ack and outcome.dead_letter is None
    [event] = recorder.delivered
    assert event.patient_key == patient_key(parse_identity(PERSONNUMMER), SECRET)
    assert event.event.type == "hospital.risk_assessed"
    assert event.received_at == NOW - timedelta(seconds=1)  # when the stream stored it: stable on redelivery
    # Signalled as the gateway, for the hospital whose subject it came on (workflows/actor.py).
    assert event.actor == Sender(kind="system", id="hospital", process="gateway")


async def test_the_same_patient_in_two_spellings_reaches_the_same_pathway() -> None:
    recorder = Recorder()
    with_hyphen = example_event("hospital.patient_admitted", patient="19080372-2719")
    without = example_event("hospital.patient_discharged", patient=SAMORDNINGSNUMMER)
    await ingest(recorder).process(delivery(with_hyphen))
    await ingest(recorder).process(delivery(without))
    assert recorder.delivered[0].patient_key == recorder.delivered[1].patient_key


@pytest.mark.parametrize(
    ("body", "subject", "kind", "reason"),
    [
        (b"\xff\xfe", "events.hospital.patient_admitted", "not_json", "not JSON"),
        (b"[1, 2]", "events.hospital.patient_admitted", "not_json", "not an object"),
        (
            json.dumps({**ADMITTED, "type": "hospital.patient_moved"}).encode(),
            "events.hospital.patient_moved",
            "unknown_type",
            "type: not an event type of the contract",
        ),
        (
            json.dumps({**ADMITTED, "time": (NOW + timedelta(minutes=6)).isoformat()}).encode(),
            "events.hospital.patient_admitted",
            "clock_error",
            "the sender's clock is wrong",
        ),
        (
            json.dumps(example_event("hospital.patient_admitted")).encode(),
            "events.hospital.patient_discharged",
            "wrong_subject",
            "must be published on events.hospital.patient_admitted",
        ),
    ],
)
async def test_bad_input_is_dead_lettered_with_its_kind_and_acked(
    body: bytes, subject: str, kind: str, reason: str
) -> None:
    recorder = Recorder()
    outcome = await ingest(recorder).process(delivery(body, subject))
    assert outcome.ack and not recorder.delivered
    [(dead_body, letter)] = recorder.dead
    assert dead_body == body
    assert (letter.kind, letter.subject, letter.deliveries, letter.stream_sequence) == (kind, subject, 1, 7)
    assert reason in letter.reason
    assert letter.failed_at == NOW


async def test_a_time_just_inside_the_tolerance_is_accepted() -> None:
    recorder = Recorder()
    event = example_event("hospital.patient_admitted", time=NOW + timedelta(minutes=4, seconds=59))
    assert (await ingest(recorder).process(delivery(event))).ack
    assert len(recorder.delivered) == 1


async def test_temporal_refusing_means_retry_later_then_a_dead_letter_with_the_last_error() -> None:
    recorder = Recorder(failures=10)
    event = example_event("primarycare.physician_contact")
    gateway = ingest(recorder, max_deliveries=3)
    first = await gateway.process(delivery(event, deliveries=1))
    second = await gateway.process(delivery(event, deliveries=2))
    assert (first.ack, first.retry_in) == (False, 1.0)
    assert (second.ack, second.retry_in) == (False, 2.0)
    assert not recorder.dead
    last = await gateway.process(delivery(event, deliveries=3))
    assert last.ack and last.dead_letter is not None
    assert last.dead_letter.kind == "delivery_failed"
    assert last.dead_letter.deliveries == 3
    assert last.dead_letter.reason == "Temporal did not accept the event: TimeoutError: deadline exceeded"


def test_retry_delays_grow_and_are_capped() -> None:
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert retry_delay(30) == 60.0


async def test_a_reason_never_repeats_the_identity() -> None:
    recorder = Recorder()
    event = example_event("hospital.patient_admitted", patient="19091231-9804")
    await ingest(recorder).process(delivery(event))
    [(_, letter)] = recorder.dead
    assert letter.kind == "schema_violation"
    assert letter.reason == "data.patient.id: not a valid personnummer: the check digit is wrong"
    assert "9804" not in json.dumps(letter.headers())


async def test_an_internal_validation_error_is_reported_without_its_input() -> None:
    class Strict(BaseModel):
        number: int

    async def failing(event: PathwayEvent) -> None:
        Strict.model_validate({"number": PERSONNUMMER})

    recorder = Recorder()
    gateway = Ingest(
        deliver=failing,
        dead_letter=recorder.dead_letter,
        secret=SECRET,
        max_deliveries=1,
        future_tolerance=timedelta(minutes=5),
        clock=lambda: NOW,
    )
    outcome = await gateway.process(delivery(example_event("hospital.risk_assessed")))
    assert outcome.dead_letter is not None
    reason = outcome.dead_letter.reason
    assert reason.startswith("Temporal did not accept the event: ValidationError: number:")
    assert PERSONNUMMER not in reason
