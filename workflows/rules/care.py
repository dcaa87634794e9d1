"""After discharge: LMV support, handover to the listed VC, and physician contacts."""

from __future__ import annotations

from datetime import datetime

from events.inbound import PhysicianContact
from workflows.policy import Policy, add_local, sub_local
from workflows.rules.step import Step, iso
from workflows.rules.timers import Timer


def start_support(step: Step, discharged_at: datetime, policy: Policy) -> None:
    s = step.s
    s.phase = "lmv_support"
    s.lmv_enrolled = True
    step.close_task()
    s.timers.pop(Timer.HANDOVER_ACCEPT, None)
    s.support_ends_at = s.original_support_ends_at = add_local(discharged_at, policy.support_period)
    s.timers[Timer.FIRST_CONTACT] = discharged_at + policy.first_contact_target
    s.timers[Timer.REVIEW] = sub_local(s.support_ends_at, policy.extension_review_lead)
    # LMV must know whom to visit: a patient enrolled by individual decision had no joint planning.
    step.publish("support_started", identity=True, to="lmv", support_ends_at=s.support_ends_at)


def start_handover(step: Step, at: datetime, policy: Policy, why: str) -> None:
    s = step.s
    s.phase = "handover"
    for timer in (Timer.REVIEW, Timer.SUPPORT_END, Timer.FIRST_CONTACT):
        s.timers.pop(timer, None)
    due = at + policy.handover_accept_timeout
    step.open_task("handover_acceptance", due)
    s.timers[Timer.HANDOVER_ACCEPT] = due
    step.publish(
        "handover_requested",
        identity=True,
        to=s.listed_vardcentral,
        reason=why,
        summary={
            "risk_level": s.risk_level,
            "home_type": s.home_type,
            "discharged_at": iso(s.discharged_at),
            "lmv_enrolled": s.lmv_enrolled,
            "extensions": len(s.extensions),
        },
    )


def handover_completed(step: Step, at: datetime, by: str, policy: Policy) -> None:
    s = step.s
    s.phase = "follow_up"
    s.handover_completed_at = at
    step.close_task()
    s.timers.pop(Timer.HANDOVER_ACCEPT, None)
    step.publish("handover_completed", accepted_by=by)
    assert s.discharged_at is not None
    s.timers[Timer.WINDOW_END] = add_local(s.discharged_at, policy.readmission_window)


def physician_contact(step: Step, event: PhysicianContact) -> str | None:
    s = step.s
    d = event.data
    if s.discharged_at is None:
        return None
    if d.party == "lmv":
        if not s.lmv_enrolled:
            return None
        if s.first_lmv_contact_at is None or event.time < s.first_lmv_contact_at:
            s.first_lmv_contact_at = event.time
            s.timers.pop(Timer.FIRST_CONTACT, None)
        return f"LMV physician contact ({d.kind})"
    s.vc_physician_visits += 1
    if d.kind == "home_visit" and s.homecare_active:
        step.publish("reimbursable_visit_recorded", performed_by=d.performed_by, visited_at=event.time)
    return f"VC physician contact ({d.kind})"
