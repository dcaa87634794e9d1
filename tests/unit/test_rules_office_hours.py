"""Halland's calendar in the rules: a concern routed to the beredskapsjour when the responsible unit is
closed, and the vårdcentral's two days to accept a handover counted in its working time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from discharge.policy.build import workflow_policy
from discharge.policy.loading import read_policy
from tests.inbound_events import admitted, discharged, event, hours, risk
from workflows.policy import STOCKHOLM, Policy
from workflows.rules.deadlines import apply_time, next_deadline
from workflows.rules.dispatch import apply_event
from workflows.rules.receipts import expect_receipts
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish

HALLAND = workflow_policy(read_policy(None), range(2026, 2029))
ONCALL = "SE2321000131-E000000000400"
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "policy-vastra-gotaland.yaml"


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def escalations(state: PathwayState, at: datetime, policy: Policy) -> list[dict[str, object]]:
    concern = event("municipality.concern_raised", at, urgency="acute", summary="breathless")
    outcome = apply_event(state, concern, at, policy)
    return [c.data.published() for c in outcome.commands if isinstance(c, Publish)]


def inpatient(at: datetime, policy: Policy) -> PathwayState:
    state = PathwayState(patient_key="pk_test", ordered=True)
    for opening in (admitted(at, listed_vardcentral="SE2321000131-E000000000101"), risk(at, "standard")):
        apply_event(state, opening, at, policy)
    return state


def test_a_concern_goes_to_the_beredskapsjour_at_night_at_weekends_and_on_holidays() -> None:
    state = inpatient(local(2027, 6, 1, 9, 0), HALLAND)
    cases = {
        local(2027, 6, 22, 2, 30): ONCALL,  # a Tuesday night
        local(2027, 6, 26, 12, 0): ONCALL,  # a Saturday noon
        local(2027, 6, 25, 10, 0): ONCALL,  # midsommarafton, a Friday morning
        local(2027, 6, 22, 10, 0): None,  # a Tuesday morning: the listed vårdcentral
    }
    for at, routed in cases.items():
        (escalation,) = escalations(state, at, HALLAND)
        assert escalation["to"] == "vardcentral"
        assert escalation.get("routed_to") == routed, at
    routed_logs = [entry.summary for entry in state.log if "routed to the on-call unit" in entry.summary]
    assert len(routed_logs) == 3
    assert state.view().routed_escalations == {0: ONCALL, 1: ONCALL, 2: ONCALL}  # the page names it


def test_a_policy_without_calendars_routes_nothing_as_runs_recorded_before() -> None:
    old = Policy()
    state = inpatient(local(2027, 6, 1, 9, 0), old)
    (escalation,) = escalations(state, local(2027, 6, 22, 2, 30), old)
    assert escalation.get("routed_to") is None


def test_a_handover_asked_on_friday_at_four_escalates_on_tuesday_not_sunday() -> None:
    state = inpatient(local(2027, 3, 1, 9, 0), HALLAND)
    friday = local(2027, 3, 5, 16, 0)
    apply_event(state, discharged(friday), friday, HALLAND)
    assert state.phase == "handover"
    assert next_deadline(state) == local(2027, 3, 9, 16, 0)
    sunday = apply_time(state, local(2027, 3, 7, 16, 0) + hours(1), HALLAND)
    assert not sunday.commands
    tuesday = apply_time(state, local(2027, 3, 9, 16, 0), HALLAND)
    assert [c.data.published()["reason"] for c in tuesday.commands if isinstance(c, Publish)] == [
        "handover_not_accepted"
    ]


def test_a_routed_concern_is_delivered_to_the_beredskapsjour_alone_and_awaits_its_receipt() -> None:
    policy = HALLAND.model_copy(update={"delivery_receipt_timeout": hours(2)})
    night = local(2027, 6, 22, 2, 30)
    state = inpatient(local(2027, 6, 1, 9, 0), policy)
    concern = event("municipality.concern_raised", night, urgency="acute", summary="breathless")
    (published,) = [c for c in apply_event(state, concern, night, policy).commands if isinstance(c, Publish)]
    receivers = published.data.receivers(policy.lmv_unit)
    assert [(r.hsa_id, r.identity, r.acts) for r in receivers] == [(ONCALL, True, True)]
    expect_receipts(state, published.data, "msg-1", night, policy)
    assert [(d.recipient, d.due_at) for d in state.deliveries] == [(ONCALL, night + hours(2))]


def test_the_reminders_of_a_handover_not_accepted_come_on_working_days() -> None:
    state = inpatient(local(2027, 3, 1, 9, 0), HALLAND)
    tuesday = local(2027, 3, 2, 16, 0)
    apply_event(state, discharged(tuesday), tuesday, HALLAND)
    reminders = []
    for _ in range(3):
        due = next_deadline(state)
        assert due is not None
        reminders.append(due.astimezone(STOCKHOLM))
        apply_time(state, due, HALLAND)
    thursday, friday, monday = local(2027, 3, 4, 16, 0), local(2027, 3, 5, 16, 0), local(2027, 3, 8, 16, 0)
    assert reminders == [thursday, friday, monday]  # not on Saturday


def test_a_policy_may_count_the_planning_deadline_in_the_coordinations_working_time() -> None:
    vgr = workflow_policy(read_policy(EXAMPLE), range(2026, 2029))  # planning: coordination, 08-16
    state = PathwayState(patient_key="pk_test", ordered=True)
    friday_evening = local(2027, 3, 5, 20, 0)
    apply_event(state, admitted(friday_evening), friday_evening, vgr)
    apply_event(state, risk(friday_evening), friday_evening, vgr)
    assert state.phase == "joint_planning"
    # PT24H is one working day of coordination (8 open hours), counted from Monday's opening.
    assert state.timers["planning"] == local(2027, 3, 8, 16, 0)
