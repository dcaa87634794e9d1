"""Passing time and real event streams: deadlines, late, out-of-order and backlogged events (no Temporal)."""

from __future__ import annotations

from tests.unit.rules_harness import (
    POLICY,
    T0,
    Pathway,
    high_risk_discharged,
    minutes,
    seconds,
)
from tests.workflow.pathway_helpers import (
    admitted,
    contact,
    days,
    discharged,
    extension_decided,
    hours,
    risk,
)
from workflows.policy import Policy, add_local
from workflows.rules.deadlines import ON_DEADLINE, apply_time, next_deadline
from workflows.rules.dispatch import apply_event
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish
from workflows.rules.timers import SUMMARIES, Timer

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


def test_every_deadline_has_a_rule_and_a_summary() -> None:
    assert set(ON_DEADLINE) == set(Timer) == set(SUMMARIES)
