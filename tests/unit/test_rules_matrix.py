"""Every inbound event type in every phase: acted on or recorded as ignored, never an exception."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from events.inbound.envelopes import INBOUND_TYPES, InboundEvent
from tests.workflow.pathway_helpers import (
    STAFF,
    UNIT,
    accepted,
    admission_cancelled,
    admitted,
    confirmed,
    consult_answered,
    consult_requested,
    contact,
    days,
    discharge_cancelled,
    discharge_corrected,
    discharged,
    event,
    extension_decided,
    hours,
    risk,
)
from workflows.names import PHASES
from workflows.policy import Policy
from workflows.rules.deadlines import apply_time
from workflows.rules.dispatch import apply_event
from workflows.rules.state import PathwayState
from workflows.rules.step import StartNewPathway

POLICY = Policy()
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def state_in(phase: str) -> tuple[PathwayState, datetime]:
    """A pathway brought to ``phase`` through the rules themselves; returns it and its clock."""
    s = PathwayState(patient_key="pk_test", indicator_events=True)  # a run of today's workflow
    apply_event(s, admitted(T0, listed_vardcentral=UNIT), T0, POLICY)
    if phase == "inpatient":
        return s, T0
    if phase in ("handover", "follow_up"):
        apply_event(s, risk(T0, "standard"), T0, POLICY)
    else:
        apply_event(s, risk(T0, "high"), T0, POLICY)
    if phase == "joint_planning":
        return s, T0 + hours(1)
    apply_event(s, discharged(T0 + hours(2)), T0 + hours(2), POLICY)
    now = T0 + hours(3)
    if phase == "extension_review":
        now = T0 + days(12)
        apply_time(s, now, POLICY)
    elif phase == "follow_up":
        apply_event(s, accepted(now), now, POLICY)
    elif phase == "closed":
        apply_event(s, event("hospital.patient_deceased", now, episode_id="ep-1"), now, POLICY)
    assert s.phase == phase
    return s, now + hours(1)


EVENTS: dict[str, Callable[[datetime], InboundEvent]] = {
    "hospital.patient_admitted": lambda at: admitted(at, episode="ep-2"),
    "hospital.risk_assessed": lambda at: risk(at, "high"),
    "hospital.discharge_planned": lambda at: event(
        "hospital.discharge_planned", at, episode_id="ep-1", planned_for=(at + days(1)).isoformat()
    ),
    "hospital.patient_discharged": lambda at: discharged(at),
    "hospital.patient_deceased": lambda at: event("hospital.patient_deceased", at),
    "primarycare.planning_confirmed": lambda at: confirmed(at, "lmv"),
    "primarycare.physician_contact": lambda at: contact(at, "lmv"),
    "primarycare.handover_proposed": lambda at: event("primarycare.handover_proposed", at, proposed_by=STAFF),
    "primarycare.handover_accepted": accepted,
    "primarycare.support_declined": lambda at: event("primarycare.support_declined", at, recorded_by=STAFF),
    "municipality.homecare_enrolled": lambda at: event(
        "municipality.homecare_enrolled", at, municipality="1380"
    ),
    "municipality.homecare_ended": lambda at: event("municipality.homecare_ended", at, municipality="1380"),
    "municipality.concern_raised": lambda at: event(
        "municipality.concern_raised", at, urgency="acute", summary="fever"
    ),
    "coordination.extension_decided": lambda at: extension_decided(at),
    "coordination.lmv_enrollment_decided": lambda at: event(
        "coordination.lmv_enrollment_decided", at, reason="frail", decided_by=STAFF
    ),
    "hospital.discharge_cancelled": lambda at: discharge_cancelled(at, reason="fel patient"),
    "hospital.discharge_corrected": lambda at: discharge_corrected(at, at - hours(2)),
    "hospital.admission_cancelled": admission_cancelled,
    "primarycare.consult_requested": consult_requested,
    "hospital.consult_answered": consult_answered,
    "primarycare.patient_experience_reported": lambda at: event(
        "primarycare.patient_experience_reported", at, score=4, collected_by=STAFF, comment="kind staff"
    ),
}

BEFORE_DISCHARGE = {"inpatient", "joint_planning"}
SUPPORT = {"lmv_support", "extension_review"}
OPEN = set(PHASES) - {"closed"}
AFTER_DISCHARGE = OPEN - BEFORE_DISCHARGE
# Where each event type is acted on; everywhere else it is recorded as "ignored".
ACTED_ON: dict[str, set[str]] = {
    # A new episode's admission after discharge ends this pathway (readmission / new pathway).
    "hospital.patient_admitted": OPEN - BEFORE_DISCHARGE,
    "hospital.risk_assessed": BEFORE_DISCHARGE,
    "hospital.discharge_planned": BEFORE_DISCHARGE,
    "hospital.patient_discharged": BEFORE_DISCHARGE,
    "hospital.patient_deceased": OPEN,
    "primarycare.planning_confirmed": {"joint_planning"},
    "primarycare.physician_contact": SUPPORT,  # an LMV contact: LMV is enrolled only there here
    "primarycare.handover_proposed": SUPPORT,
    "primarycare.handover_accepted": {"handover"},
    "primarycare.support_declined": SUPPORT,
    "municipality.homecare_enrolled": OPEN,
    "municipality.homecare_ended": OPEN,
    "municipality.concern_raised": OPEN,
    "coordination.extension_decided": {"extension_review"},
    # Not yet enrolled: before discharge, and a standard-risk patient waiting for the VC.
    "coordination.lmv_enrollment_decided": BEFORE_DISCHARGE | {"handover"},
    "hospital.discharge_cancelled": AFTER_DISCHARGE,
    "hospital.discharge_corrected": AFTER_DISCHARGE,
    "hospital.admission_cancelled": OPEN,
    "primarycare.consult_requested": AFTER_DISCHARGE,
    "hospital.consult_answered": set(),  # no consult is open in any of these phases
    # The patient's experience of the support at home: once discharged, until the pathway closes.
    "primarycare.patient_experience_reported": OPEN - BEFORE_DISCHARGE,
}


def test_the_matrix_covers_every_inbound_type_and_phase() -> None:
    assert set(EVENTS) == set(INBOUND_TYPES) == set(ACTED_ON)
    for phase in PHASES:
        state_in(phase)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("event_type", INBOUND_TYPES)
def test_every_event_in_every_phase(phase: str, event_type: str) -> None:
    state, now = state_in(phase)
    log_before = len(state.log)
    outcome = apply_event(state, EVENTS[event_type](now), now, POLICY)
    entry = state.log[-1]
    assert len(state.log) > log_before
    assert entry.event_type == event_type
    if phase in ACTED_ON[event_type]:
        assert entry.kind == "event", entry.summary
        assert outcome.ignored is None
    else:
        assert entry.kind == "ignored"
        assert outcome.ignored and event_type in outcome.ignored
        assert outcome.commands == []
        assert state.phase == phase
    # A readmission is the only event that opens a new pathway.
    opens_new = any(isinstance(c, StartNewPathway) for c in outcome.commands)
    assert opens_new == (event_type == "hospital.patient_admitted" and entry.kind == "event")
