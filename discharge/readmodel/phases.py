"""Where a pathway stands now, as its outbound events tell it (pure): for the pages' listings (issue 26).

The inbox lists open tasks and escalated pathways, scoped by role (an LMV physician sees the LMV phases, a
vårdcentral its listed patients). It used to ask Temporal's visibility for them on every refresh; the read
model follows the same facts from the outbound stream, each step of the workflow that moves the phase or
opens or closes a coordinator's task being published (workflows/rules/: care.py, deadlines.py,
decisions.py, corrections.py, closing.py). ``None`` for what an event leaves as it was.

A handover's acceptance is due at the event's ``due_at``; one published before that field existed is
listed without a due time (its escalation, `handover_not_accepted`, still comes when it is overdue).
"""

from __future__ import annotations

from typing import Any

from events.outbound.data import OutboundData
from events.outbound.handover import HandoverCompleted, HandoverRequested
from events.outbound.pathway import (
    DischargeCancelledOutbound,
    JointPlanningRequested,
    PathwayClosed,
    PathwayStarted,
    PathwayWithdrawn,
)
from events.outbound.support import (
    ExtensionGranted,
    ExtensionReviewRequested,
    SupportRescheduled,
    SupportStarted,
)

_NO_TASK: dict[str, Any] = {"pending_task": None, "task_due_at": None}

#: The phases in the order a pathway goes through them. The stream is in the workflow's publishing order,
#: which is not always the clinical order: an outcome held for the late-event grace (a discharge that
#: escalates) is published after a deadline's outcome that came later (its extension review). So a step
#: moves the phase forward only; the two steps that go back (an extension granted, a discharge cancelled)
#: say so themselves.
RANK = {
    "inpatient": 0,
    "joint_planning": 1,
    "lmv_support": 2,
    "extension_review": 3,
    "handover": 4,
    "follow_up": 5,
    "closed": 6,
}


def now_of(data: OutboundData, current_phase: str | None) -> dict[str, Any] | None:
    """The ``pathway_now`` columns this event sets (None: it changes none of them)."""
    current = RANK.get(current_phase or "", -1)
    match data:
        case SupportRescheduled():
            return {"support_ends_at": data.support_ends_at}
        case ExtensionGranted() if current_phase == "extension_review":
            return {"phase": "lmv_support", "support_ends_at": data.support_ends_at, **_NO_TASK}
        case ExtensionGranted():
            return {"support_ends_at": data.support_ends_at}
        case DischargeCancelledOutbound() if current_phase != "closed":
            # Back to before the discharge: joint planning or in hospital (the workflow knows which).
            return {"phase": "inpatient", "support_ends_at": None, **_NO_TASK}
    moved = _forward(data)
    if moved is None or RANK[moved["phase"]] < current:
        return _support_end_only(data) if current_phase is not None else None
    return moved


def _forward(data: OutboundData) -> dict[str, Any] | None:
    match data:
        case PathwayStarted():
            return {"phase": "inpatient"}
        case JointPlanningRequested():
            return {"phase": "joint_planning"}
        case SupportStarted():
            return {"phase": "lmv_support", "support_ends_at": data.support_ends_at, **_NO_TASK}
        case ExtensionReviewRequested():
            review = "extension_review"
            return {"phase": review, "pending_task": review, "task_due_at": data.due_at}
        case HandoverRequested():
            return {"phase": "handover", "pending_task": "handover_acceptance", "task_due_at": data.due_at}
        case HandoverCompleted():
            return {"phase": "follow_up", **_NO_TASK}
        case PathwayClosed() | PathwayWithdrawn():
            return {"phase": "closed", **_NO_TASK}
    return None


def _support_end_only(data: OutboundData) -> dict[str, Any] | None:
    """A support start applied after a later step (held): its end, for a pathway that has none yet."""
    if isinstance(data, SupportStarted):
        return {"support_ends_at_if_empty": data.support_ends_at}
    return None
