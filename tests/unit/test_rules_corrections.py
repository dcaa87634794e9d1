"""The hospital's corrections, case by case: a discharge cancelled or re-timed, an admission in error."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.rules_harness import POLICY, T0, Pathway, high_risk_discharged
from tests.workflow.pathway_helpers import (
    UNIT,
    accepted,
    admission_cancelled,
    admitted,
    confirmed,
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
from workflows.policy import add_local, sub_local
from workflows.rules.closing import indicators
from workflows.rules.deadlines import next_deadline
from workflows.rules.timers import Timer

DISCHARGE = T0 + hours(4)

# ---- discharge cancelled ------------------------------------------------------------------------


def test_a_cancelled_discharge_returns_to_joint_planning_with_its_confirmations() -> None:
    p = high_risk_discharged(DISCHARGE)
    assert p.phase() == "lmv_support"
    p.on(discharge_cancelled(DISCHARGE + hours(1), reason="utskriven i fel journal"))
    s = p.state
    assert s.phase == "joint_planning"
    assert s.planning_confirmed == ["lmv", "vardcentral"]
    assert s.discharged_at is None and s.support_ends_at is None and not s.lmv_enrolled
    assert s.timers == {} and s.pending_task is None
    cancelled = [x for x in p.published if x.type == "discharge_cancelled"]
    assert [c.data["to"] for c in cancelled] == ["lmv"]  # only LMV was told of this discharge
    assert all(c.data["patient"] == {"id": s.patient_id} for c in cancelled)
    # The hospital's free text is never forwarded nor kept in the log.
    assert "utskriven" not in str([x.data for x in p.published]) + str(s.log)
    assert s.log[-1].summary.startswith("discharge cancelled: back to joint_planning")


def test_a_cancel_restores_the_planning_deadline_when_planning_was_not_confirmed() -> None:
    p = Pathway().on(
        admitted(T0, listed_vardcentral=UNIT), risk(T0 + hours(1)), confirmed(T0 + hours(2), "lmv")
    )
    due = p.state.timers[Timer.PLANNING]
    p.on(discharged(T0 + hours(3)), discharge_cancelled(T0 + hours(4)))
    assert p.phase() == "joint_planning" and p.state.timers == {Timer.PLANNING: due}
    assert p.reasons() == ["discharged_before_planning_complete"]  # raised before: stays in the log


def test_a_cancelled_standard_risk_discharge_tells_the_vc_and_returns_to_inpatient() -> None:
    p = Pathway().on(
        admitted(T0, listed_vardcentral=UNIT),
        risk(T0 + hours(1), "standard"),
        discharged(T0 + hours(3), home_type="nursing_home"),
    )
    assert p.phase() == "handover" and p.state.pending_task == "handover_acceptance"
    p.on(discharge_cancelled(T0 + hours(5)))
    assert p.phase() == "inpatient" and p.state.pending_task is None and p.state.timers == {}
    assert [x.data["to"] for x in p.published if x.type == "discharge_cancelled"] == [UNIT]


def test_a_later_discharge_starts_afresh_from_its_own_time() -> None:
    p = high_risk_discharged(DISCHARGE).on(contact(DISCHARGE + hours(2)))
    p.on(discharge_cancelled(DISCHARGE + hours(3)))
    again = DISCHARGE + days(2)
    p.on(discharged(again))
    s = p.state
    assert s.phase == "lmv_support" and s.discharged_at == again
    assert s.first_lmv_contact_at is None
    assert s.support_ends_at == add_local(again, POLICY.support_period)
    assert s.timers[Timer.FIRST_CONTACT] == again + POLICY.first_contact_target
    assert p.types().count("support_started") == 2


def test_a_cancel_for_another_episode_or_no_discharge_is_recorded_and_ignored() -> None:
    p = high_risk_discharged(DISCHARGE)
    before = p.state.model_copy(deep=True)
    p.on(discharge_cancelled(DISCHARGE + hours(1), episode="ep-other"))
    assert p.state.log[-1].kind == "ignored"
    assert "not the current one" in p.state.log[-1].summary
    assert p.state.phase == before.phase and p.state.timers == before.timers
    inpatient = Pathway().on(admitted(T0), discharge_cancelled(T0 + hours(1)))
    assert inpatient.phase() == "inpatient" and inpatient.state.log[-1].kind == "ignored"


def test_a_cancel_withdraws_an_open_extension_review_and_extensions() -> None:
    p = high_risk_discharged(DISCHARGE).at(DISCHARGE + days(12))
    assert p.phase() == "extension_review"
    p.on(
        extension_decided(
            DISCHARGE
            + days(
                12,
            )
        ),
        discharge_cancelled(DISCHARGE + days(12) + hours(1)),
    )
    assert p.state.extensions == [] and p.state.pending_task is None and next_deadline(p.state) is None


# ---- discharge corrected ------------------------------------------------------------------------


def test_a_corrected_discharge_moves_every_deadline_derived_from_it() -> None:
    p = high_risk_discharged(DISCHARGE)
    earlier = DISCHARGE - hours(6)
    p.on(discharge_corrected(DISCHARGE + hours(1), earlier))
    s = p.state
    end = add_local(earlier, POLICY.support_period)
    assert s.discharged_at == earlier and s.support_ends_at == end == s.original_support_ends_at
    assert s.timers[Timer.FIRST_CONTACT] == earlier + POLICY.first_contact_target
    assert s.timers[Timer.REVIEW] == sub_local(end, POLICY.extension_review_lead)
    rescheduled = p.data("support_rescheduled")
    assert rescheduled["to"] == "lmv" and rescheduled["support_ends_at"] == end.isoformat()
    assert "patient" not in rescheduled  # LMV knows the patient from support_started


def test_a_correction_keeps_granted_extensions_on_top() -> None:
    p = high_risk_discharged(DISCHARGE).at(DISCHARGE + days(12))
    p.on(extension_decided(DISCHARGE + days(12), days=7))
    later = DISCHARGE + days(1)
    p.on(
        discharge_corrected(
            DISCHARGE
            + days(
                12,
            ),
            later,
        )
    )
    end = add_local(add_local(later, POLICY.support_period), timedelta(days=7))
    assert p.state.support_ends_at == end
    assert p.state.timers[Timer.REVIEW] == sub_local(end, POLICY.extension_review_lead)


def test_a_correction_during_the_review_moves_its_due_time() -> None:
    p = high_risk_discharged(DISCHARGE).at(DISCHARGE + days(12))
    later = DISCHARGE + hours(12)
    p.on(discharge_corrected(DISCHARGE + days(12), later))
    end = add_local(later, POLICY.support_period)
    assert p.phase() == "extension_review"
    assert p.state.task_due_at == end and p.state.timers[Timer.SUPPORT_END] == end


def test_escalations_already_raised_stay_after_a_correction() -> None:
    p = high_risk_discharged(DISCHARGE).at(DISCHARGE + days(2))
    assert p.reasons() == ["first_contact_overdue"]
    p.on(
        discharge_corrected(
            DISCHARGE + days(2),
            DISCHARGE
            + days(
                1,
            ),
        )
    )
    assert p.state.escalations == ["first_contact_overdue"]
    assert Timer.FIRST_CONTACT not in p.state.timers  # passed and acted on: not raised again


def test_a_correction_moves_the_readmission_window_in_follow_up() -> None:
    p = Pathway().on(
        admitted(T0, listed_vardcentral=UNIT),
        risk(T0, "standard"),
        discharged(DISCHARGE),
        accepted(DISCHARGE),
    )
    later = DISCHARGE + days(1)
    p.on(discharge_corrected(DISCHARGE + days(1), later))
    assert p.state.timers[Timer.WINDOW_END] == add_local(later, POLICY.readmission_window)
    assert "support_rescheduled" not in p.types()  # LMV never had this patient


def test_a_correction_for_another_episode_is_ignored() -> None:
    p = high_risk_discharged(DISCHARGE).on(discharge_corrected(DISCHARGE, DISCHARGE - hours(1), episode="x"))
    assert p.state.discharged_at == DISCHARGE and p.state.log[-1].kind == "ignored"


# ---- admission cancelled ------------------------------------------------------------------------


def test_an_admission_entered_in_error_withdraws_the_pathway_from_everyone_told() -> None:
    p = high_risk_discharged(DISCHARGE)
    p.on(admission_cancelled(DISCHARGE + hours(1)))
    s = p.state
    assert s.phase == "closed" and s.outcome == "entered_in_error"
    assert s.timers == {} and s.pending_task is None
    withdrawn = [x.data["to"] for x in p.published if x.type == "pathway_withdrawn"]
    assert sorted(withdrawn) == sorted(["lmv", UNIT])  # both were asked to plan
    closed = p.data("pathway_closed")
    assert closed["outcome"] == "entered_in_error" and closed["indicators"]["counted"] is False


def test_an_admission_in_error_before_anyone_was_told_withdraws_nothing() -> None:
    p = Pathway().on(admitted(T0), admission_cancelled(T0 + hours(1)))
    assert p.phase() == "closed" and "pathway_withdrawn" not in p.types()
    other = Pathway().on(admitted(T0), admission_cancelled(T0 + hours(1), episode="ep-9"))
    assert other.phase() == "inpatient" and other.state.log[-1].kind == "ignored"


def test_other_outcomes_are_counted() -> None:
    p = high_risk_discharged(DISCHARGE).on(event("hospital.patient_deceased", DISCHARGE + days(1)))
    assert indicators(p.state)["counted"] is True
