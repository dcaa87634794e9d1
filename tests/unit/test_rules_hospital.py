"""Admission, risk assessment, joint planning and discharge, case by case (no Temporal here)."""

from __future__ import annotations

from tests.unit.rules_harness import (
    POLICY,
    T0,
    Pathway,
    high_risk_discharged,
)
from tests.workflow.pathway_helpers import (
    STAFF,
    UNIT,
    admitted,
    confirmed,
    contact,
    days,
    discharged,
    event,
    hours,
    risk,
)
from workflows.policy import add_local
from workflows.rules.deadlines import next_deadline
from workflows.rules.dispatch import decline_opening

# ---- 1. admission and joint planning ------------------------------------------------------------


def test_admission_opens_the_pathway_as_inpatient() -> None:
    p = Pathway().on(admitted(T0, listed_vardcentral=UNIT, home_type="own_home"))
    assert p.state.phase == "inpatient" and p.state.episode_id == "ep-1"
    assert p.state.listed_vardcentral == UNIT
    assert p.types() == ["pathway_started"]
    assert p.data("pathway_started")["opened_by"] == "hospital.patient_admitted"


def test_a_stray_event_opens_no_pathway() -> None:
    p = Pathway().on(contact(T0, "lmv"))
    assert p.state.phase == "closed" and p.state.outcome == "not_opened" and p.published == []
    assert p.state.log[-1].kind == "ignored"


def test_an_event_of_an_episode_whose_pathway_already_closed_opens_nothing() -> None:
    # The workflow asks Temporal's visibility; the rule only says what such a run does: nothing.
    p = Pathway()
    outcome = decline_opening(p.state, admitted(T0), T0 + days(40))
    assert outcome.commands == [] and outcome.ignored is not None and "already closed" in outcome.ignored
    assert p.state.phase == "closed" and p.state.outcome == "not_opened"
    assert p.state.episode_id is None  # the declined run does not carry the episode, so it never counts
    assert p.state.log[-1].kind == "ignored" and p.state.log[-1].event_type == "hospital.patient_admitted"
    assert next_deadline(p.state) is None


def test_high_risk_starts_joint_planning_with_lmv_and_the_listed_vc() -> None:
    p = Pathway().on(admitted(T0, listed_vardcentral=UNIT), risk(T0 + hours(1)))
    assert p.state.phase == "joint_planning"
    planning = p.data("joint_planning_requested")
    assert planning["to"] == ["lmv", "vardcentral"] and planning["listed_vardcentral"] == UNIT
    assert planning["patient"] == {"id": "190912319803"}


def test_planning_not_confirmed_in_time_is_escalated_naming_who_is_missing() -> None:
    p = Pathway().on(admitted(T0), risk(T0 + hours(1)), confirmed(T0 + hours(2), "lmv"))
    p.at(T0 + hours(1) + POLICY.planning_confirm_timeout)
    assert p.reasons() == ["planning_not_confirmed"]
    assert next(x for x in p.published if x.type == "escalation_raised").data["missing"] == ["vardcentral"]


def test_planning_confirmed_by_both_needs_no_escalation() -> None:
    p = high_risk_discharged().at(T0 + hours(3))
    assert "planning_not_confirmed" not in p.reasons()


def test_discharge_before_planning_complete_is_escalated() -> None:
    p = Pathway().on(
        admitted(T0), risk(T0 + hours(1)), confirmed(T0 + hours(2), "lmv"), discharged(T0 + hours(3))
    )
    assert "discharged_before_planning_complete" in p.reasons()
    assert p.state.phase == "lmv_support"  # support starts anyway, never held back


def test_reassessed_as_standard_before_discharge_stops_joint_planning() -> None:
    p = Pathway().on(admitted(T0), risk(T0 + hours(1)), risk(T0 + hours(2), "standard"))
    assert p.state.phase == "inpatient" and "planning" not in p.state.timers


# ---- 7. standard risk ------------------------------------------------------------------------------


def test_standard_risk_passes_to_the_vc_without_lmv_support() -> None:
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)))
    assert p.types() == ["pathway_started", "handover_requested"] and not p.state.lmv_enrolled


def test_individual_decision_gives_a_standard_risk_patient_lmv_support() -> None:
    decided = event("coordination.lmv_enrollment_decided", T0 + hours(1), reason="frail", decided_by=STAFF)
    p = Pathway().on(admitted(T0), risk(T0, "standard"), decided, discharged(T0 + hours(2)))
    assert p.state.phase == "lmv_support" and "support_started" in p.types()


def test_individual_decision_after_discharge_starts_support_from_the_discharge() -> None:
    decided = event("coordination.lmv_enrollment_decided", T0 + days(1), reason="frail", decided_by=STAFF)
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(2)), decided)
    assert p.state.phase == "lmv_support" and p.state.pending_task is None
    assert p.state.support_ends_at == add_local(T0 + hours(2), POLICY.support_period)


def test_discharge_without_risk_assessment_is_standard_and_escalated() -> None:
    p = Pathway().on(admitted(T0), discharged(T0 + hours(2)))
    assert p.reasons() == ["discharged_without_risk_assessment"]
    assert p.state.phase == "handover"
