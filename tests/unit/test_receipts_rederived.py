"""Delivery receipts survive the ledger's re-derivation of the state in clinical order (rules/refusals.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.inbound_events import UNIT, VC, admitted, event, hours, risk
from tests.unit.ledger_harness import GRACE, T0, LedgerRun
from workflows.policy import Policy
from workflows.rules.receipts import expect_receipts

LMV_UNIT = "SE2321000131-E000000000200"
POLICY = Policy(late_event_grace=GRACE, delivery_receipt_timeout=timedelta(hours=2), lmv_unit=LMV_UNIT)


def planning_requested() -> tuple[LedgerRun, str]:
    """A high-risk patient in joint planning; its deliveries recorded as the workflow records them."""
    r = LedgerRun(POLICY)
    r.state.receipts_rederived = True  # as the workflow sets it at the first publish, from the patch
    r.arrive([admitted(T0, listed_vardcentral=UNIT), risk(T0 + hours(1))], T0 + hours(1))
    for command in r.published:
        expect_receipts(r.state, command.data, command.step, T0 + hours(1), POLICY)
    request = next(c.step for c in r.published if c.type == "joint_planning_requested")
    return r, request


def clinically_earlier(at: datetime) -> list[object]:
    """An event from before the latest one: it makes the ledger re-derive the state from all events."""
    return [event("hospital.discharge_planned", at, episode_id="ep-1", planned_for=T0 + hours(48))]


def test_an_overdue_receipts_escalation_stays_open_when_the_state_is_re_derived() -> None:
    r, request = planning_requested()
    r.tick(T0 + hours(3.5))  # no receipt from either receiver: both escalated
    assert r.state.escalations.count("not_delivered") == 2 and r.state.open_escalations
    published = len(r.published)

    r.arrive(clinically_earlier(T0 + hours(0.5)), T0 + hours(4))  # type: ignore[arg-type]
    assert r.ledger.derivations >= 2
    assert r.state.escalations.count("not_delivered") == 2 and r.state.open_escalations
    for delivery in (d for d in r.state.deliveries if d.message_id == request):
        assert delivery.status == "not_delivered"
        assert delivery.escalation is not None and r.state.escalations[delivery.escalation] == "not_delivered"
    r.tick(T0 + hours(5))
    assert len(r.published) == published  # nothing raised again
    assert r.dead == []


def test_a_receipt_applied_before_a_re_derivation_is_applied_again_not_dead_lettered() -> None:
    r, request = planning_requested()
    r.arrive(
        [
            event(
                "primarycare.message_acknowledged",
                T0 + hours(1.5),
                source=VC,
                message_id=request,
                recipient=UNIT,
                outcome="rejected",
            )
        ],
        T0 + hours(1.5),
    )
    assert r.state.escalations == ["delivery_rejected"]
    r.arrive(clinically_earlier(T0 + hours(0.5)), T0 + hours(2))  # type: ignore[arg-type]
    assert r.state.escalations == ["delivery_rejected"] and r.state.open_escalations
    rejected = next(d for d in r.state.deliveries if d.recipient == UNIT and d.message_id == request)
    assert rejected.status == "rejected" and rejected.escalation == 0
    r.tick(T0 + hours(60))  # past the hold: nothing was left unapplied
    assert r.dead == []
