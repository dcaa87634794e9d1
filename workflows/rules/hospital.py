"""Before and at discharge: admission (and readmission), risk assessment, joint planning, discharge."""

from __future__ import annotations

from events.inbound.envelopes import PatientAdmitted, PatientDischarged, RiskAssessed
from workflows.policy import Policy, add_local
from workflows.rules.care import start_handover, start_support
from workflows.rules.closing import close
from workflows.rules.office_hours import deadline_after
from workflows.rules.state import SUPPORT_PHASES, PathwayState
from workflows.rules.step import StartNewPathway, Step
from workflows.rules.timers import Timer


def admitted(step: Step, event: PatientAdmitted, policy: Policy) -> str | None:
    s = step.s
    if s.discharged_at is None:
        if s.admitted_at is not None and s.episode_id not in (None, event.data.episode_id):
            return None
        s.admitted_at = s.admitted_at or event.time
        s.episode_id = event.data.episode_id
        s.admitting_unit = event.data.unit  # its on-call rota answers consults after discharge
        take_listing(s, event.data.listed_vardcentral)
        s.home_type = event.data.home_type or s.home_type
        return "admitted: pathway opened"
    if event.data.episode_id == s.episode_id:
        # The admission of this very episode, arriving after its discharge: fill in what it knows.
        if s.admitted_at is not None:
            return None
        s.admitted_at = event.time
        s.admitting_unit = event.data.unit
        if s.listed_vardcentral is None or s.listed_from_registry:  # the discharge's own value is newer
            take_listing(s, event.data.listed_vardcentral)
        return "late admission of this episode recorded"
    if event.time < s.discharged_at:
        return None  # an admission clinically before this discharge cannot be a readmission
    # A new admission after discharge closes this pathway and opens one for the new episode.
    within = event.time <= add_local(s.discharged_at, policy.readmission_window)
    s.readmitted = event.data.admission == "unplanned" and (within or s.phase in SUPPORT_PHASES)
    close(step, "readmitted" if s.readmitted else "new_admission", event.time)
    step.out.commands.append(StartNewPathway(event))
    return "new admission: pathway closed, a new pathway opens"


def risk_assessed(step: Step, event: RiskAssessed, policy: Policy) -> str | None:
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
            s.timers.pop(Timer.PLANNING, None)
            return "risk reassessed: standard, joint planning stopped"
        if level == "high" and s.phase == "inpatient":
            s.phase = "joint_planning"
            step.publish(
                "joint_planning_requested",
                identity=True,
                to=["lmv", "vardcentral"],
                listed_vardcentral=s.listed_vardcentral,
            )
            s.timers[Timer.PLANNING] = deadline_after(
                policy, Timer.PLANNING, event.time, policy.planning_confirm_timeout
            )
        return f"risk assessed: {level}"
    # After discharge: only an assessment made (clinically) before the discharge still counts.
    if s.risk_level is not None or event.time > s.discharged_at:
        return None
    s.risk_level, s.risk_assessed_at = level, event.time
    if level == "high" and s.phase == "handover" and not s.lmv_enrolled:
        start_support(step, s.discharged_at, policy)
        return "late high-risk assessment: LMV support from the discharge time"
    return f"late risk assessment: {level}"


def discharged(step: Step, event: PatientDischarged, policy: Policy) -> str | None:
    s = step.s
    if s.discharged_at is not None:
        return None
    s.discharged_at = event.time
    s.episode_id = s.episode_id or event.data.episode_id
    s.home_type = event.data.home_type
    take_listing(s, event.data.listed_vardcentral)
    s.timers.pop(Timer.PLANNING, None)
    if s.phase == "joint_planning" and len(s.planning_confirmed) < 2:
        step.escalate("discharged_before_planning_complete", "lmv")
    if s.risk_level is None:
        step.escalate("discharged_without_risk_assessment", "vardcentral")
    if s.home_type == "nursing_home":
        step.publish("home_visit_requested", identity=True, to=s.listed_vardcentral)
    if s.risk_level == "high" or s.lmv_decided:
        start_support(step, event.time, policy)
        return "discharged: LMV support started"
    start_handover(step, event.time, policy, "standard risk: responsibility passes to the VC")
    return "discharged: handover to the VC"


def take_listing(s: PathwayState, listed: str | None) -> None:
    if listed is not None:
        s.listed_vardcentral, s.listed_from_registry = listed, False
