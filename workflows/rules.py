"""The pathway's rules as a plain state machine: ``(state, event, now, policy) -> commands``.

No Temporal here: the workflow feeds events and passing time in, and carries out the commands
(publish outbound events, continue as a new pathway). Deadlines live in ``state.timers`` as absolute
times computed from clinical time, so a late event is never given a fresh period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from events.inbound import (
    ConcernRaised,
    DischargePlanned,
    ExtensionDecided,
    HandoverAccepted,
    HandoverProposed,
    HomecareEnded,
    HomecareEnrolled,
    InboundEvent,
    LmvEnrollmentDecided,
    PatientAdmitted,
    PatientDeceased,
    PatientDischarged,
    PhysicianContact,
    PlanningConfirmed,
    RiskAssessed,
    SupportDeclined,
)
from events.outbound import EscalationReason, OutboundType
from workflows.api import Decision, ExtensionRecord, LogEntry, PathwayView, PendingTask, Phase
from workflows.policy import Policy, add_local, sub_local

SUPPORT_PHASES = ("lmv_support", "extension_review")
TimerName = Literal["planning", "first_contact", "review", "support_end", "handover_accept", "window_end"]


class PathwayState(BaseModel):
    """Everything the rules know. ``patient_id`` is payload only: never in IDs, attributes or logs."""

    patient_key: str
    patient_id: str | None = None
    # The de-duplication key of the event that opened this run: with a counter it makes every outbound
    # step key unique across runs of the same workflow ID, yet the same when an activity is retried.
    opened_by: str | None = None
    episode_id: str | None = None
    phase: Phase = "inpatient"
    risk_level: Literal["high", "standard"] | None = None
    risk_assessed_at: datetime | None = None
    lmv_decided: bool = False
    listed_vardcentral: str | None = None
    # True while the listed VC is the registry's answer: any hospital event naming one overrides it.
    listed_from_registry: bool = False
    home_type: str | None = None
    admitted_at: datetime | None = None
    discharged_at: datetime | None = None
    lmv_enrolled: bool = False
    support_ends_at: datetime | None = None
    original_support_ends_at: datetime | None = None
    pending_task: PendingTask | None = None
    task_due_at: datetime | None = None
    planning_confirmed: list[str] = []
    escalations: list[str] = []
    extensions: list[ExtensionRecord] = []
    first_lmv_contact_at: datetime | None = None
    handover_completed_at: datetime | None = None
    closed_at: datetime | None = None
    homecare_active: bool = False
    vc_physician_visits: int = 0
    readmitted: bool = False
    outcome: str | None = None
    timers: dict[str, datetime] = {}
    # No deadline is acted on before this (workflow) time: the latest event + the policy's grace.
    settle_until: datetime | None = None
    outbound_seq: int = 0
    log: list[LogEntry] = []

    def view(self) -> PathwayView:
        return PathwayView(
            patient_key=self.patient_key,
            episode_id=self.episode_id,
            phase=self.phase,
            risk_level=self.risk_level,
            listed_vardcentral=self.listed_vardcentral,
            home_type=self.home_type,
            lmv_enrolled=self.lmv_enrolled,
            admitted_at=self.admitted_at,
            discharged_at=self.discharged_at,
            support_ends_at=self.support_ends_at,
            pending_task=self.pending_task,
            task_due_at=self.task_due_at,
            escalated=bool(self.escalations),
            escalations=list(self.escalations),
            extensions=list(self.extensions),
            first_lmv_contact_at=self.first_lmv_contact_at,
            outcome=self.outcome,
            log=list(self.log),
        )


@dataclass(frozen=True)
class Publish:
    """Publish one outbound event. ``step`` makes its id deterministic (see the workflow)."""

    type: OutboundType
    step: str
    data: dict[str, Any]


@dataclass(frozen=True)
class StartNewPathway:
    """Close this run and continue as a new pathway opened by ``opening_event`` (a readmission)."""

    opening_event: InboundEvent


@dataclass
class Outcome:
    commands: list[Publish | StartNewPathway] = field(default_factory=list)
    # Why an event was not acted on (recorded in the log as "ignored"), for the worker's own log.
    ignored: str | None = None


class _Step:
    """Collects the commands of one rule application; helpers keep the rules short."""

    def __init__(self, state: PathwayState, now: datetime) -> None:
        self.s = state
        self.now = now
        self.out = Outcome()

    def log(
        self,
        kind: str,
        summary: str,
        actor: str | None = None,
        event_type: str | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        entry = LogEntry(
            at=self.now,
            kind=kind,
            summary=summary,
            actor=actor,
            event_type=event_type,
            occurred_at=occurred_at,
        )
        self.s.log.append(entry)

    def ignore(self, event: InboundEvent, why: str) -> None:
        """Record an event that is not acted on: in the log as "ignored", and for the worker's own log."""
        self.out.ignored = f"{event.type} {why}"
        self.log("ignored", self.out.ignored, event.source, event.type)

    def publish(self, type_: OutboundType, *, identity: bool = False, **fields: Any) -> None:
        self.s.outbound_seq += 1
        data: dict[str, Any] = {"patient_key": self.s.patient_key, "episode_id": self.s.episode_id}
        if identity and self.s.patient_id is not None:
            data["patient"] = {"id": self.s.patient_id}
        data.update({k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()})
        self.out.commands.append(Publish(type_, f"{self.s.opened_by}:{self.s.outbound_seq}:{type_}", data))
        self.log("outbound", f"published {type_}", event_type=type_)

    def escalate(self, reason: EscalationReason, to: str, **fields: Any) -> None:
        self.s.escalations.append(reason)
        self.publish("escalation_raised", reason=reason, to=to, **fields)

    def open_task(self, task: PendingTask, due: datetime) -> None:
        self.s.pending_task = task
        self.s.task_due_at = due

    def close_task(self) -> None:
        self.s.pending_task = None
        self.s.task_due_at = None


