"""Plain-text tables and stories for a terminal; times in Swedish local time (discharge/views/times.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from discharge.views.times import NONE, due, local
from discharge.views.visibility import PathwayRow, soonest_first

if TYPE_CHECKING:  # the listings render rows only: the pathway's models stay off their start-up
    from workflows.api import DecisionResult, DeliveryRecord, PathwayView


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in [list(headers), *[list(row) for row in rows]]
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def pathways_table(rows: Sequence[PathwayRow], now: datetime) -> str:
    if not rows:
        return "No running pathways match."
    ordered = sorted(rows, key=lambda row: (row.phase or "", row.patient_key or row.workflow_id))
    body = [
        [
            row.patient_key or row.workflow_id,
            row.episode_id or NONE,
            row.phase or NONE,
            row.risk_level or NONE,
            row.listed_vardcentral or NONE,
            local(row.support_ends_at),
            row.pending_task or NONE,
            due(row.task_due_at, now) if row.pending_task else NONE,
            "YES" if row.escalated else "no",
        ]
        for row in ordered
    ]
    headers = ["PATIENT KEY", "EPISODE", "PHASE", "RISK", "LISTED VC", "SUPPORT ENDS", "TASK", "TASK DUE"]
    headers.append("ESCALATED")
    return f"{table(headers, body)}\n{len(rows)} running pathway(s); times in Europe/Stockholm."


def tasks_table(rows: Sequence[PathwayRow], now: datetime) -> str:
    if not rows:
        return "No open tasks."
    body = [
        [
            due(row.task_due_at, now),
            row.pending_task or NONE,
            row.patient_key or row.workflow_id,
            row.episode_id or NONE,
            row.phase or NONE,
            row.risk_level or NONE,
            row.listed_vardcentral or NONE,
            local(row.support_ends_at),
            "YES" if row.escalated else "no",
        ]
        for row in soonest_first(rows)
    ]
    headers = [
        "DUE",
        "TASK",
        "PATIENT KEY",
        "EPISODE",
        "PHASE",
        "RISK",
        "LISTED VC",
        "SUPPORT ENDS",
        "ESCALATED",
    ]
    overdue = sum(1 for row in rows if row.task_due_at is not None and row.task_due_at < now)
    return (
        f"{table(headers, body)}\n{len(rows)} open task(s), {overdue} overdue; soonest due first; "
        "times in Europe/Stockholm."
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def pathway_story(view: PathwayView, now: datetime) -> str:
    """One pathway as a coordinator reads it: where it stands, then what happened, who, when and why."""
    facts = [
        ("Patient key", view.patient_key),
        ("Episode", view.episode_id or NONE),
        ("Phase", view.phase),
        ("Risk", view.risk_level or "not assessed"),
        ("Listed VC", view.listed_vardcentral or NONE),
        ("Home", view.home_type or NONE),
        ("LMV enrolled", _yes(view.lmv_enrolled)),
        ("Admitted", local(view.admitted_at)),
        ("Discharged", local(view.discharged_at)),
        ("Support ends", local(view.support_ends_at)),
        ("First LMV contact", local(view.first_lmv_contact_at)),
        ("Open task", f"{view.pending_task} due {due(view.task_due_at, now)}" if view.pending_task else NONE),
        ("Escalated", ", ".join(view.escalations) if view.escalated else "no"),
        ("Outcome", view.outcome or NONE),
        ("Policy", view.policy_version or NONE),  # the region's policy version the pathway keeps
    ]
    width = max(len(name) for name, _ in facts)
    lines = [f"{name.ljust(width)}  {value}" for name, value in facts]
    if view.extensions:
        lines += ["", "Extensions:"]
        lines += [
            f"  +{record.days} d by {record.decided_by} on {local(record.decided_at)}, "
            f"support now ends {local(record.new_support_ends_at)}: {record.reason}"
            for record in view.extensions
        ]
    if view.deliveries:
        lines += ["", "Deliveries (to whom, and their receipts):"]
        lines += [f"  {_delivery(d)}" for d in view.deliveries]
    lines += ["", "History (Europe/Stockholm):"]
    if not view.log:
        lines.append("  (nothing yet)")
    for entry in view.log:
        who = f" [{entry.actor}]" if entry.actor else ""
        lines.append(f"  {local(entry.at)}  {entry.kind:<10} {entry.summary}{who}")
    return "\n".join(lines)


def _delivery(d: DeliveryRecord) -> str:
    """One delivery to one receiver: ``sent`` (with its receipt's due time), ``received`` (when), ..."""
    if d.received_at is not None:
        receipt = f" {local(d.received_at)}"
    else:
        receipt = f", receipt due {local(d.due_at)}" if d.due_at else ""
    return f"{local(d.delivered_at)}  {d.event_type} to {d.recipient}: {d.status}{receipt}"


def decision_result(result: DecisionResult) -> str:
    if result.decision == "extend":
        return f"Extension granted: LMV support now ends {local(result.support_ends_at)}. {result.message}"
    return f"Handover to the VC started. {result.message}"
