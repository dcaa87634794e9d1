"""Follow-up, readmission, death, and what a closed pathway reports (no Temporal here)."""

from __future__ import annotations

from tests.unit.rules_harness import (
    IDENTITY_TYPES,
    POLICY,
    T0,
    Pathway,
    high_risk_discharged,
)
from tests.workflow.pathway_helpers import (
    STAFF,
    UNIT,
    accepted,
    admitted,
    contact,
    days,
    discharged,
    event,
    hours,
    risk,
)
from workflows.policy import add_local
from workflows.rules.closing import indicators
from workflows.rules.deadlines import next_deadline
from workflows.rules.step import StartNewPathway

# ---- 8. follow-up, readmission, death ------------------------------------------------------------


def test_follow_up_closes_when_the_readmission_window_ends() -> None:
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)), accepted(T0 + hours(5)))
    p.at(add_local(T0 + hours(1), POLICY.readmission_window))
    assert p.state.phase == "closed" and p.state.outcome == "completed"
    assert p.types()[-1] == "pathway_closed"


def test_unplanned_readmission_within_the_window_closes_and_opens_a_new_pathway() -> None:
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)), accepted(T0 + hours(5)))
    again = admitted(T0 + days(10), episode="ep-2")
    p.on(again)
    assert p.state.outcome == "readmitted" and p.state.readmitted
    assert p.restarts == [StartNewPathway(again)]
    assert p.data("pathway_closed")["indicators"]["readmitted_within_window"] is True


def test_unplanned_admission_during_support_is_a_readmission() -> None:
    p = high_risk_discharged().on(admitted(T0 + days(3), episode="ep-2"))
    assert p.state.outcome == "readmitted" and len(p.restarts) == 1


def test_planned_admission_after_discharge_is_not_a_readmission() -> None:
    planned = event(
        "hospital.patient_admitted", T0 + days(10), episode_id="ep-2", unit=UNIT, admission="planned"
    )
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)), planned)
    assert p.state.outcome == "new_admission" and not p.state.readmitted and len(p.restarts) == 1


def test_death_closes_at_once_and_cancels_open_tasks() -> None:
    p = high_risk_discharged().on(contact(T0 + hours(5)))
    assert p.state.support_ends_at is not None
    p.at(p.state.support_ends_at - days(3))
    p.on(event("hospital.patient_deceased", T0 + days(12)))
    assert p.state.phase == "closed" and p.state.outcome == "deceased"
    assert p.state.pending_task is None and p.state.timers == {}
    assert next_deadline(p.state) is None


# ---- 11. indicators and outbound data ------------------------------------------------------------


def test_pathway_closed_carries_the_indicator_figures() -> None:
    discharge_at = T0 + hours(4)
    p = high_risk_discharged(discharge_at).on(contact(discharge_at + hours(3)))
    p.on(event("primarycare.handover_proposed", T0 + days(8), proposed_by=STAFF))
    p.on(contact(T0 + days(9), "vardcentral", "home_visit"), accepted(T0 + days(9)))
    p.at(add_local(discharge_at, POLICY.readmission_window))
    figures = p.data("pathway_closed")["indicators"]
    assert figures == indicators(p.state)
    assert figures["risk_level"] == "high" and figures["lmv_enrolled"] is True
    assert figures["discharged_at"] == discharge_at.isoformat()
    assert figures["hours_to_first_lmv_contact"] == 3.0
    assert figures["support_days"] == round((T0 + days(9) - discharge_at).total_seconds() / 86400, 2)
    assert figures["extensions"] == 0 and figures["handover_within_original_period"] is True
    assert figures["vc_physician_visits"] == 1 and figures["readmitted_within_window"] is False
    assert figures["outcome"] == "completed"


def test_every_outbound_event_has_patient_key_and_episode_and_identity_only_where_needed() -> None:
    p = Pathway().on(admitted(T0), risk(T0 + hours(1)), discharged(T0 + hours(2), "nursing_home"))
    p.on(event("primarycare.support_declined", T0 + days(1), recorded_by=STAFF), accepted(T0 + days(2)))
    p.at(T0 + days(40))
    assert {
        "joint_planning_requested",
        "home_visit_requested",
        "handover_requested",
        "pathway_closed",
    } <= set(p.types())
    for published in p.published:
        assert published.data["patient_key"] == "pk_test" and published.data["episode_id"] == "ep-1"
        assert ("patient" in published.data) == (published.type in IDENTITY_TYPES), published.type
    steps = [x.step for x in p.published]
    assert len(set(steps)) == len(steps)  # one outbound id per step
