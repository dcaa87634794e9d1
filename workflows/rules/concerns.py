"""A municipal nurse's concern: to the responsible unit when it is open, else to the unit on call."""

from __future__ import annotations

from events.inbound.envelopes import ConcernRaised
from workflows.policy import Policy, UnitKind
from workflows.rules.office_hours import oncall_instead
from workflows.rules.state import SUPPORT_PHASES
from workflows.rules.step import Step


def concern_raised(step: Step, event: ConcernRaised, policy: Policy) -> str:
    """Escalate ``municipal_concern`` to LMV during support, else to the listed vårdcentral; when that
    unit is closed at the concern's clinical time (the moment the nurse needs a doctor), the escalation
    names the allmänmedicinsk beredskapsjour in ``routed_to`` and is delivered to it alone."""
    to: UnitKind = "lmv" if step.s.phase in SUPPORT_PHASES else "vardcentral"
    oncall = oncall_instead(policy, to, event.time)
    if oncall is None:
        step.escalate("municipal_concern", to, urgency=event.data.urgency)
        return f"municipal concern escalated to {to}"
    step.escalate("municipal_concern", to, urgency=event.data.urgency, routed_to=oncall)
    step.s.routed_escalations[len(step.s.escalations) - 1] = oncall
    return f"municipal concern routed to the on-call unit {oncall} ({to} closed)"
