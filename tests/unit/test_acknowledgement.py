"""The acknowledgement rule: one owner per escalation, a note, only escalations that exist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workflows.acknowledgement import acknowledge, validate_acknowledgement
from workflows.api import Acknowledgement, AcknowledgementRecord

NOW = datetime(2026, 3, 29, 8, 0, tzinfo=UTC)
BY = "SE2321000131-E000000000300"


def ack(index: int = 0, note: str = "on it") -> Acknowledgement:
    return Acknowledgement(escalation=index, note=note, acknowledged_by=BY, name="Karin")


def test_an_open_escalation_is_acknowledged_with_who_what_and_when() -> None:
    done: list[AcknowledgementRecord] = []
    record = acknowledge(["planning_not_confirmed", "first_contact_overdue"], done, ack(1), NOW)
    assert (record.reason, record.acknowledged_by, record.acknowledged_at) == (
        "first_contact_overdue",
        BY,
        NOW,
    )
    assert done == [record]


@pytest.mark.parametrize(
    ("escalations", "done_indexes", "acknowledgement", "message"),
    [
        ([], [], ack(0), "no escalation to acknowledge"),
        (["municipal_concern"], [], ack(1), "no escalation number 1"),
        (["municipal_concern"], [0], ack(0), "already acknowledged"),
        (["municipal_concern"], [], ack(0, "   "), "a note is required"),
    ],
)
def test_what_cannot_be_acknowledged_is_refused_and_changes_nothing(
    escalations: list[str], done_indexes: list[int], acknowledgement: Acknowledgement, message: str
) -> None:
    done = [
        AcknowledgementRecord(**ack(i).model_dump(), reason="municipal_concern", acknowledged_at=NOW)
        for i in done_indexes
    ]
    before = list(done)
    with pytest.raises(ValueError, match=message):
        validate_acknowledgement(escalations, done, acknowledgement)
    with pytest.raises(ValueError, match=message):
        acknowledge(escalations, done, acknowledgement, NOW)
    assert done == before
