"""The coordinators' inbox and delivery escalations: each names its receiver; a resolved one is not listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from discharge.views.visibility import PathwayRow
from workers.web.data import _escalations_of
from workflows.api import DeliveryRecord, LogEntry, PathwayView

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
VC = "SE2321000131-E000000000101"
LMV = "SE2321000131-E000000000200"


def delivery(recipient: str, escalation: int) -> DeliveryRecord:
    return DeliveryRecord(
        message_id="m-1",
        recipient=recipient,
        event_type="joint_planning_requested",
        delivered_at=AT,
        status="not_delivered",
        escalation=escalation,
    )


def test_a_not_delivered_escalation_names_its_receiver_and_one_resolved_by_a_receipt_is_gone() -> None:
    raised = [
        LogEntry(at=AT + timedelta(hours=2), kind="outbound", summary="", event_type="escalation_raised")
    ]
    view = PathwayView(
        patient_key="pk_x",
        escalations=["not_delivered", "not_delivered", "first_contact_overdue"],
        resolved_escalations=[0],
        deliveries=[delivery(VC, 0), delivery(LMV, 1)],
        log=raised * 3,
        escalated=True,
    )
    row = PathwayRow("pathway-pk_x", "pk_x", "joint_planning", "high", VC, None, None, None, None, True)
    listed = [(item.index, item.reason, item.receiver) for item in _escalations_of(row, view)]
    assert listed == [(1, "not_delivered", LMV), (2, "first_contact_overdue", None)]


def test_a_concern_routed_to_the_beredskapsjour_names_it_in_the_inbox() -> None:
    oncall = "SE2321000131-E000000000400"
    view = PathwayView(
        patient_key="pk_x",
        escalations=["municipal_concern", "municipal_concern"],
        routed_escalations={1: oncall},
        escalated=True,
    )
    row = PathwayRow("pathway-pk_x", "pk_x", "handover", "standard", VC, None, None, None, None, True)
    listed = [(item.index, item.receiver) for item in _escalations_of(row, view)]
    assert listed == [(0, None), (1, oncall)]
