"""Inbound events: opening a run, and which rule each event type goes to in each phase."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from events.inbound.envelopes import (
    AdmissionCancelled,
    ConcernRaised,
    ConsultAnswered,
    ConsultRequested,
    DischargeCancelled,
    DischargeCorrected,
    DischargePlanned,
    ExtensionDecided,
    HandoverAccepted,
    HandoverProposed,
    HomecareEnded,
    HomecareEnrolled,
    InboundEvent,
    LmvEnrollmentDecided,
    MessageAcknowledged,
    PatientAdmitted,
    PatientDeceased,
    PatientDischarged,
    PatientExperienceReported,
    PhysicianContact,
    PlanningConfirmed,
    RiskAssessed,
    SupportDeclined,
    dedup_key,
)
from workflows.api import Decision
from workflows.policy import Policy
from workflows.rules.care import (
    experience_reported,
    handover_completed,
    physician_contact,
    start_handover,
    start_support,
)
from workflows.rules.closing import close
from workflows.rules.concerns import concern_raised
from workflows.rules.consults import consult_answered, consult_requested
from workflows.rules.corrections import (
    admission_cancelled,
    discharge_cancelled,
    discharge_corrected,
    discharged_remembering,
)
from workflows.rules.decisions import decide
from workflows.rules.hospital import admitted, risk_assessed
from workflows.rules.receipts import receipt_received
from workflows.rules.state import SUPPORT_PHASES, PathwayState
from workflows.rules.step import RuleOutcome, Step
from workflows.rules.timers import Timer


def apply_event(state: PathwayState, event: InboundEvent, now: datetime, policy: Policy) -> RuleOutcome:
    """Apply one inbound event. ``now`` is the workflow's clock; deadlines use the event's ``time``."""
    step = Step(state, now, cause=dedup_key(event.source, event.id))
    actor = event.source
    state.settle_until = now + policy.late_event_grace
    if state.phase == "closed":
        step.ignore(event, "after the pathway closed")
        return step.out
    if state.patient_id is None:
        state.patient_id = event.data.patient.id
    opening = state.opened_by is None
    if opening:
        state.opened_by = dedup_key(event.source, event.id)
    handled = _dispatch(step, event, policy)
    if opening and handled:
        # Announced after the first event is applied, so it carries the episode when the event has one.
        # One pathway, one start, whichever of its events happened to open the run.
        # The admitting unit, when known: FHIR readers see who holds the patient before discharge.
        unit: dict[str, Any] = {"admitting_unit": state.admitting_unit} if state.admitting_unit else {}
        step.publish("pathway_started", cause="opened", opened_by=event.type, phase=state.phase, **unit)
    elif opening:
        # A stray event (e.g. a late contact after the pathway closed) opens no pathway: the run ends
        # at once instead of waiting forever, with the event recorded as ignored in its state.
        state.phase = "closed"
        state.outcome = "not_opened"
    if handled:
        step.log("event", handled, actor, event.type, occurred_at=event.time)  # clinical time
    elif step.out.ignored is None:  # a rule may have said why already
        step.ignore(event, f"makes no sense in phase {state.phase}")
    return step.out


def decline_opening(state: PathwayState, event: InboundEvent, now: datetime) -> RuleOutcome:
    """The first event of a run belongs to an episode whose pathway has already closed: open nothing.

    After JetStream's duplicate window an old event sent again (a hospital system re-sending a day's
    events) would otherwise start a second pathway for a finished episode, with fresh tasks and
    escalations for a patient who is already home, followed up or dead. The run ends at once, with the
    event recorded as ignored, like a stray event.
    """
    step = Step(state, now, cause=dedup_key(event.source, event.id))
    state.phase = "closed"
    state.outcome = "not_opened"
    step.ignore(event, "for an episode whose pathway has already closed")
    return step.out


def _dispatch(step: Step, event: InboundEvent, policy: Policy) -> str | None:
    """Return a log summary when the event did something, None when it is ignored."""
    s = step.s
    match event:
        case PatientAdmitted():
            return admitted(step, event, policy)
        case RiskAssessed():
            return risk_assessed(step, event, policy)
        case DischargePlanned():
            return "discharge planned" if s.discharged_at is None else None
        case PatientDischarged():
            return discharged_remembering(step, event, policy)
        case PatientDeceased():
            close(step, "deceased", event.time)
            return "the patient died: pathway closed, open tasks cancelled"
        case PlanningConfirmed():
            if s.phase != "joint_planning" or event.data.party in s.planning_confirmed:
                return None
            s.planning_confirmed.append(event.data.party)
            if event.data.party == "lmv":
                s.lmv_unit = event.data.unit
            if len(s.planning_confirmed) == 2:
                s.timers.pop(Timer.PLANNING, None)
            if s.planning_events:
                step.publish(
                    "joint_planning_confirmed",
                    party=event.data.party,
                    unit=event.data.unit,
                    confirmed_at=event.time,
                    complete=len(s.planning_confirmed) == 2,
                )
            return f"planning confirmed by {event.data.party}"
        case PhysicianContact():
            return physician_contact(step, event)
        case PatientExperienceReported():
            return experience_reported(step, event)
        case HandoverProposed():
            if s.phase not in SUPPORT_PHASES:
                return None
            start_handover(step, event.time, policy, "lmv proposed handover")
            return "LMV proposed early handover"
        case SupportDeclined():
            if s.phase not in SUPPORT_PHASES:
                return None
            start_handover(step, event.time, policy, "patient declined LMV support")
            return "the patient declined LMV support"
        case HandoverAccepted():
            if s.phase != "handover":
                return None
            handover_completed(step, event.time, event.data.accepted_by, policy)
            return "the VC accepted the handover"
        case HomecareEnrolled():
            s.homecare_active = True
            return "enrolled in municipal care"
        case HomecareEnded():
            s.homecare_active = False
            return "municipal care ended"
        case ConcernRaised():
            return concern_raised(step, event, policy)
        case ExtensionDecided():
            if s.pending_task != "extension_review":
                return None
            d = event.data
            decision = Decision(
                decision=d.decision, extend_days=d.extend_days, reason=d.reason, decided_by=d.decided_by
            )
            decide(step, decision, event.time, policy)
            return f"extension decision: {d.decision}"
        case LmvEnrollmentDecided():
            if s.lmv_decided or s.lmv_enrolled or s.phase == "follow_up":
                return None
            s.lmv_decided = True
            if s.phase == "handover" and s.discharged_at is not None:
                start_support(step, s.discharged_at, policy)
            return "coordinator gave LMV support"
        case DischargeCancelled():
            return discharge_cancelled(step, event)
        case DischargeCorrected():
            return discharge_corrected(step, event, policy)
        case AdmissionCancelled():
            return admission_cancelled(step, event)
        case ConsultRequested():
            return consult_requested(step, event, policy)
        case ConsultAnswered():
            return consult_answered(step, event)
        case MessageAcknowledged():
            return receipt_received(step, event)
    return None  # pragma: no cover - the union is exhaustive
