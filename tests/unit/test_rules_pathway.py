"""The pathway's rules, case by case, as care staff would describe them (no Temporal here)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events.inbound import InboundEvent
from tests.workflow.pathway_helpers import (
    STAFF,
    UNIT,
    accepted,
    admitted,
    confirmed,
    contact,
    days,
    discharged,
    event,
    extension_decided,
    hours,
    risk,
)
from workflows.api import Decision
from workflows.policy import Policy, add_local
from workflows.rules import (
    Outcome,
    PathwayState,
    Publish,
    StartNewPathway,
    apply_decision,
    apply_event,
    apply_time,
    decline_opening,
    indicators,
    next_deadline,
    validate_decision,
)

POLICY = Policy()


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
# Receivers who must act on the patient: LMV and the VC planning, LMV visiting, the VC taking over.
IDENTITY_TYPES = {"joint_planning_requested", "support_started", "handover_requested", "home_visit_requested"}


class Pathway:
    """Feeds events and time into the rules and keeps every published outbound event."""

    def __init__(self) -> None:
        self.state = PathwayState(patient_key="pk_test")
        self.published: list[Publish] = []
        self.restarts: list[StartNewPathway] = []

    def _keep(self, outcome: Outcome) -> Outcome:
        for command in outcome.commands:
            (self.published if isinstance(command, Publish) else self.restarts).append(command)  # type: ignore[arg-type]
        return outcome

    def on(self, *events: InboundEvent, now: datetime | None = None) -> Pathway:
        for evt in events:
            self._keep(apply_event(self.state, evt, now or evt.time, POLICY))
        return self

    def at(self, now: datetime) -> Pathway:
        """Let time pass to ``now``, firing every deadline on the way in order."""
        while (due := next_deadline(self.state)) is not None and due <= now:
            self._keep(apply_time(self.state, due, POLICY))
        return self

    def decide(self, decision: Decision, now: datetime) -> Pathway:
        validate_decision(self.state, decision)
        self._keep(apply_decision(self.state, decision, now, POLICY))
        return self

    def phase(self) -> str:  # a plain str: mypy would keep an earlier assert's narrowing of the Literal
        return self.state.phase

    def types(self) -> list[str]:
        return [p.type for p in self.published]

    def reasons(self) -> list[str]:
        return [str(p.data["reason"]) for p in self.published if p.type == "escalation_raised"]

    def data(self, type_: str) -> dict[str, Any]:
        return next(p.data for p in self.published if p.type == type_)


def high_risk_discharged(at: datetime | None = None) -> Pathway:
    return Pathway().on(
        admitted(T0, listed_vardcentral=UNIT),
        risk(T0 + hours(1)),
        confirmed(T0 + hours(2), "lmv"),
        confirmed(T0 + hours(2), "vardcentral"),
        discharged(at or T0 + hours(4)),
    )


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


# ---- 4. extension review -------------------------------------------------------------------------


def test_extension_review_opens_before_the_end_with_a_due_date() -> None:
    p = high_risk_discharged().on(contact(T0 + hours(5)))
    end = p.state.support_ends_at
    assert end is not None
    p.at(end - days(3))
    assert p.state.phase == "extension_review"
    assert (p.state.pending_task, p.state.task_due_at) == ("extension_review", end)
    assert p.data("extension_review_requested")["due_at"] == end.isoformat()


def test_extensions_move_the_end_and_open_a_new_review_each_time() -> None:
    p = high_risk_discharged().on(contact(T0 + hours(5)))
    first_end = p.state.support_ends_at
    assert first_end is not None
    p.at(first_end - days(3))
    p.decide(
        Decision(decision="extend", extend_days=7, reason="wounds", decided_by=STAFF), first_end - days(2)
    )
    second_end = add_local(first_end, days(7))
    assert p.state.support_ends_at == second_end and p.state.phase == "lmv_support"
    assert p.state.pending_task is None
    p.at(second_end - days(3))
    assert p.phase() == "extension_review" and p.state.task_due_at == second_end
    p.on(extension_decided(second_end - days(1), days=14))
    assert p.state.support_ends_at == add_local(second_end, days(14))
    assert [(e.days, e.decided_by) for e in p.state.extensions] == [(7, STAFF), (14, STAFF)]
    assert p.types().count("extension_granted") == 2
    assert p.state.original_support_ends_at == first_end


def test_no_decision_by_the_end_keeps_support_and_escalates_every_day() -> None:
    p = high_risk_discharged().on(contact(T0 + hours(5)))
    end = p.state.support_ends_at
    assert end is not None
    p.at(end + days(2) + hours(1))
    assert p.state.phase == "extension_review"  # never a gap in care
    assert p.state.lmv_enrolled and p.state.pending_task == "extension_review"
    assert p.reasons() == ["extension_decision_overdue"] * 3
    # Deciding stops the reminders.
    p.decide(Decision(decision="handover", reason="stable", decided_by=STAFF), end + days(2) + hours(2))
    p.at(end + days(5))
    assert p.reasons().count("extension_decision_overdue") == 3


def test_handover_decision_starts_the_handover() -> None:
    p = high_risk_discharged().on(contact(T0 + hours(5)))
    end = p.state.support_ends_at
    assert end is not None
    p.at(end - days(3)).on(extension_decided(end - days(2), decision="handover"))
    assert p.state.phase == "handover" and p.state.pending_task == "handover_acceptance"


# ---- decisions: the update's validator ----------------------------------------------------------


def test_a_decision_without_an_open_task_is_refused() -> None:
    p = high_risk_discharged()
    with pytest.raises(ValueError, match="no open task"):
        validate_decision(p.state, Decision(decision="handover", reason="x", decided_by=STAFF))


def test_a_coordinator_cannot_accept_a_handover_for_the_vc() -> None:
    p = Pathway().on(admitted(T0), risk(T0, "standard"), discharged(T0 + hours(1)))
    with pytest.raises(ValueError, match="only the VC can accept"):
        validate_decision(p.state, Decision(decision="handover", reason="x", decided_by=STAFF))


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (Decision.model_construct(decision="extend", extend_days=None, reason="r", decided_by=STAFF), "1-14"),
        (
            Decision.model_construct(decision="extend", extend_days=15, reason="r", decided_by=STAFF),
            "between 1",
        ),
        (
            Decision.model_construct(decision="extend", extend_days=0, reason="r", decided_by=STAFF),
            "between 1",
        ),
        (Decision.model_construct(decision="extend", extend_days=3, reason="  ", decided_by=STAFF), "reason"),
        (
            Decision.model_construct(decision="handover", extend_days=3, reason="r", decided_by=STAFF),
            "left out",
        ),
    ],
)
def test_an_invalid_extension_decision_is_refused_and_changes_nothing(
    decision: Decision, message: str
) -> None:
    p = high_risk_discharged().on(contact(T0 + hours(5)))
    assert p.state.support_ends_at is not None
    p.at(p.state.support_ends_at - days(3))
    before = p.state.model_dump()
    with pytest.raises(ValueError, match=message):
        validate_decision(p.state, decision)
    assert p.state.model_dump() == before


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


# ---- 10. real event streams ------------------------------------------------------------------------


def test_discharge_before_its_risk_assessment_still_gives_lmv_support_from_the_discharge() -> None:
    discharge_at = T0 + hours(4)
    p = Pathway().on(admitted(T0), discharged(discharge_at), risk(T0 + hours(2)))
    assert p.state.phase == "lmv_support" and p.state.risk_level == "high"
    assert p.state.support_ends_at == add_local(discharge_at, POLICY.support_period)
    assert p.state.timers["first_contact"] == discharge_at + POLICY.first_contact_target


def test_out_of_order_gives_the_same_pathway_as_in_order() -> None:
    discharge_at = T0 + hours(4)
    in_order = Pathway().on(admitted(T0), risk(T0 + hours(2)), discharged(discharge_at))
    out_of_order = Pathway().on(discharged(discharge_at), admitted(T0), risk(T0 + hours(2)))
    for field in ("phase", "risk_level", "support_ends_at", "admitted_at", "discharged_at", "episode_id"):
        assert getattr(in_order.state, field) == getattr(out_of_order.state, field), field


def test_risk_assessed_after_the_discharge_does_not_count() -> None:
    p = Pathway().on(admitted(T0), discharged(T0 + hours(4)), risk(T0 + hours(6)))
    assert p.state.phase == "handover" and not p.state.lmv_enrolled


def test_a_late_discharge_event_gets_no_fresh_period() -> None:
    discharge_at = T0
    p = Pathway().on(admitted(T0 - days(3)), risk(T0 - days(2)))
    p.on(discharged(discharge_at), now=T0 + days(5))  # arrives five days late
    assert p.state.support_ends_at == add_local(discharge_at, POLICY.support_period)
    p.at(T0 + days(5))
    assert "first_contact_overdue" in p.reasons()


GRACE = Policy(late_event_grace=minutes(1))


def test_a_late_backlog_meets_its_past_deadline_before_it_is_acted_on() -> None:
    # After an outage: discharged (and contacted) five days ago, both reported now, a second apart.
    arrived = T0 + days(5)
    state = PathwayState(patient_key="pk_test")
    for evt in (admitted(T0 - days(1)), risk(T0 - hours(20)), discharged(T0)):
        apply_event(state, evt, arrived, GRACE)
    assert apply_time(state, arrived, GRACE).commands == []  # the first-contact deadline is long past...
    assert next_deadline(state) == arrived + minutes(1)  # ...but held while the backlog may still arrive
    apply_event(state, contact(T0 + hours(3)), arrived + seconds(1), GRACE)
    outcome = apply_time(state, arrived + minutes(2), GRACE)
    assert not [c for c in outcome.commands if isinstance(c, Publish) and c.type == "escalation_raised"]
    assert state.first_lmv_contact_at == T0 + hours(3)


def test_a_past_deadline_with_no_event_to_meet_it_fires_after_the_grace() -> None:
    arrived = T0 + days(5)
    state = PathwayState(patient_key="pk_test")
    for evt in (admitted(T0 - days(1)), risk(T0 - hours(20)), discharged(T0)):
        apply_event(state, evt, arrived, GRACE)
    assert apply_time(state, arrived + seconds(59), GRACE).commands == []
    fired = apply_time(state, arrived + minutes(1), GRACE).commands
    assert [c.data["reason"] for c in fired if isinstance(c, Publish)] == ["first_contact_overdue"]


def test_a_deadline_in_the_future_is_not_moved_by_the_grace() -> None:
    state = PathwayState(patient_key="pk_test")
    for evt in (admitted(T0 - days(1)), risk(T0 - hours(20)), discharged(T0)):
        apply_event(state, evt, evt.time, GRACE)
    assert next_deadline(state) == T0 + GRACE.first_contact_target


def test_an_older_assessment_arriving_late_does_not_replace_a_newer_one() -> None:
    p = Pathway().on(admitted(T0), risk(T0 + hours(3), "standard"), risk(T0 + hours(1), "high"))
    assert p.state.risk_level == "standard" and p.state.phase == "inpatient"


def test_extension_decision_without_an_open_task_is_recorded_as_ignored() -> None:
    p = high_risk_discharged().on(extension_decided(T0 + days(2)))
    assert p.state.log[-1].kind == "ignored" and p.state.extensions == []


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
