"""Coordinators' decisions on an open extension review: extend LMV support, or hand over to the VC."""

from __future__ import annotations

from datetime import datetime, timedelta

from events.fields import EXTENSION_DAYS_RANGE, MAX_EXTENSION_DAYS, MIN_EXTENSION_DAYS
from workflows.api import Decision, ExtensionRecord
from workflows.policy import Policy, add_local, sub_local
from workflows.rules.care import start_handover
from workflows.rules.state import PathwayState
from workflows.rules.step import RuleOutcome, Step
from workflows.rules.timers import Timer


def validate_decision(state: PathwayState, decision: Decision) -> None:
    """Raise ``ValueError`` (changing nothing) unless the decision matches an open task."""
    if state.pending_task is None:
        raise ValueError("no open task to decide on: the pathway has no pending extension review")
    if state.pending_task == "handover_acceptance":
        raise ValueError(
            "the open task is handover acceptance: only the VC can accept (primarycare.handover_accepted)"
        )
    if decision.decision == "extend" and decision.extend_days is None:
        raise ValueError(f"extend needs extend_days ({EXTENSION_DAYS_RANGE})")
    if (
        decision.extend_days is not None
        and not MIN_EXTENSION_DAYS <= decision.extend_days <= MAX_EXTENSION_DAYS
    ):
        raise ValueError(f"extend_days must be between {MIN_EXTENSION_DAYS} and {MAX_EXTENSION_DAYS}")
    if decision.decision == "handover" and decision.extend_days is not None:
        raise ValueError("extend_days must be left out when the decision is handover")
    if not decision.reason.strip():
        raise ValueError("a reason is required")


def apply_decision(state: PathwayState, decision: Decision, now: datetime, policy: Policy) -> RuleOutcome:
    """Apply a decision (by update) that ``validate_decision`` let through."""
    step = Step(state, now, cause=f"decision@{now.isoformat()}")
    decide(step, decision, now, policy)
    return step.out


def decide(step: Step, decision: Decision, now: datetime, policy: Policy) -> None:
    """A decision by update or by ``coordination.extension_decided`` event (``now`` is then its time)."""
    s = step.s
    if decision.decision == "extend":
        assert decision.extend_days is not None and s.support_ends_at is not None
        new_end = add_local(s.support_ends_at, timedelta(days=decision.extend_days))
        s.extensions.append(
            ExtensionRecord(
                days=decision.extend_days,
                reason=decision.reason,
                decided_by=decision.decided_by,
                decided_at=now,
                new_support_ends_at=new_end,
                recorded_by=decision.recorded_by,
            )
        )
        s.support_ends_at = new_end
        s.phase = "lmv_support"
        step.close_task()
        s.timers.pop(Timer.SUPPORT_END, None)
        s.timers[Timer.REVIEW] = sub_local(new_end, policy.extension_review_lead)
        step.publish(
            "extension_granted",
            days=decision.extend_days,
            support_ends_at=new_end,
            decided_by=decision.decided_by,
        )
        summary = f"extended by {decision.extend_days} days: {decision.reason}"
        step.log("decision", summary + _recorded(decision), decision.decided_by)
    else:
        step.log("decision", f"handover: {decision.reason}{_recorded(decision)}", decision.decided_by)
        start_handover(step, now, policy, "coordinator decided handover")


def _recorded(decision: Decision) -> str:
    """A decision typed into an ops tool says so in the pathway's story."""
    return f" (recorded as an ops action by {decision.recorded_by})" if decision.recorded_by else ""
