"""Closing a pathway, and the indicator figures its ``pathway_closed`` carries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows.policy import calendar_days_between
from workflows.rules.state import PathwayState
from workflows.rules.step import Step, iso


def close(step: Step, outcome: str, at: datetime) -> None:
    s = step.s
    s.outcome = outcome
    s.phase = "closed"
    s.closed_at = at
    step.close_task()
    s.timers.clear()
    s.consults.clear()
    step.publish("pathway_closed", outcome=outcome, indicators=indicators(s))


def indicators(s: PathwayState) -> dict[str, Any]:
    """The figures the pathway's indicators are computed from (point 11 of the issue)."""
    contact_hours = None
    if s.first_lmv_contact_at and s.discharged_at:
        contact_hours = round((s.first_lmv_contact_at - s.discharged_at).total_seconds() / 3600, 2)
    support_days = None
    if s.lmv_enrolled and s.discharged_at and s.support_ends_at:
        end = min(filter(None, [s.handover_completed_at, s.closed_at, s.support_ends_at]))
        support_days = round((end - s.discharged_at).total_seconds() / 86400, 2)
    within = None
    if s.handover_completed_at and s.original_support_ends_at:
        within = s.handover_completed_at <= s.original_support_ends_at
    return {
        "risk_level": s.risk_level,
        "discharged_at": iso(s.discharged_at),
        "lmv_enrolled": s.lmv_enrolled,
        "hours_to_first_lmv_contact": contact_hours,
        "support_days": support_days,
        "extensions": len(s.extensions),
        "extension_days": sum(e.days for e in s.extensions),
        "handover_within_original_period": within,
        "vc_physician_visits": s.vc_physician_visits,
        "readmitted_within_window": s.readmitted,
        "outcome": s.outcome,
        # An admission entered in error is no pathway: the indicators leave it out.
        "counted": s.outcome != "entered_in_error",
        # Added for the read model (docs/indicators.md): add, don't rename.
        "admitted_at": iso(s.admitted_at),
        "inpatient_days": (
            calendar_days_between(s.admitted_at, s.discharged_at)
            if s.admitted_at and s.discharged_at
            else None
        ),
        "listed_vardcentral": s.listed_vardcentral,
        "first_lmv_contact_at": iso(s.first_lmv_contact_at),
        "handed_over_at": iso(s.handover_completed_at),
        "experience_scores": list(s.experience_scores),
    }