# ---- events -------------------------------------------------------------------------------------


def apply_event(state: PathwayState, event: InboundEvent, now: datetime, policy: Policy) -> Outcome:
    """Apply one inbound event. ``now`` is the workflow's clock; deadlines use the event's ``time``."""
    step = _Step(state, now)
    actor = event.source
    state.settle_until = now + policy.late_event_grace
    if state.phase == "closed":
        step.ignore(event, "after the pathway closed")
        return step.out
    if state.patient_id is None:
        state.patient_id = event.data.patient.id
    opening = state.opened_by is None
    if opening:
        state.opened_by = f"{event.source} {event.id}"
    handled = _dispatch(step, event, policy)
    if opening and handled:
        # Announced after the first event is applied, so it carries the episode when the event has one.
        step.publish("pathway_started", opened_by=event.type, phase=state.phase)
    elif opening:
        # A stray event (e.g. a late contact after the pathway closed) opens no pathway: the run ends
        # at once instead of waiting forever, with the event recorded as ignored in its state.
        state.phase = "closed"
        state.outcome = "not_opened"
    if handled:
        step.log("event", handled, actor, event.type, occurred_at=event.time)
    else:
        step.ignore(event, f"makes no sense in phase {state.phase}")
    return step.out


def decline_opening(state: PathwayState, event: InboundEvent, now: datetime) -> Outcome:
    """The first event of a run belongs to an episode whose pathway has already closed: open nothing.

    After JetStream's duplicate window an old event sent again (a hospital system re-sending a day's
    events) would otherwise start a second pathway for a finished episode, with fresh tasks and
    escalations for a patient who is already home, followed up or dead. The run ends at once, with the
    event recorded as ignored, like a stray event.
    """
    step = _Step(state, now)
    state.phase = "closed"
    state.outcome = "not_opened"
    step.ignore(event, "for an episode whose pathway has already closed")
    return step.out


