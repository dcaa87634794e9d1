"""The policy's calendars applied: who takes a concern now, and when a working-time deadline falls.

Seed 000: LMV and the vårdcentraler keep office hours; the allmänmedicinsk beredskapsjour answers
17:00-08:00 on weekdays and all day at weekends (and, by the region's policy, on its closed days). A
policy without calendars (every run recorded before issue 25) routes nothing and counts calendar time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from workflows.policy import Policy, UnitKind
from workflows.rules.calendar import add_working_time, is_open


def oncall_instead(policy: Policy, responsible: UnitKind, at: datetime) -> str | None:
    """The on-call unit's HSA-id when ``responsible`` is closed at ``at``; None when it is open (or the
    policy names no calendar for it, or no on-call unit)."""
    calendar = policy.calendars.get(responsible)
    if calendar is None or policy.primarycare_oncall_unit is None:
        return None
    if is_open(calendar, policy.closed_days, at):
        return None
    return policy.primarycare_oncall_unit


def deadline_after(policy: Policy, timer: str, at: datetime, duration: timedelta) -> datetime:
    """``at`` + ``duration``: in the working time of the unit the policy names for ``timer``, if any,
    else calendar (elapsed) time."""
    kind = policy.working_time.get(timer)
    calendar = policy.calendars.get(kind) if kind is not None else None
    if calendar is None:
        return at + duration
    return add_working_time(calendar, policy.closed_days, at, duration)
