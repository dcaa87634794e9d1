"""Events held before their pathway opens, and any arrival order giving the pathway of clinical order."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import accepted, admitted, confirmed, contact, days, discharged, event, hours, risk
from workflows.policy import Policy
from workflows.rules import dispatch
from workflows.rules.deadlines import apply_time
from workflows.rules.dispatch import apply_event
from workflows.rules.intake import Intake, can_open, retry_waiting, try_event
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
WINDOW = timedelta(seconds=10)
POLICY = Policy(reorder_window=WINDOW, late_event_grace=timedelta(minutes=1))


def high_risk_pathway() -> list[InboundEvent]:
    """A full high-risk pathway, in clinical order: admission to a handover accepted within the period."""
    return [
        admitted(T0),
        risk(T0 + hours(1)),
        confirmed(T0 + hours(2), "lmv"),
        confirmed(T0 + hours(3), "vardcentral"),
        discharged(T0 + days(1)),
        contact(T0 + days(1) + hours(2)),
        event("primarycare.handover_proposed", T0 + days(5), proposed_by="SE2321000131-E000000000010"),
        accepted(T0 + days(5) + hours(1)),
    ]


class Run:
    """The workflow's loop, without Temporal: arrivals into the intake, releases into the rules."""

    def __init__(self, policy: Policy = POLICY) -> None:
        self.policy = policy
        self.state = PathwayState(patient_key="k")
        self.intake = Intake()
        self.published: list[Publish] = []
        self.dead: list[InboundEvent] = []

    @property
    def opened(self) -> bool:
        return self.state.opened_by is not None

    def arrive(self, evt: InboundEvent, now: datetime) -> None:
        self.intake.receive(evt, now)
        self.tick(now)

    def tick(self, now: datetime) -> None:
        was_open = self.opened
        for index, released in enumerate(self.intake.release(now, self.policy, opened=was_open)):
            if not was_open and index > 0 and not can_open(released):
                tried = try_event(self.state, released, now, self.policy)
                if tried is None:
                    self.intake.wait(released, now)
                    continue
                self.state, outcome = tried
            else:
                outcome = apply_event(self.state, released, now, self.policy)
            self._take(outcome.commands)
            self.state, outcomes = retry_waiting(self.state, self.intake, now, self.policy)
            for later in outcomes:
                self._take(later.commands)
        self.dead += self.intake.expire(now, self.policy, opened=self.opened)
        self._take(apply_time(self.state, now, self.policy).commands)

    def _take(self, commands: list[Any]) -> None:
        self.published += [c for c in commands if isinstance(c, Publish)]

    def end(self) -> dict[str, Any]:
        return self.state.model_dump(exclude={"log", "settle_until"})


def run(order: list[InboundEvent], policy: Policy = POLICY) -> Run:
    """A backlog: every event arrives a second after the previous one, long after the last happened;
    then time passes until the pathway's readmission window has ended."""
    r = Run(policy)
    now = T0 + days(6)
    for evt in order:
        r.arrive(evt, now)
        now += timedelta(seconds=1)
    for later in (now + WINDOW, now + days(2), now + days(40)):
        r.tick(later)
    return r


def test_in_clinical_order_the_high_risk_pathway_completes() -> None:
    r = run(high_risk_pathway())
    assert r.state.phase == "closed" and r.state.outcome == "completed" and r.state.escalations == []
    assert [p.type for p in r.published] == [
        "pathway_started",
        "joint_planning_requested",
        "support_started",
        "handover_requested",
        "handover_completed",
        "pathway_closed",
    ]


def test_a_thousand_arrival_orders_give_the_same_pathway_and_the_same_outbound_events() -> None:
    events = high_risk_pathway()
    expected = run(events)
    shuffler = random.Random(20261123)
    orders = set()
    for _ in range(1200):
        order = events[:]
        shuffler.shuffle(order)
        orders.add(tuple(e.id for e in order))
        got = run(order)
        assert got.end() == expected.end(), [e.type for e in order]
        assert got.published == expected.published, [e.type for e in order]
        assert got.dead == []
    assert len(orders) >= 1000


def test_events_before_the_opening_event_are_held_then_applied_in_clinical_order() -> None:
    # No reorder window: each event is acted on as it arrives, except those that cannot open a pathway.
    r = Run(Policy())
    now = T0 + days(1)
    r.arrive(confirmed(T0 + hours(3), "vardcentral"), now)
    r.arrive(confirmed(T0 + hours(2), "lmv"), now + hours(1))
    assert not r.opened and r.state.phase == "inpatient" and len(r.intake.held) == 2
    r.arrive(risk(T0 + hours(1)), now + hours(2))
    assert str(r.state.phase) == "joint_planning" and r.state.planning_confirmed == ["lmv", "vardcentral"]
    assert r.intake.held == [] and r.dead == []


def test_early_events_wait_for_the_event_that_makes_them_meaningful() -> None:
    # The admission opens the pathway; the LMV confirmation held before it waits for the risk assessment.
    r = Run(Policy())
    now = T0 + days(1)
    r.arrive(confirmed(T0 + hours(2), "lmv"), now)
    r.arrive(admitted(T0), now + hours(1))
    assert r.opened and r.state.phase == "inpatient" and len(r.intake.waiting) == 1
    assert all(entry.kind != "ignored" for entry in r.state.log)
    r.arrive(risk(T0 + hours(1)), now + hours(2))
    assert r.state.planning_confirmed == ["lmv"] and r.intake.waiting == []


def test_held_events_whose_pathway_never_opens_are_dead_lettered_after_the_hold() -> None:
    r = Run(Policy())
    first, second = contact(T0), accepted(T0 + hours(1))
    r.arrive(first, T0)
    r.arrive(second, T0 + days(1))
    r.tick(T0 + days(2) - timedelta(seconds=1))
    assert r.dead == [] and r.intake.wake_at(r.policy, opened=False) == T0 + days(2)
    r.tick(T0 + days(2))
    assert r.dead == [first, second] and r.intake.held == [] and not r.opened
    assert r.published == []


def test_only_an_event_that_can_open_a_pathway_goes_first() -> None:
    # A confirmation clinically earlier than the risk assessment still waits for it to open the pathway.
    intake = Intake()
    early = confirmed(T0, "lmv")
    opening = risk(T0 + hours(1))
    intake.receive(early, T0 + days(1))
    assert intake.release(T0 + days(1), Policy(), opened=False) == []
    intake.receive(opening, T0 + days(1))
    assert intake.release(T0 + days(1), Policy(), opened=False) == [opening, early]
    assert can_open(opening) and not can_open(early)


def test_a_held_event_a_rule_raises_on_waits_instead_of_failing_the_run(monkeypatch: Any) -> None:
    # Runs started before `any-arrival-order` try held events on a copy (`try_event`): a rule that raises
    # (a defect, a year-9999 date) must leave the state as it was and the event waiting, then dead-lettered.
    def raises(*_: Any) -> None:
        raise OverflowError("date value out of range")

    state = PathwayState(patient_key="k")
    apply_event(state, admitted(T0), T0, POLICY)
    before = state.model_dump()
    monkeypatch.setattr(dispatch, "discharged_remembering", raises)
    assert try_event(state, discharged(T0 + hours(2)), T0, POLICY) is None
    assert state.model_dump() == before
