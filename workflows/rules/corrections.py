"""The hospital's corrections: a discharge cancelled or re-timed, an admission entered in error.

Hospital systems correct themselves (HL7 v2 A13 "cancel discharge", A11 "cancel admit"; MedCom's
HospitalNotification revise and cancel codes). Each correction names its episode: one for another
episode, or for no current discharge, is recorded as ignored and changes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from events.inbound.envelopes import (
    AdmissionCancelled,
    DischargeCancelled,
    DischargeCorrected,
    PatientDischarged,
)
from workflows.policy import Policy, add_local, sub_local
from workflows.rules.closing import close
from workflows.rules.hospital import discharged
from workflows.rules.office_hours import deadline_after
from workflows.rules.state import SUPPORT_PHASES, PathwayState
from workflows.rules.step import Step
from workflows.rules.timers import Timer

#: The deadlines a discharge sets: a cancelled discharge withdraws them all.
DISCHARGE_TIMERS = (
    Timer.FIRST_CONTACT,
    Timer.REVIEW,
    Timer.SUPPORT_END,
    Timer.HANDOVER_ACCEPT,
    Timer.WINDOW_END,
)


def discharged_remembering(step: Step, event: PatientDischarged, policy: Policy) -> str | None:
    """A discharge, remembering the phase (and the planning deadline) a cancellation returns to."""
    s = step.s
    phase, planning_due = s.phase, s.timers.get(Timer.PLANNING)
    handled = discharged(step, event, policy)
    if handled:
        s.phase_before_discharge, s.planning_due_before_discharge = phase, planning_due
    return handled


def discharge_cancelled(step: Step, event: DischargeCancelled) -> str | None:
    s = step.s
    if not _current_discharge(s, event.data.episode_id) or (s.discharged_at and event.time < s.discharged_at):
        step.ignore(event, "for a discharge that is not the current one")
        return None
    # The identity goes to each party told of the discharge, so they can stop; the hospital's reason
    # (free text) is never read here.
    for party in s.told_of_discharge:
        step.publish("discharge_cancelled", identity=True, to=_address(s, party))
    s.phase = s.phase_before_discharge or "inpatient"
    for timer in DISCHARGE_TIMERS:
        s.timers.pop(timer, None)
    if s.phase == "joint_planning" and s.planning_due_before_discharge and len(s.planning_confirmed) < 2:
        s.timers[Timer.PLANNING] = s.planning_due_before_discharge
    step.close_task()
    # A later discharge starts afresh from its own time.
    s.discharged_at = s.support_ends_at = s.original_support_ends_at = None
    s.first_lmv_contact_at = s.handover_completed_at = None
    s.lmv_enrolled = False
    s.extensions = []
    s.consults = []
    s.told_of_discharge = []
    s.phase_before_discharge = s.planning_due_before_discharge = None
    return f"discharge cancelled: back to {s.phase}, support and handover withdrawn"


def discharge_corrected(step: Step, event: DischargeCorrected, policy: Policy) -> str | None:
    """Every deadline derived from the discharge moves with it; granted extensions stay on top."""
    s = step.s
    if not _current_discharge(s, event.data.episode_id):
        step.ignore(event, "for a discharge that is not the current one")
        return None
    at = event.data.discharged_at
    s.discharged_at = at
    first_contact = deadline_after(policy, Timer.FIRST_CONTACT, at, policy.first_contact_target)
    _move(s, Timer.FIRST_CONTACT, first_contact)
    _move(s, Timer.WINDOW_END, add_local(at, policy.readmission_window))
    if s.original_support_ends_at is None:
        return f"discharge time corrected to {at.isoformat()}"
    s.original_support_ends_at = end = add_local(at, policy.support_period)
    for extension in s.extensions:
        end = add_local(end, timedelta(days=extension.days))
    s.support_ends_at = end
    _move(s, Timer.REVIEW, sub_local(end, policy.extension_review_lead))
    if s.pending_task == "extension_review":
        # An open review stays open; its decision is now due at the new end of support.
        s.task_due_at = end
        _move(s, Timer.SUPPORT_END, end)
    if s.lmv_enrolled and s.phase in SUPPORT_PHASES:
        step.publish("support_rescheduled", to="lmv", support_ends_at=end, discharged_at=at)
    return f"discharge time corrected to {at.isoformat()}: support now ends {end.isoformat()}"


def admission_cancelled(step: Step, event: AdmissionCancelled) -> str | None:
    s = step.s
    if s.episode_id is None or event.data.episode_id != s.episode_id:
        step.ignore(event, "for an admission that is not this pathway's")
        return None
    for party in s.told:
        step.publish("pathway_withdrawn", identity=True, to=_address(s, party))
    close(step, "entered_in_error", event.time)
    return "admission entered in error: pathway withdrawn, every task cancelled"


def _current_discharge(s: PathwayState, episode_id: str) -> bool:
    return s.discharged_at is not None and episode_id == s.episode_id


def _move(s: PathwayState, timer: Timer, due: datetime) -> None:
    """Move a deadline that is still pending; one already passed (and acted on) stays in the log."""
    if timer in s.timers:
        s.timers[timer] = due


def _address(s: PathwayState, party: str) -> str | None:
    """How outbound events address a party: ``lmv``, or the listed VC's HSA-id."""
    return "lmv" if party == "lmv" else s.listed_vardcentral
