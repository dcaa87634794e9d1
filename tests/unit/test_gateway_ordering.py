"""One patient's events reach Temporal in the order the gateway took them; other patients never wait."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from events.deadletter import DeadLetter
from events.examples import PERSONNUMMER, PERSONNUMMER_NO_HYPHEN, example_event
from workers.gateway.ingest import Delivery, Ingest
from workers.gateway.ordering import PatientTurns, TurnNotReached
from workflows.api import PathwayEvent

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class SlowTemporal:
    """Temporal that takes ``delays[event id]`` seconds to accept a signal; records acceptance order."""

    def __init__(self, delays: dict[str, float]) -> None:
        self.delays = delays
        self.accepted: list[str] = []

    async def deliver(self, event: PathwayEvent) -> None:
        await asyncio.sleep(self.delays.get(event.event.id, 0.0))
        self.accepted.append(event.event.id)

    async def dead_letter(self, body: bytes, letter: DeadLetter) -> None:
        raise AssertionError(f"unexpected dead letter: {letter.reason}")


def ingest(temporal: SlowTemporal, turn_wait: timedelta = timedelta(seconds=5)) -> Ingest:
    return Ingest(
        deliver=temporal.deliver,
        dead_letter=temporal.dead_letter,
        secret="unit-test-secret",
        max_deliveries=3,
        future_tolerance=timedelta(minutes=5),
        clock=lambda: NOW,
        turn_wait=turn_wait,
    )


def delivery(event_type: str, event_id: str, patient: str = PERSONNUMMER) -> Delivery:
    event = example_event(event_type, patient=patient) | {"id": event_id}
    return Delivery(body=json.dumps(event).encode(), subject=f"events.{event_type}")


async def test_a_later_event_of_the_same_patient_does_not_overtake_a_slow_earlier_one() -> None:
    # The proposal is slow to be accepted; without turns the acceptance would reach the pathway first
    # and be ignored there as "no handover yet".
    temporal = SlowTemporal({"proposed": 0.2})
    gateway = ingest(temporal)
    outcomes = await asyncio.gather(
        gateway.process(delivery("primarycare.handover_proposed", "proposed")),
        gateway.process(delivery("primarycare.handover_accepted", "accepted")),
    )
    assert all(outcome.ack for outcome in outcomes)
    assert temporal.accepted == ["proposed", "accepted"]


async def test_another_patients_event_does_not_wait() -> None:
    temporal = SlowTemporal({"slow": 0.3})
    gateway = ingest(temporal)
    await asyncio.gather(
        gateway.process(delivery("primarycare.handover_proposed", "slow")),
        gateway.process(delivery("primarycare.handover_proposed", "other", patient=PERSONNUMMER_NO_HYPHEN)),
    )
    assert temporal.accepted == ["other", "slow"]


async def test_a_message_behind_a_stuck_one_is_retried_later_instead_of_waiting_forever() -> None:
    temporal = SlowTemporal({"stuck": 1.0})
    gateway = ingest(temporal, turn_wait=timedelta(seconds=0.1))
    stuck, behind = await asyncio.gather(
        gateway.process(delivery("primarycare.handover_proposed", "stuck")),
        gateway.process(delivery("primarycare.handover_accepted", "behind")),
    )
    assert stuck.ack
    assert not behind.ack and behind.retry_in > 0
    assert temporal.accepted == ["stuck"]


async def test_turns_are_forgotten_when_done_and_a_timed_out_waiter_does_not_break_the_queue() -> None:
    turns = PatientTurns(timedelta(seconds=0.05))
    order: list[str] = []

    async def hold(name: str, seconds: float) -> None:
        try:
            async with turns.turn("pk_a"):
                order.append(name)
                await asyncio.sleep(seconds)
        except TurnNotReached:
            order.append(f"{name} gave up")

    first = asyncio.create_task(hold("first", 0.1))
    await asyncio.sleep(0)
    second = asyncio.create_task(hold("second", 0))  # times out behind `first`
    await asyncio.gather(first, second)
    await hold("third", 0)
    assert order == ["first", "second gave up", "third"]
    assert len(turns) == 0