def _dispatch(step: _Step, event: InboundEvent, policy: Policy) -> str | None:
    """Return a log summary when the event did something, None when it is ignored."""
    s = step.s
    match event:
        case PatientAdmitted():
            return _admitted(step, event, policy)
        case RiskAssessed():
            return _risk_assessed(step, event, policy)
        case DischargePlanned():
            return "discharge planned" if s.discharged_at is None else None
        case PatientDischarged():
            return _discharged(step, event, policy)
        case PatientDeceased():
            _close(step, "deceased", event.time)
            return "the patient died: pathway closed, open tasks cancelled"
        case PlanningConfirmed():
            if s.phase != "joint_planning" or event.data.party in s.planning_confirmed:
                return None
            s.planning_confirmed.append(event.data.party)
            if len(s.planning_confirmed) == 2:
                s.timers.pop("planning", None)
            return f"planning confirmed by {event.data.party}"
        case PhysicianContact():
            return _physician_contact(step, event)
        case HandoverProposed():
            if s.phase not in SUPPORT_PHASES:
                return None
            _start_handover(step, event.time, policy, "lmv proposed handover")
            return "LMV proposed early handover"
        case SupportDeclined():
            if s.phase not in SUPPORT_PHASES:
                return None
            _start_handover(step, event.time, policy, "patient declined LMV support")
            return "the patient declined LMV support"
        case HandoverAccepted():
            if s.phase != "handover":
                return None
            _handover_completed(step, event.time, event.data.accepted_by, policy)
            return "the VC accepted the handover"
        case HomecareEnrolled():
            s.homecare_active = True
            return "enrolled in municipal care"
        case HomecareEnded():
            s.homecare_active = False
            return "municipal care ended"
        case ConcernRaised():
            to = "lmv" if s.phase in SUPPORT_PHASES else "vardcentral"
            step.escalate("municipal_concern", to, urgency=event.data.urgency)
            return f"municipal concern escalated to {to}"
        case ExtensionDecided():
            if s.pending_task != "extension_review":
                return None
            d = event.data
            decision = Decision(
                decision=d.decision, extend_days=d.extend_days, reason=d.reason, decided_by=d.decided_by
            )
            apply_decision(s, decision, event.time, policy, step)
            return f"extension decision: {d.decision}"
        case LmvEnrollmentDecided():
            if s.lmv_decided or s.lmv_enrolled or s.phase == "follow_up":
                return None
            s.lmv_decided = True
            if s.phase == "handover" and s.discharged_at is not None:
                _start_support(step, s.discharged_at, policy)
            return "coordinator gave LMV support"
    return None  # pragma: no cover - the union is exhaustive


def _admitted(step: _Step, event: PatientAdmitted, policy: Policy) -> str | None:
    s = step.s
    if s.discharged_at is None:
        if s.admitted_at is not None and s.episode_id not in (None, event.data.episode_id):
            return None
        s.admitted_at = s.admitted_at or event.time
        s.episode_id = event.data.episode_id
        _take_listing(s, event.data.listed_vardcentral)
        s.home_type = event.data.home_type or s.home_type
        return "admitted: pathway opened"
    if event.data.episode_id == s.episode_id:
        # The admission of this very episode, arriving after its discharge: fill in what it knows.
        if s.admitted_at is not None:
            return None
        s.admitted_at = event.time
        if s.listed_vardcentral is None or s.listed_from_registry:  # the discharge's own value is newer
            _take_listing(s, event.data.listed_vardcentral)
        return "late admission of this episode recorded"
    if event.time < s.discharged_at:
        return None  # an admission clinically before this discharge cannot be a readmission
    # A new admission after discharge closes this pathway and opens one for the new episode.
    within = event.time <= add_local(s.discharged_at, policy.readmission_window)
    s.readmitted = event.data.admission == "unplanned" and (within or s.phase in SUPPORT_PHASES)
    _close(step, "readmitted" if s.readmitted else "new_admission", event.time)
    step.out.commands.append(StartNewPathway(event))
    return "new admission: pathway closed, a new pathway opens"


def _risk_assessed(step: _Step, event: RiskAssessed, policy: Policy) -> str | None:
    s = step.s
    level = event.data.level
    if s.discharged_at is None:
        if s.risk_assessed_at is not None and event.time < s.risk_assessed_at:
            return None  # an older assessment arriving late does not replace a newer one
        s.risk_level, s.risk_assessed_at = level, event.time
        s.episode_id = s.episode_id or event.data.episode_id
        if level == "standard" and s.phase == "joint_planning":
            # Reassessed as standard risk before discharge: joint planning is no longer needed.
            s.phase = "inpatient"
            s.timers.pop("planning", None)
            return "risk reassessed: standard, joint planning stopped"
        if level == "high" and s.phase == "inpatient":
            s.phase = "joint_planning"
            step.publish(
                "joint_planning_requested",
                identity=True,
                to=["lmv", "vardcentral"],
                listed_vardcentral=s.listed_vardcentral,
            )
            s.timers["planning"] = event.time + policy.planning_confirm_timeout
        return f"risk assessed: {level}"
    # After discharge: only an assessment made (clinically) before the discharge still counts.
    if s.risk_level is not None or event.time > s.discharged_at:
        return None
    s.risk_level, s.risk_assessed_at = level, event.time
    if level == "high" and s.phase == "handover" and not s.lmv_enrolled:
        _start_support(step, s.discharged_at, policy)
        return "late high-risk assessment: LMV support from the discharge time"
    return f"late risk assessment: {level}"


