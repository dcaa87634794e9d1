"""One row per problem, not per reminder: a pathway's escalations grouped as people deal with them.

A deadline that stays missed is raised again (`extension_decision_overdue`, `handover_not_accepted`: every
reminder interval) and each raising is one entry in the pathway's ``escalations``. To a coordinator that is
one problem: how many times it was raised, since when, when last. A problem is a pathway's reason, and for a
delivery's escalation its receiver, among its open (unresolved) raisings. Its acknowledgement is the first
of its raisings someone acknowledged, so acknowledging the problem once covers it, repeats included; the
acknowledgement form names the latest raising (the workflow's update names one). Pure: the inbox
(workers/web/data.py, whatever it reads its raisings from) and the patient page use ``one_per_problem``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol, TypeVar

from discharge.readmodel.inbox import Acknowledged, OpenEscalation
from workflows.api import AcknowledgementRecord, PathwayView


class Raising(Protocol):
    @property
    def index(self) -> int: ...  # the raising's position in the pathway's escalations
    @property
    def reason(self) -> str: ...
    @property
    def receiver(self) -> str | None: ...
    @property
    def raised_at(self) -> datetime | None: ...
    @property
    def acknowledgement(self) -> Any: ...


R = TypeVar("R", bound=Raising)


def one_per_problem(raisings: Sequence[R], pathway: Callable[[R], str]) -> list[R]:
    """Each problem once: its latest raising (what an acknowledgement names), with ``raised_at`` the first
    raising's, ``count``, ``last_raised_at`` and the problem's acknowledgement; in first-raised order."""
    groups: dict[tuple[str, str, str | None], list[R]] = {}
    for item in sorted(raisings, key=lambda r: (pathway(r), r.index)):
        groups.setdefault((pathway(item), item.reason, item.receiver), []).append(item)
    problems = []
    for group in groups.values():
        first, last = group[0], group[-1]
        acknowledged = next((r.acknowledgement for r in group if r.acknowledgement is not None), None)
        problems.append(
            replace(  # type: ignore[type-var]
                last,
                raised_at=first.raised_at,
                acknowledgement=acknowledged,
                count=len(group),
                last_raised_at=last.raised_at,
            )
        )
    return problems


@dataclass(frozen=True)
class Problem:
    """One problem of a pathway, for its patient page."""

    index: int  # the latest raising: what an acknowledgement names
    reason: str
    receiver: str | None  # not_delivered, delivery_rejected: the receiver's HSA-id
    raised_at: datetime | None  # since: the first raising
    # The workflow's record (with its note), or the read model's (who and when: no free text there).
    acknowledgement: AcknowledgementRecord | Acknowledged | None
    count: int = 1
    last_raised_at: datetime | None = None


def problems_of(view: PathwayView) -> list[Problem]:
    """The pathway's open (unresolved) escalations as problems, in the order each was first raised."""
    # Each escalation is published as it is raised: the n-th "escalation_raised" line is the n-th escalation.
    raised_at = [entry.at for entry in view.log if entry.event_type == "escalation_raised"]
    acks = {ack.escalation: ack for ack in view.acknowledgements}
    receivers = {d.escalation: d.recipient for d in view.deliveries if d.escalation is not None}
    raisings = [
        Problem(
            index,
            reason,
            receivers.get(index),
            raised_at[index] if index < len(raised_at) else None,
            acks.get(index),
            last_raised_at=raised_at[index] if index < len(raised_at) else None,
        )
        for index, reason in enumerate(view.escalations)
        if index not in view.resolved_escalations
    ]
    return one_per_problem(raisings, lambda _: view.patient_key)


def problems_from(raised: list[OpenEscalation]) -> list[Problem]:
    """A pathway's open escalations as the read model has them (the patient page), as problems."""
    raisings = [
        Problem(r.ordinal, r.reason, r.receiver, r.raised_at, r.acknowledgement, last_raised_at=r.raised_at)
        for r in raised
    ]
    return one_per_problem(raisings, lambda r: "")
