"""One row per problem, not per reminder: a pathway's escalations grouped as people deal with them.

A deadline that stays missed is raised again (`extension_decision_overdue`, `handover_not_accepted`: every
reminder interval) and each raising is one entry in the pathway's ``escalations``. To a coordinator that is
one problem: how many times it was raised, since when, when last. A problem is a reason, and for a
delivery's escalation its receiver, among the pathway's escalations that no later event resolved. Its
acknowledgement is the first of its raisings someone acknowledged; acknowledging the problem acknowledges
its latest raising (the workflow's update names one), which covers the problem, repeats included.
Pure: the inbox (workers/web/data.py) and the patient page show these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from workflows.api import AcknowledgementRecord, PathwayView


@dataclass(frozen=True)
class Problem:
    reason: str
    receiver: str | None  # not_delivered, delivery_rejected: the receiver's HSA-id
    indexes: tuple[int, ...]  # its raisings' positions in the pathway's escalations, oldest first
    raised: tuple[datetime | None, ...]  # when each was raised
    acknowledgement: AcknowledgementRecord | None

    @property
    def index(self) -> int:
        """The raising an acknowledgement names: the latest."""
        return self.indexes[-1]

    @property
    def count(self) -> int:
        return len(self.indexes)

    @property
    def since(self) -> datetime | None:
        return self.raised[0]

    @property
    def last_raised(self) -> datetime | None:
        return self.raised[-1]


def problems_of(view: PathwayView) -> list[Problem]:
    """The pathway's open (unresolved) escalations as problems, in the order each was first raised."""
    # Each escalation is published as it is raised: the n-th "escalation_raised" line is the n-th escalation.
    raised_at = [entry.at for entry in view.log if entry.event_type == "escalation_raised"]
    acks = {ack.escalation: ack for ack in view.acknowledgements}
    receivers = {d.escalation: d.recipient for d in view.deliveries if d.escalation is not None}
    groups: dict[tuple[str, str | None], list[int]] = {}
    for index, reason in enumerate(view.escalations):
        if index not in view.resolved_escalations:
            groups.setdefault((reason, receivers.get(index)), []).append(index)
    return [
        Problem(
            reason=reason,
            receiver=receiver,
            indexes=tuple(indexes),
            raised=tuple(raised_at[i] if i < len(raised_at) else None for i in indexes),
            acknowledgement=next((acks[i] for i in indexes if i in acks), None),
        )
        for (reason, receiver), indexes in groups.items()
    ]