def _discharged(step: _Step, event: PatientDischarged, policy: Policy) -> str | None:
    s = step.s
    if s.discharged_at is not None:
        return None
    s.discharged_at = event.time
    s.episode_id = s.episode_id or event.data.episode_id
    s.home_type = event.data.home_type
    _take_listing(s, event.data.listed_vardcentral)
    s.timers.pop("planning", None)
    if s.phase == "joint_planning" and len(s.planning_confirmed) < 2:
        step.escalate("discharged_before_planning_complete", "lmv")
    if s.risk_level is None:
        step.escalate("discharged_without_risk_assessment", "vardcentral")
    if s.home_type == "nursing_home":
        step.publish("home_visit_requested", identity=True, to=s.listed_vardcentral)
    if s.risk_level == "high" or s.lmv_decided:
        _start_support(step, event.time, policy)
        return "discharged: LMV support started"
    _start_handover(step, event.time, policy, "standard risk: responsibility passes to the VC")
    return "discharged: handover to the VC"


def _take_listing(s: PathwayState, listed: str | None) -> None:
    if listed is not None:
        s.listed_vardcentral, s.listed_from_registry = listed, False


def _start_support(step: _Step, discharged_at: datetime, policy: Policy) -> None:
    s = step.s
    s.phase = "lmv_support"
    s.lmv_enrolled = True
    step.close_task()
    s.timers.pop("handover_accept", None)
    s.support_ends_at = s.original_support_ends_at = add_local(discharged_at, policy.support_period)
    s.timers["first_contact"] = discharged_at + policy.first_contact_target
    s.timers["review"] = sub_local(s.support_ends_at, policy.extension_review_lead)
    # LMV must know whom to visit: a patient enrolled by individual decision had no joint planning.
    step.publish("support_started", identity=True, to="lmv", support_ends_at=s.support_ends_at)


def _start_handover(step: _Step, at: datetime, policy: Policy, why: str) -> None:
    s = step.s
    s.phase = "handover"
    for name in ("review", "support_end", "first_contact"):
        s.timers.pop(name, None)
    due = at + policy.handover_accept_timeout
    step.open_task("handover_acceptance", due)
    s.timers["handover_accept"] = due
    step.publish(
        "handover_requested",
        identity=True,
        to=s.listed_vardcentral,
        reason=why,
        summary={
            "risk_level": s.risk_level,
            "home_type": s.home_type,
            "discharged_at": _iso(s.discharged_at),
            "lmv_enrolled": s.lmv_enrolled,
            "extensions": len(s.extensions),
        },
    )


def _handover_completed(step: _Step, at: datetime, by: str, policy: Policy) -> None:
    s = step.s
    s.phase = "follow_up"
    s.handover_completed_at = at
    step.close_task()
    s.timers.pop("handover_accept", None)
    step.publish("handover_completed", accepted_by=by)
    assert s.discharged_at is not None
    s.timers["window_end"] = add_local(s.discharged_at, policy.readmission_window)


def _physician_contact(step: _Step, event: PhysicianContact) -> str | None:
    s = step.s
    d = event.data
    if s.discharged_at is None:
        return None
    if d.party == "lmv":
        if not s.lmv_enrolled:
            return None
        if s.first_lmv_contact_at is None or event.time < s.first_lmv_contact_at:
            s.first_lmv_contact_at = event.time
            s.timers.pop("first_contact", None)
        return f"LMV physician contact ({d.kind})"
    s.vc_physician_visits += 1
    if d.kind == "home_visit" and s.homecare_active:
        step.publish("reimbursable_visit_recorded", performed_by=d.performed_by, visited_at=event.time)
    return f"VC physician contact ({d.kind})"


def _close(step: _Step, outcome: str, at: datetime) -> None:
    s = step.s
    s.outcome = outcome
    s.phase = "closed"
    s.closed_at = at
    step.close_task()
    s.timers.clear()
    step.publish("pathway_closed", outcome=outcome, indicators=indicators(s))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


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
        "discharged_at": _iso(s.discharged_at),
        "lmv_enrolled": s.lmv_enrolled,
        "hours_to_first_lmv_contact": contact_hours,
        "support_days": support_days,
        "extensions": len(s.extensions),
        "extension_days": sum(e.days for e in s.extensions),
        "handover_within_original_period": within,
        "vc_physician_visits": s.vc_physician_visits,
        "readmitted_within_window": s.readmitted,
        "outcome": s.outcome,
    }


