"""Delivery receipts: what the pathway delivered to whom, and what it does when a receipt does not come.

Each outbound event is delivered to its receivers (events/delivery.py: the same ``receivers`` the fan-out
uses). The pathway keeps one ``DeliveryRecord`` per receiver and waits for the receiver's
``primarycare.message_acknowledged``:

- a delivery that asks the receiver to act (its model's ``acts``) and is not ``received`` within the policy's
  ``delivery_receipt_timeout`` raises the escalation ``not_delivered``, once, to the coordinator;
- ``rejected`` raises ``delivery_rejected`` at once;
- both name the receiver (``receiver``), the message and its type; a later ``received`` resolves them
  (``resolved_escalations``), so the coordinators' inbox no longer lists them.

The receipt times are the read model's "received within 15 minutes" indicator (``delivery_received``).
A run whose policy has no timeout (recorded before receipts existed) awaits none.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.inbound.envelopes import MessageAcknowledged, dedup_key
from events.outbound.data import OutboundData
from workflows.api import DeliveryRecord
from workflows.policy import Policy
from workflows.rules.state import PathwayState
from workflows.rules.step import Step


def expect_receipts(
    state: PathwayState, data: OutboundData, message_id: str, now: datetime, policy: Policy
) -> None:
    """Record the deliveries of an outbound event just published (``message_id`` is its CloudEvent id):
    its receivers as its type's model declares them (events/outbound/data.py), as the fan-out delivers."""
    timeout = policy.delivery_receipt_timeout
    if timeout is None:
        return
    for receiver in data.receivers(policy.lmv_unit):
        if _find(state, message_id, receiver.hsa_id) is not None:
            continue  # the same step carried out again: one delivery
        record = DeliveryRecord(
            message_id=message_id,
            recipient=receiver.hsa_id,
            event_type=data.TYPE,
            delivered_at=now,
            due_at=now + timeout if receiver.acts else None,
        )
        state.deliveries.append(record)


def next_receipt_due(state: PathwayState) -> datetime | None:
    return min((d.due_at for d in state.deliveries if d.due_at is not None), default=None)


def receipt_deadlines(step: Step, now: datetime) -> None:
    """Escalate each delivery whose receipt is overdue: ``not_delivered``, once per delivery."""
    for delivery in sorted(step.s.deliveries, key=lambda d: (d.due_at or now, d.message_id, d.recipient)):
        if delivery.due_at is None or delivery.due_at > now:
            continue
        step.log("timer", f"no receipt for {delivery.event_type} from {delivery.recipient}")
        delivery.due_at, delivery.status = None, "not_delivered"
        # Its own step key (the delivery's): under the tick's shared cause two escalations in different
        # ticks had the same key, and the second was never published (runs before `clinical_deliveries`).
        cause = f"receipt@{delivery.message_id}.{delivery.recipient}" if step.s.clinical_deliveries else None
        delivery.escalation = _escalate(step, "not_delivered", delivery, cause)


def receipt_received(step: Step, event: MessageAcknowledged) -> str | None:
    """A receiver's receipt: the delivery is received (resolving its escalation), or rejected (escalated)."""
    d = event.data
    delivery = _find(step.s, d.message_id, d.recipient)
    if delivery is None:
        step.ignore(event, f"for no delivery of this pathway to {d.recipient}")
        return None
    key = dedup_key(event.source, event.id)
    if key in delivery.receipts:  # met again in a re-derivation: applied already, kept as it was
        return f"{delivery.event_type} {d.outcome} by {d.recipient}"
    if delivery.status in ("received", d.outcome):
        step.ignore(event, f"for a delivery {delivery.status} already")
        return None
    delivery.due_at = None
    if step.s.receipts_rederived:
        delivery.receipts.append(key)
    if d.outcome == "rejected":
        delivery.status = "rejected"
        delivery.escalation = _escalate(step, "delivery_rejected", delivery)
        return f"{delivery.event_type} rejected by {d.recipient}: escalated"
    delivery.status, delivery.received_at = "received", event.time
    step.publish(
        "delivery_received",
        receiver=d.recipient,
        message_id=d.message_id,
        delivered_type=delivery.event_type,
        delivered_at=delivery.delivered_at,
        received_at=event.time,
    )
    resolved = delivery.escalation
    if resolved is not None and resolved not in step.s.resolved_escalations:
        step.s.resolved_escalations.append(resolved)
        return f"{delivery.event_type} received by {d.recipient}: its escalation resolved"
    return f"{delivery.event_type} received by {d.recipient}"


def carried_escalations(live: PathwayState, deliveries: list[DeliveryRecord]) -> tuple[list[str], list[int]]:
    """The escalations of ``deliveries`` (copies of ``live``'s), for a state re-derived from the ledger.

    A delivery and what became of it are facts of the run, not of its events: `not_delivered` was raised by
    the clock, `delivery_rejected` by a receipt the re-derivation finds applied already (``receipts``). So
    they open the re-derived state's escalations, each delivery pointing at its own, resolved as before; the
    events' escalations follow. Returns the escalations and the resolved positions."""
    escalations: list[str] = []
    resolved: list[int] = []
    for delivery in deliveries:
        was = delivery.escalation
        delivery.escalation = None
        if was is None or was >= len(live.escalations):
            continue
        delivery.escalation = len(escalations)
        escalations.append(live.escalations[was])
        if was in live.resolved_escalations:
            resolved.append(delivery.escalation)
    return escalations, resolved


def _escalate(step: Step, reason: Any, delivery: DeliveryRecord, cause: str | None = None) -> int:
    step.escalate(
        reason,
        "coordinator",
        cause=cause,
        receiver=delivery.recipient,
        message_id=delivery.message_id,
        delivered_type=delivery.event_type,
    )
    return len(step.s.escalations) - 1


def _find(state: PathwayState, message_id: str, recipient: str) -> DeliveryRecord | None:
    return next(
        (d for d in state.deliveries if d.message_id == message_id and d.recipient == recipient), None
    )
