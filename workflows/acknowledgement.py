"""Acknowledging an escalation: someone says "I have this one", with a note. Pure rules, no Temporal.

An escalation is named by its position in the pathway's ``escalations`` (they are only ever appended
to within a run). Each can be acknowledged once; the acknowledgement records who (the signed-in
person's HSA-id, never a typed one), their note, and when. It changes no deadline and sends nothing: it
tells the other coordinators that the escalation has an owner.
"""

from __future__ import annotations

from datetime import datetime

from workflows.api import Acknowledgement, AcknowledgementRecord


def validate_acknowledgement(
    escalations: list[str], done: list[AcknowledgementRecord], acknowledgement: Acknowledgement
) -> None:
    """Raise ``ValueError`` (changing nothing) unless the escalation exists and is still open."""
    if not escalations:
        raise ValueError("the pathway has no escalation to acknowledge")
    if acknowledgement.escalation >= len(escalations):
        raise ValueError(
            f"no escalation number {acknowledgement.escalation}: the pathway has {len(escalations)}"
        )
    earlier = next((ack for ack in done if ack.escalation == acknowledgement.escalation), None)
    if earlier is not None:
        raise ValueError(f"already acknowledged by {earlier.acknowledged_by}")
    if not acknowledgement.note.strip():
        raise ValueError("a note is required: say what you will do")


def acknowledge(
    escalations: list[str], done: list[AcknowledgementRecord], acknowledgement: Acknowledgement, now: datetime
) -> AcknowledgementRecord:
    validate_acknowledgement(escalations, done, acknowledgement)
    record = AcknowledgementRecord(
        **acknowledgement.model_dump(),
        reason=escalations[acknowledgement.escalation],
        acknowledged_at=now,
    )
    done.append(record)
    return record
