"""After discharge: LMV support, handover to the listed VC, and physician contacts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.inbound.envelopes import PatientExperienceReported, PhysicianContact
from workflows.policy import Policy, add_local, sub_local
from workflows.rules.office_hours import deadline_after
from workflows.rules.state import PathwayState
from workflows.rules.step import Step, iso
from workflows.rules.timers import Timer


def start_support(step: Step, discharged_at: datetime, policy: Policy) -> None:
    s = step.s
    s.phase = "lmv_support"
    s.lmv_enrolled = True
    step.close_task()
    s.timers.pop(Timer.HANDOVER_ACCEPT, None)
    s.support_ends_at = s.original_support_ends_at = add_local(discharged_at, policy.support_period)
    s.timers[Timer.FIRST_CONTACT] = deadline_after(
        policy, Timer.FIRST_CONTACT, discharged_at, policy.first_contact_target
    )
    s.timers[Timer.REVIEW] = sub_local(s.support_ends_at, policy.extension_review_lead)
    # LMV must know whom to visit: a patient enrolled by individual decision had no joint planning.
    step.publish(
        "support_started",
        identity=True,
        to="lmv",
        support_ends_at=s.support_ends_at,
        **_stay(s, discharged_at),
    )


def _stay(s: PathwayState, discharged_at: datetime) -> dict[str, Any]:
    """The stay's facts that the follow-up indicators count by (added fields: docs/indicators.md)."""
    return {
        "discharged_at": discharged_at,
        "admitted_at": s.admitted_at,
        "risk_level": s.risk_level,
        "listed_vardcentral": s.listed_vardcentral,
        "home_type": s.home_type,
    }


def start_handover(step: Step, at: datetime, policy: Policy, why: str) -> None:
    s = step.s
    s.phase = "handover"
    for timer in (Timer.REVIEW, Timer.SUPPORT_END, Timer.FIRST_CONTACT):
        s.timers.pop(timer, None)
    due = deadline_after(policy, Timer.HANDOVER_ACCEPT, at, policy.handover_accept_timeout)
    step.open_task("handover_acceptance", due)
    s.timers[Timer.HANDOVER_ACCEPT] = due
    step.publish(
        "handover_requested",
        identity=True,
        to=s.listed_vardcentral,
        reason=why,
        due_at=due,  # the inbox's task list reads it (discharge/readmodel/phases.py)
        summary={
            "risk_level": s.risk_level,
            "home_type": s.home_type,
            "discharged_at": iso(s.discharged_at),
            "admitted_at": iso(s.admitted_at),
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
    within = at <= s.original_support_ends_at if s.original_support_ends_at else None
    step.publish("handover_completed", accepted_by=by, accepted_at=at, within_support_period=within)
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
        first = s.first_lmv_contact_at is None or event.time < s.first_lmv_contact_at
        if first:
            s.first_lmv_contact_at = event.time
            s.timers.pop(Timer.FIRST_CONTACT, None)
        _contact_recorded(step, event, first)
        return f"LMV physician contact ({d.kind})"
    s.vc_physician_visits += 1
    _contact_recorded(step, event, False)
    if d.kind == "home_visit" and s.homecare_active:
        step.publish("reimbursable_visit_recorded", performed_by=d.performed_by, visited_at=event.time)
    return f"VC physician contact ({d.kind})"


def _contact_recorded(step: Step, event: PhysicianContact, first_lmv: bool) -> None:
    s = step.s
    if not s.indicator_events or s.discharged_at is None:
        return
    hours = round((event.time - s.discharged_at).total_seconds() / 3600, 2)
    step.publish(
        "physician_contact_recorded",
        party=event.data.party,
        kind=event.data.kind,
        contact_at=event.time,
        first_lmv_contact=first_lmv,
        hours_since_discharge=hours,
    )


def experience_reported(step: Step, event: PatientExperienceReported) -> str | None:
    """Indicator 7: the score and who collected it (the comment was dropped at the gateway)."""
    s = step.s
    if not s.indicator_events or s.discharged_at is None:
        return None
    s.experience_scores.append(event.data.score)
    step.publish(
        "patient_experience_recorded",
        score=event.data.score,
        collected_by=event.data.collected_by,
        reported_at=event.time,
    )
    return f"patient experience reported: {event.data.score} of 5"
