"""What a pathway still waits for, and from whom: the coordinator's view of the parties' open parts.

Read from where the pathway stands (the patient page's read-model view, or the `state` query's view):
joint-planning confirmations not given, LMV's first contact, the vårdcentral's acceptance of a handover, a
coordinator's decision, and deliveries whose receiver has not acknowledged them. Pure: the patient page
shows the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from discharge.readmodel.patient import PatientPage
from workflows.api import PathwayView


@dataclass(frozen=True)
class Missing:
    party: str  # "lmv", "vardcentral", "coordinator", or a receiver's HSA-id
    what: str  # a code the page words: planning, first_contact, handover_acceptance, decision, receipt
    due_at: datetime | None = None
    detail: str | None = None  # a delivery's outbound type


def missing(view: PathwayView | PatientPage) -> list[Missing]:
    if view.phase == "closed":
        return []
    items: list[Missing] = []
    if view.phase in ("inpatient", "joint_planning"):
        items += [Missing(p, "planning") for p in ("lmv", "vardcentral") if p not in view.planning_confirmed]
    if view.phase == "lmv_support" and view.first_lmv_contact_at is None:
        items.append(Missing("lmv", "first_contact"))
    if view.pending_task == "handover_acceptance":
        items.append(Missing("vardcentral", "handover_acceptance", view.task_due_at))
    if view.pending_task == "extension_review":
        items.append(Missing("coordinator", "decision", view.task_due_at))
    items += [
        Missing(d.recipient, "receipt", d.due_at, d.event_type)
        for d in view.deliveries
        # A receipt still awaited (`sent` with a due time) or overdue (`not_delivered`).
        if d.status == "not_delivered" or (d.status == "sent" and d.due_at is not None)
    ]
    return items
