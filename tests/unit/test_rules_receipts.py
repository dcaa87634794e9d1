"""Delivery receipts as plain rules: what was delivered to whom, rejected, received, overdue."""

from __future__ import annotations

from datetime import timedelta

from tests.inbound_events import UNIT, VC, admitted, event, hours, risk
from tests.unit.rules_harness import T0, Pathway
from workflows.policy import Policy
from workflows.rules.deadlines import apply_time, next_deadline
from workflows.rules.receipts import expect_receipts

LMV_UNIT = "SE2321000131-E000000000200"
POLICY = Policy(delivery_receipt_timeout=timedelta(hours=2), lmv_unit=LMV_UNIT)


def planning_requested() -> tuple[Pathway, str]:
    """A high-risk patient in joint planning, the request delivered (as the workflow records it)."""
    p = Pathway().on(admitted(T0, listed_vardcentral=UNIT), risk(T0 + hours(1)))
    for index, command in enumerate(p.published):
        expect_receipts(p.state, command.data, f"msg-{index}", T0 + hours(1), POLICY)
    message = next(f"msg-{i}" for i, c in enumerate(p.published) if c.type == "joint_planning_requested")
    return p, message


def receipt(message_id: str, recipient: str, outcome: str, hours_after: float) -> object:
    return event(
        "primarycare.message_acknowledged",
        T0 + hours(hours_after),
        source=VC,
        message_id=message_id,
        recipient=recipient,
        outcome=outcome,
    )


def test_the_planning_request_awaits_a_receipt_from_lmv_and_the_listed_vardcentral_only() -> None:
    p, message = planning_requested()
    awaited = {(d.message_id, d.recipient) for d in p.state.deliveries if d.due_at is not None}
    assert awaited == {(message, LMV_UNIT), (message, UNIT)}
    assert next_deadline(p.state) == T0 + hours(3)
    # `pathway_started` only informs the listed vårdcentral: delivered, no receipt awaited.
    informed = {(d.event_type, d.recipient) for d in p.state.deliveries if d.due_at is None}
    assert informed == {("pathway_started", UNIT)}


def test_a_rejection_is_escalated_at_once_naming_the_receiver_and_a_later_receipt_resolves_it() -> None:
    p, message = planning_requested()
    p.on(receipt(message, UNIT, "rejected", 1.5))  # type: ignore[arg-type]
    assert p.reasons() == ["delivery_rejected"]
    rejected = p.published[-1].data
    assert (rejected["receiver"], rejected["message_id"], rejected["to"]) == (UNIT, message, "coordinator")
    assert p.state.open_escalations

    p.on(receipt(message, UNIT, "received", 1.7))  # type: ignore[arg-type]
    assert p.state.resolved_escalations == [0] and not p.state.open_escalations
    assert p.types()[-1] == "delivery_received"
    assert p.data("delivery_received")["received_at"] == (T0 + hours(1.7)).isoformat()


def test_an_overdue_receipt_is_escalated_once_and_an_unknown_message_is_ignored() -> None:
    p, message = planning_requested()
    p.on(receipt(message, LMV_UNIT, "received", 1.2))  # type: ignore[arg-type]
    p.on(receipt("someone-elses", UNIT, "received", 1.3))  # type: ignore[arg-type]
    assert p.state.log[-1].kind == "ignored"
    apply_time(p.state, T0 + hours(3), POLICY)
    not_delivered = [d for d in p.state.deliveries if d.status == "not_delivered"]
    assert [d.recipient for d in not_delivered] == [UNIT]
    assert p.state.escalations == ["not_delivered"]
    apply_time(p.state, T0 + hours(20), POLICY)
    assert p.state.escalations == ["not_delivered"]  # once, not again each hour


def test_receipt_escalations_raised_in_different_ticks_each_have_a_step_key_of_their_own() -> None:
    # Step keys name their cause (`state.ordered`): each delivery's escalation names that delivery, so a
    # second tick's escalations are not taken for the first tick's and left unpublished (issue 29).
    p = Pathway()
    p.state.ordered, p.state.clinical_deliveries = True, True
    p.on(admitted(T0, listed_vardcentral=UNIT), risk(T0 + hours(1)))
    planning = next(c for c in p.published if c.type == "joint_planning_requested")
    expect_receipts(p.state, planning.data, "msg-first", T0 + hours(1), POLICY)
    expect_receipts(p.state, planning.data, "msg-again", T0 + hours(5), POLICY)
    p.at(T0 + hours(8))  # two ticks: at 3 h the first message's receipts are overdue, at 7 h the other's
    raised = [c for c in p.published if c.type == "escalation_raised"]
    assert [c.data["reason"] for c in raised] == ["not_delivered"] * 4
    assert len({c.step for c in raised}) == 4
    assert {(c.data["message_id"], c.data["receiver"]) for c in raised} == {
        (message, receiver) for message in ("msg-first", "msg-again") for receiver in (LMV_UNIT, UNIT)
    }
