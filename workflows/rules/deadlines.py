"""Passing time: when the rules next have something to do, and what each deadline does when it passes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from workflows.policy import Policy
from workflows.rules.closing import close
from workflows.rules.consults import consult_deadlines
from workflows.rules.office_hours import deadline_after
from workflows.rules.receipts import next_receipt_due, receipt_deadlines
from workflows.rules.state import PathwayState
from workflows.rules.step import RuleOutcome, Step
from workflows.rules.timers import Timer


def next_deadline(state: PathwayState) -> datetime | None:
    """When `apply_time` will next have something to do: the earliest deadline, held for the grace."""
    receipt = next_receipt_due(state)
    due = min(
        [*state.timers.values(), *(c.due_at for c in state.consults), *([receipt] if receipt else [])],
        default=None,
    )
    if due is None or state.settle_until is None:
        return due
    return max(due, state.settle_until)


def apply_time(state: PathwayState, now: datetime, policy: Policy) -> RuleOutcome:
    """Act on every deadline that has passed by ``now``, once no event has arrived for the grace period.

    Deadlines are clinical times. A backlog of late events (after an outage) meets deadlines that are
    already past: while events still arrive, the one that would meet the deadline may be next in line,
    so an overdue deadline waits until the events have stopped for ``policy.late_event_grace``.
    """
    step = Step(state, now)
    if state.settle_until is not None and now < state.settle_until:
        return step.out
    for timer, due in sorted(state.timers.items(), key=lambda item: item[1]):
        if due <= now and state.timers.get(timer) == due:
            del state.timers[timer]
            step.log("timer", f"deadline {timer} passed ({due.isoformat()})")
            step.cause = f"{timer}@{due.isoformat()}"
            ON_DEADLINE[Timer(timer)](step, due, policy)
    if state.phase != "closed":
        step.cause = "consults"  # each consult escalation names its consult and repetition (consults.py)
        consult_deadlines(step, now, policy)
        receipt_deadlines(step, now)
    return step.out


def deadline_summary(state: PathwayState) -> str:
    """What the next deadline is, for the workflow's timer in the UI."""
    timer = min(state.timers, key=state.timers.__getitem__, default=None)
    consult = min(state.consults, key=lambda c: c.due_at, default=None)
    receipt = next_receipt_due(state)
    others = [*state.timers.values(), *([consult.due_at] if consult else [])]
    if receipt is not None and all(receipt < due for due in others):
        return "a receiver must acknowledge a delivery"
    if consult is not None and (timer is None or consult.due_at < state.timers[timer]):
        return f"the on-call specialist must answer consult {consult.id}"
    return Timer(timer).summary if timer is not None else "nothing due"


def overdue(step: Step, due: datetime) -> dict[str, Any]:
    """How overdue a deadline is when it is acted on (added fields of `escalation_raised`, runs from patch
    `any-arrival-order`): a history reported late says so instead of raising one escalation per missed day."""
    if not step.s.ordered:
        return {}
    late = max(step.now - due, timedelta(0))
    return {"overdue_since": due, "overdue_by": f"PT{int(late.total_seconds())}S"}


def next_reminder(step: Step, due: datetime, policy: Policy, timer: Timer | None = None) -> datetime:
    """Again one interval later: counted from now (`ordered` runs), so a deadline missed by two years gives
    one reminder, not one per day missed all at once; counted from the deadline in older runs. A deadline
    the policy counts in a unit's working time reminds in that time too (the next working day, not on
    Saturday: docs/policy.md)."""
    since = max(due, step.now) if step.s.ordered else due
    return deadline_after(policy, timer or "", since, policy.reminder_interval)


def _planning(step: Step, due: datetime, policy: Policy) -> None:
    missing = sorted({"lmv", "vardcentral"} - set(step.s.planning_confirmed))
    step.escalate("planning_not_confirmed", "coordinator", missing=missing, **overdue(step, due))


def _first_contact(step: Step, due: datetime, policy: Policy) -> None:
    step.escalate("first_contact_overdue", "lmv", **overdue(step, due))


def _review(step: Step, due: datetime, policy: Policy) -> None:
    s = step.s
    assert s.support_ends_at is not None
    s.phase = "extension_review"
    step.open_task("extension_review", s.support_ends_at)
    s.timers[Timer.SUPPORT_END] = s.support_ends_at
    step.publish("extension_review_requested", due_at=s.support_ends_at)


def _support_end(step: Step, due: datetime, policy: Policy) -> None:
    # Support never stops without a decision: escalate, and again every day until decided.
    step.escalate(
        "extension_decision_overdue", "coordinator", due_at=step.s.task_due_at, **overdue(step, due)
    )
    step.s.timers[Timer.SUPPORT_END] = next_reminder(step, due, policy)


def _handover_accept(step: Step, due: datetime, policy: Policy) -> None:
    step.escalate("handover_not_accepted", "vardcentral", due_at=step.s.task_due_at, **overdue(step, due))
    step.s.timers[Timer.HANDOVER_ACCEPT] = next_reminder(step, due, policy, Timer.HANDOVER_ACCEPT)


def _window_end(step: Step, due: datetime, policy: Policy) -> None:
    close(step, "completed", due)


#: What each deadline does when it passes (a unit test checks every `Timer` has an entry).
ON_DEADLINE: dict[Timer, Callable[[Step, datetime, Policy], None]] = {
    Timer.PLANNING: _planning,
    Timer.FIRST_CONTACT: _first_contact,
    Timer.REVIEW: _review,
    Timer.SUPPORT_END: _support_end,
    Timer.HANDOVER_ACCEPT: _handover_accept,
    Timer.WINDOW_END: _window_end,
}
