"""LMV support, first contact, handover and municipal care, case by case (no Temporal here)."""

from __future__ import annotations

from tests.inbound_events import (
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
from tests.unit.rules_harness import (
    POLICY,
    T0,
    Pathway,
    high_risk_discharged,
)
from workflows.policy import add_local

# ---- 2. LMV support from discharge ---------------------------------------------------------------


def test_high_risk_discharge_starts_lmv_support_at_once() -> None:
    p = high_risk_discharged()
    end = add_local(T0 + hours(4), POLICY.support_period)
    assert p.state.phase == "lmv_support" and p.state.lmv_enrolled
    assert p.state.support_ends_at == end
    assert p.data("support_started")["support_ends_at"] == end.isoformat()
    assert p.data("support_started")["patient"] == {"id": "190912319803"}  # LMV must know whom to visit


# ---- 3. first contact ----------------------------------------------------------------------------


def test_no_lmv_contact_within_the_target_is_escalated() -> None:
    p = high_risk_discharged().at(T0 + hours(4) + POLICY.first_contact_target)
    assert p.reasons() == ["first_contact_overdue"]


def test_first_lmv_contact_is_kept_and_stops_the_deadline() -> None:
    p = high_risk_discharged().on(contact(T0 + hours(6)), contact(T0 + hours(9)))
    p.at(T0 + days(2))
    assert p.state.first_lmv_contact_at == T0 + hours(6)
    assert "first_contact_overdue" not in p.reasons()


# ---- 5. early handover and declined support -------------------------------------------------------


def test_lmv_proposes_early_handover() -> None:
    p = high_risk_discharged().on(event("primarycare.handover_proposed", T0 + days(5), proposed_by=STAFF))
    assert p.state.phase == "handover" and "review" not in p.state.timers
    assert p.data("handover_requested")["patient"] == {"id": "190912319803"}


def test_patient_declining_support_leads_to_handover() -> None:
    p = high_risk_discharged().on(event("primarycare.support_declined", T0 + days(1), recorded_by=STAFF))
    assert p.state.phase == "handover"


# ---- 6. handover -----------------------------------------------------------------------------------


def test_handover_request_tells_the_vc_what_it_needs() -> None:
    p = Pathway().on(admitted(T0, listed_vardcentral=UNIT), risk(T0, "standard"), discharged(T0 + hours(1)))
    request = p.data("handover_requested")
    assert request["to"] == UNIT and request["patient"] == {"id": "190912319803"}
    assert request["episode_id"] == "ep-1" and request["summary"]["risk_level"] == "standard"
    assert p.state.task_due_at == T0 + hours(1) + POLICY.handover_accept_timeout


def test_handover_accepted_completes_it() -> None:
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)), accepted(T0 + hours(5)))
    assert p.state.phase == "follow_up" and p.state.pending_task is None
    assert p.data("handover_completed")["accepted_by"] == STAFF


def test_handover_not_accepted_is_escalated_every_day() -> None:
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)))
    p.at(T0 + hours(1) + POLICY.handover_accept_timeout + days(1))
    assert p.reasons() == ["handover_not_accepted"] * 2


# ---- 9. nursing homes and municipal care ----------------------------------------------------------


def test_nursing_home_resident_gets_a_vc_home_visit_request() -> None:
    p = Pathway().on(
        admitted(T0, listed_vardcentral=UNIT), risk(T0, "high"), discharged(T0 + hours(1), "nursing_home")
    )
    visit = p.data("home_visit_requested")
    assert visit["to"] == UNIT and visit["patient"] == {"id": "190912319803"}


def test_vc_home_visit_in_municipal_care_is_reimbursable() -> None:
    enrolled = event("municipality.homecare_enrolled", T0 + hours(2), municipality="1380")
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)), enrolled)
    p.on(contact(T0 + days(1), "vardcentral", "home_visit"))
    assert p.data("reimbursable_visit_recorded")["performed_by"] == STAFF
    p.on(contact(T0 + days(2), "vardcentral", "phone"))
    assert p.types().count("reimbursable_visit_recorded") == 1
    p.on(event("municipality.homecare_ended", T0 + days(3), municipality="1380"))
    p.on(contact(T0 + days(4), "vardcentral", "home_visit"))
    assert p.types().count("reimbursable_visit_recorded") == 1
    assert p.state.vc_physician_visits == 3


def test_vc_home_visit_outside_municipal_care_is_not_reimbursable() -> None:
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)))
    p.on(contact(T0 + days(1), "vardcentral", "home_visit"))
    assert "reimbursable_visit_recorded" not in p.types()


def test_municipal_concern_goes_to_lmv_during_support_and_to_the_vc_otherwise() -> None:
    concern = event("municipality.concern_raised", T0 + days(1), urgency="acute", summary="fever")
    during = high_risk_discharged().on(concern)
    assert during.data("escalation_raised")["to"] == "lmv"
    later = event("municipality.concern_raised", T0 + days(1), urgency="non_acute", summary="falls")
    standard = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)), later)
    assert standard.data("escalation_raised")["to"] == "vardcentral"
    assert "summary" not in standard.data("escalation_raised")  # free text may name the patient
