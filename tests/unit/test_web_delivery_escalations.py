"""The coordinators' inbox and delivery escalations: each names its receiver; a resolved one is not listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from discharge.views.visibility import PathwayRow
from workers.web.data import _escalations_of
from workflows.api import AcknowledgementRecord, DeliveryRecord, LogEntry, PathwayView

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


def test_a_reminded_escalation_is_one_inbox_row_counting_its_raisings() -> None:
    """Alarm fatigue: a decision overdue for three days was three rows; it is one problem, raised 3 times."""
    reasons = ["extension_decision_overdue", "first_contact_overdue", *["extension_decision_overdue"] * 2]
    raised = [
        LogEntry(at=AT + timedelta(days=n), kind="outbound", summary="", event_type="escalation_raised")
        for n in range(len(reasons))
    ]
    view = PathwayView(patient_key="pk_x", escalations=reasons, log=raised, escalated=True)
    row = PathwayRow("pathway-pk_x", "pk_x", "extension_review", "high", VC, None, None, None, None, True)
    rows = _escalations_of(row, view)
    assert [(item.reason, item.count) for item in rows] == [
        ("extension_decision_overdue", 3),
        ("first_contact_overdue", 1),
    ]
    overdue = rows[0]
    assert overdue.raised_at == AT and overdue.last_raised_at == AT + timedelta(days=3)
    assert overdue.index == 3  # acknowledging the problem names its latest raising


def test_acknowledging_one_raising_acknowledges_the_problem_repeats_included() -> None:
    reasons = ["handover_not_accepted"] * 3
    raised = [LogEntry(at=AT, kind="outbound", summary="", event_type="escalation_raised")] * 3
    ack = AcknowledgementRecord(
        escalation=1, note="ringer VC", acknowledged_by=LMV, reason=reasons[1], acknowledged_at=AT
    )
    view = PathwayView(
        patient_key="pk_x", escalations=reasons, log=raised, escalated=True, acknowledgements=[ack]
    )
    row = PathwayRow("pathway-pk_x", "pk_x", "handover", "standard", VC, None, None, None, None, True)
    [problem] = _escalations_of(row, view)
    assert problem.acknowledgement == ack and problem.count == 3