# ---- decisions ----------------------------------------------------------------------------------


def validate_decision(state: PathwayState, decision: Decision) -> None:
    """Raise ``ValueError`` (changing nothing) unless the decision matches an open task."""
    if state.pending_task is None:
        raise ValueError("no open task to decide on: the pathway has no pending extension review")
    if state.pending_task == "handover_acceptance":
        raise ValueError(
            "the open task is handover acceptance: only the VC can accept (primarycare.handover_accepted)"
        )
    if decision.decision == "extend" and decision.extend_days is None:
        raise ValueError("extend needs extend_days (1-14)")
    if decision.extend_days is not None and not 1 <= decision.extend_days <= 14:
        raise ValueError("extend_days must be between 1 and 14")
    if decision.decision == "handover" and decision.extend_days is not None:
        raise ValueError("extend_days must be left out when the decision is handover")
    if not decision.reason.strip():
        raise ValueError("a reason is required")


def apply_decision(
    state: PathwayState, decision: Decision, now: datetime, policy: Policy, step: _Step | None = None
) -> Outcome:
    own = step or _Step(state, now)
    s = state
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
            )
        )
        s.support_ends_at = new_end
        s.phase = "lmv_support"
        own.close_task()
        s.timers.pop("support_end", None)
        s.timers["review"] = sub_local(new_end, policy.extension_review_lead)
        own.publish(
            "extension_granted",
            days=decision.extend_days,
            support_ends_at=new_end,
            decided_by=decision.decided_by,
        )
        summary = f"extended by {decision.extend_days} days: {decision.reason}"
        own.log("decision", summary, decision.decided_by)
    else:
        own.log("decision", f"handover: {decision.reason}", decision.decided_by)
        _start_handover(own, now, policy, "coordinator decided handover")
    return own.out


# ---- time ---------------------------------------------------------------------------------------


def next_deadline(state: PathwayState) -> datetime | None:
    """When `apply_time` will next have something to do: the earliest deadline, held for the grace."""
    due = min(state.timers.values(), default=None)
    if due is None or state.settle_until is None:
        return due
    return max(due, state.settle_until)


def apply_time(state: PathwayState, now: datetime, policy: Policy) -> Outcome:
    """Act on every deadline that has passed by ``now``, once no event has arrived for the grace period.

    Deadlines are clinical times. A backlog of late events (after an outage) meets deadlines that are
    already past: while events still arrive, the one that would meet the deadline may be next in line,
    so an overdue deadline waits until the events have stopped for ``policy.late_event_grace``.
    """
    step = _Step(state, now)
    if state.settle_until is not None and now < state.settle_until:
        return step.out
    for name, due in sorted(state.timers.items(), key=lambda item: item[1]):
        if due <= now and state.timers.get(name) == due:
            del state.timers[name]
            _timer_fired(step, name, due, policy)
    return step.out


def _timer_fired(step: _Step, name: str, due: datetime, policy: Policy) -> None:
    s = step.s
    step.log("timer", f"deadline {name} passed ({due.isoformat()})")
    if name == "planning":
        missing = sorted({"lmv", "vardcentral"} - set(s.planning_confirmed))
        step.escalate("planning_not_confirmed", "coordinator", missing=missing)
    elif name == "first_contact":
        step.escalate("first_contact_overdue", "lmv")
    elif name == "review":
        assert s.support_ends_at is not None
        s.phase = "extension_review"
        step.open_task("extension_review", s.support_ends_at)
        s.timers["support_end"] = s.support_ends_at
        step.publish("extension_review_requested", due_at=s.support_ends_at)
    elif name == "support_end":
        # Support never stops without a decision: escalate, and again every day until decided.
        step.escalate("extension_decision_overdue", "coordinator", due_at=s.task_due_at)
        s.timers["support_end"] = due + policy.reminder_interval
    elif name == "handover_accept":
        step.escalate("handover_not_accepted", "vardcentral", due_at=s.task_due_at)
        s.timers["handover_accept"] = due + policy.reminder_interval
    elif name == "window_end":
        _close(step, "completed", due)
