"""What the workflow shows of a pathway outside its payloads: search attributes, memo, current details.

Computed from the state only, and never the identity: these are indexed, listed and shown in the UI.
"""

from __future__ import annotations

from typing import Any

from workflows.names import (
    SA_EPISODE,
    SA_ESCALATED,
    SA_HOME_TYPE,
    SA_PATIENT_KEY,
    SA_PENDING_TASK,
    SA_PHASE,
    SA_RISK,
    SA_SUPPORT_ENDS_AT,
    SA_TASK_DUE_AT,
    SA_VARDCENTRAL,
)
from workflows.rules.state import PathwayState


def search_attributes(s: PathwayState) -> list[tuple[Any, Any]]:
    """Each search attribute key with the value it should have now (None: unset)."""
    return [
        (SA_PHASE, s.phase),
        (SA_RISK, s.risk_level),
        (SA_PATIENT_KEY, s.patient_key),
        (SA_EPISODE, s.episode_id),
        (SA_VARDCENTRAL, s.listed_vardcentral),
        (SA_HOME_TYPE, s.home_type),
        (SA_SUPPORT_ENDS_AT, s.support_ends_at),
        (SA_PENDING_TASK, s.pending_task),
        (SA_TASK_DUE_AT, s.task_due_at),
        (SA_ESCALATED, bool(s.escalations)),
    ]


def memo_of(s: PathwayState, *, with_phase: bool) -> dict[str, Any]:
    """The memo: what the UI shows beside the search attributes. Runs from patch ``lean-history`` leave
    out the phase (the ``DischargePhase`` search attribute): with it, every event rewrote the memo."""
    memo = {
        "patient_key": s.patient_key,
        "episode_id": s.episode_id,
        "lmv_enrolled": s.lmv_enrolled,
        "extensions": len(s.extensions),
        "escalations": list(s.escalations),
        "outcome": s.outcome,
    }
    if with_phase:
        memo["phase"] = s.phase
    return memo


def current_details(s: PathwayState) -> str:
    """The UI's "current details": the pathway at a glance, in the words coordinators use."""
    lines = [f"**Phase:** {s.phase} · **risk:** {s.risk_level or 'not assessed'}"]
    if s.support_ends_at:
        lines.append(f"**LMV support ends:** {s.support_ends_at.isoformat()}")
    if s.pending_task:
        due = s.task_due_at.isoformat() if s.task_due_at else "-"
        lines.append(f"**Open task:** {s.pending_task}, due {due}")
    if s.escalations:
        lines.append(f"**Escalations:** {', '.join(s.escalations)}")
    if s.extensions:
        lines.append(f"**Extensions:** {len(s.extensions)} ({sum(e.days for e in s.extensions)} days)")
    if s.outcome:
        lines.append(f"**Outcome:** {s.outcome}")
    return "\n".join(lines)
