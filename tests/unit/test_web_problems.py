"""Alarm fatigue: one inbox row per problem, counting its raisings; acknowledging it covers its repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from discharge.views.visibility import PathwayRow
from workers.web.data import Escalation
from workers.web.problems import one_per_problem, problems_of
from workflows.api import AcknowledgementRecord, LogEntry, PathwayView

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
VC = "SE2321000131-E000000000101"
LMV = "SE2321000131-E000000000200"


def row(key: str) -> PathwayRow:
    return PathwayRow(f"pathway-{key}", key, "extension_review", "high", VC, None, None, None, None, True)


def test_a_reminded_escalation_is_one_inbox_row_counting_its_raisings() -> None:
    """A decision overdue for three days was three rows; it is one problem, raised three times."""
    a, b = row("pk_a"), row("pk_b")
    raisings = [
        Escalation(a, 0, "extension_decision_overdue", AT, None),
        Escalation(a, 1, "first_contact_overdue", AT + timedelta(days=1), None),
        Escalation(a, 2, "extension_decision_overdue", AT + timedelta(days=2), None),
        Escalation(a, 3, "extension_decision_overdue", AT + timedelta(days=3), None),
        Escalation(b, 0, "extension_decision_overdue", AT, None),  # another patient's: its own problem
        Escalation(a, 4, "not_delivered", AT, None, receiver=VC),
        Escalation(a, 5, "not_delivered", AT, None, receiver=LMV),  # another receiver: another problem
    ]
    rows = one_per_problem(raisings, lambda item: item.row.workflow_id)
    listed = [(item.row.patient_key, item.reason, item.receiver, item.count) for item in rows]
    assert listed == [
        ("pk_a", "extension_decision_overdue", None, 3),
        ("pk_a", "first_contact_overdue", None, 1),
        ("pk_a", "not_delivered", VC, 1),
        ("pk_a", "not_delivered", LMV, 1),
        ("pk_b", "extension_decision_overdue", None, 1),
    ]
    overdue = rows[0]
    assert overdue.raised_at == AT and overdue.last_raised_at == AT + timedelta(days=3)
    assert overdue.index == 3  # acknowledging the problem names its latest raising


def test_acknowledging_one_raising_acknowledges_the_problem_repeats_included() -> None:
    reasons = ["handover_not_accepted"] * 3
    raised = [
        LogEntry(at=AT + timedelta(days=n), kind="outbound", summary="", event_type="escalation_raised")
        for n in range(3)
    ]
    ack = AcknowledgementRecord(
        escalation=1, note="ringer VC", acknowledged_by=LMV, reason=reasons[1], acknowledged_at=AT
    )
    view = PathwayView(
        patient_key="pk_x", escalations=reasons, log=raised, escalated=True, acknowledgements=[ack]
    )
    [problem] = problems_of(view)
    assert problem.acknowledgement == ack and problem.count == 3 and problem.index == 2
    assert problem.raised_at == AT and problem.last_raised_at == AT + timedelta(days=2)
