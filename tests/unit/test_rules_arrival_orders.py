"""Any arrival order of a pathway's events gives the pathway of clinical order (workflows/rules/ledger.py)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings, strategies as st

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import (
    accepted,
    admitted,
    contact,
    days,
    discharge_corrected,
    discharged,
    hours,
    risk,
)
from tests.unit.ledger_harness import GRACE, POLICY, T0, LedgerRun, high_risk_pathway, run

PATHWAY = high_risk_pathway()
CLINICAL = run(PATHWAY)
PAIRS = [(a, b) for i, a in enumerate(PATHWAY) for b in PATHWAY[i + 1 :]]


def assert_same_pathway(order: list[InboundEvent], batch: int = 1) -> None:
    got = run(order, batch=batch)
    types = [e.type for e in order]
    assert got.end() == CLINICAL.end(), types
    # No escalation beyond clinical order's, none missing, the same ids and contents.
    assert got.escalations() == CLINICAL.escalations(), types
    # Every outbound event of clinical order, with the same id. (Instructions are published at once, so one
    # sent before a clinically earlier event arrived keeps what was known then: docs/pathway.md.)
    missing = set(CLINICAL.outbound()) - set(got.outbound())
    assert not missing, (types, missing)
    extra = set(got.outbound()) - set(CLINICAL.outbound())
    assert not extra, (types, extra)
    # Each receiver got what clinical order gives it: the same events (ids), each once, receipts awaited
    # alike, also when a clinically earlier event named the receiver after the event had gone out.
    assert got.deliveries() == CLINICAL.deliveries(), types
    assert got.dead == [], types


def test_in_clinical_order_the_high_risk_pathway_completes_without_escalation() -> None:
    assert CLINICAL.state.outcome == "completed" and CLINICAL.state.escalations == []
    assert [p.type for p in CLINICAL.published] == [
        "pathway_started",
        "joint_planning_requested",
        "support_started",
        "physician_contact_recorded",
        "physician_contact_recorded",
        "handover_requested",
        "handover_completed",
        "pathway_closed",
    ]
    assert CLINICAL.ledger.derivations == 1  # in order: opened once, every later event applied in place


def test_every_pair_of_events_swapped_gives_the_clinical_order_pathway() -> None:
    for a, b in PAIRS:
        order = PATHWAY[:]
        i, j = order.index(a), order.index(b)
        order[i], order[j] = order[j], order[i]
        assert_same_pathway(order)


def test_every_event_arriving_last_gives_the_clinical_order_pathway() -> None:
    # A redelivery after a crash: one event comes back after all its successors.
    for late in PATHWAY:
        assert_same_pathway([e for e in PATHWAY if e is not late] + [late])


@settings(max_examples=300, deadline=None)
@given(st.permutations(PATHWAY), st.integers(min_value=1, max_value=4))
def test_any_arrival_order_in_any_bursts_gives_the_clinical_order_pathway(
    order: list[InboundEvent], batch: int
) -> None:
    assert_same_pathway(order, batch)


@settings(max_examples=100, deadline=None)
@given(st.permutations(PATHWAY), st.lists(st.integers(min_value=0, max_value=8), max_size=4))
def test_redelivered_copies_change_nothing(order: list[InboundEvent], again: list[int]) -> None:
    # The workflow drops a redelivery of an applied event (same source and id) before the ledger; a copy
    # of one still unapplied may reach it no more than once: the ledger sees each event once.
    assert_same_pathway(order + [PATHWAY[i] for i in sorted(set(again)) if PATHWAY[i] not in order])


def test_a_false_discharge_escalation_is_withheld_when_the_confirmation_arrives_late() -> None:
    # Clinical order: both confirmations before the discharge, no escalation. The VC's arrives after it.
    vc = PATHWAY[3]
    late = run([*[e for e in PATHWAY if e is not vc][:5], vc])
    in_order = run(PATHWAY[:6])
    assert "discharged_before_planning_complete" not in late.state.escalations
    assert late.state.escalations == in_order.state.escalations == ["extension_decision_overdue"]
    assert late.escalations() == in_order.escalations()
    assert late.state.planning_confirmed == ["lmv", "vardcentral"]


def test_an_event_that_never_applies_is_dead_lettered_with_its_reason_after_the_hold() -> None:
    stray = accepted(T0 + hours(4))  # no handover was ever asked for
    r = run([admitted(T0), stray])
    assert [(d.event, d.kind) for d in r.dead] == [(stray, "not_applicable")]
    assert "handover_accepted makes no sense in phase inpatient" in r.dead[0].reason
    assert "after 48 h" in r.dead[0].reason and "190912319803" not in r.dead[0].reason


def test_an_event_that_cannot_apply_yet_waits_and_applies_in_its_clinical_place() -> None:
    r = run([admitted(T0), contact(T0 + days(1) + hours(2)), risk(T0 + hours(1)), discharged(T0 + days(1))])
    assert r.state.first_lmv_contact_at == T0 + days(1) + hours(2) and r.dead == []
    assert "first_contact" not in r.state.timers


def test_a_rule_that_raises_dead_letters_its_event_and_the_pathway_goes_on() -> None:
    # The gateway refuses a year beyond 2100 (events/bounds.py): past the door, the rules must still cope.
    door = discharge_corrected(T0 + days(2), discharged_at=T0.replace(year=2099, month=12, day=25))
    far = door.data.model_copy(update={"discharged_at": T0.replace(year=9999, month=12, day=25)})
    beyond = door.model_copy(update={"data": far})
    events = [admitted(T0), risk(T0 + hours(1)), discharged(T0 + days(1)), beyond, contact(T0 + days(3))]
    r = run(events)
    assert [(d.event, d.kind) for d in r.dead] == [(beyond, "rule_failed")]
    assert "OverflowError" in r.dead[0].reason and "9999" not in r.dead[0].reason
    assert r.state.first_lmv_contact_at == T0 + days(3)
    assert r.state.discharged_at == T0 + days(1)


def test_a_discharge_two_years_late_raises_each_escalation_once_saying_how_overdue() -> None:
    long_ago = T0 - days(730)
    r = LedgerRun()
    now = T0 + days(1)
    r.arrive([admitted(long_ago), risk(long_ago + hours(1)), discharged(long_ago + days(1))], now)
    r.tick(now + GRACE)
    reasons = [p.data["reason"] for p in r.published if p.type == "escalation_raised"]
    assert sorted(reasons) == [
        "discharged_before_planning_complete",
        "extension_decision_overdue",
        "first_contact_overdue",
    ]
    overdue = next(p.data for p in r.published if p.data.get("reason") == "first_contact_overdue")
    assert overdue["overdue_since"] == (long_ago + days(1) + hours(24)).isoformat()
    assert int(overdue["overdue_by"][2:-1]) > timedelta(days=700).total_seconds()
    # Then one reminder per interval, counted from now: two days later, two more.
    r.tick(now + GRACE + days(1)).tick(now + GRACE + days(2))
    again = [p.data["reason"] for p in r.published if p.type == "escalation_raised"][3:]
    assert again == ["extension_decision_overdue"] * 2 and POLICY.reminder_interval == days(1)


def test_a_contact_arriving_long_after_a_later_one_met_the_deadline_raises_no_escalation() -> None:
    # The later contact met the first-contact deadline when it arrived; the clinically earlier one comes
    # back ten minutes later (past the grace). Re-derived in clinical order, the deadline must not pass
    # before it as if it had arrived alone (docs/pathway.md, "A derivation's clock").
    earlier = contact(T0 + days(1) + hours(1)).model_copy(update={"id": "early-contact"})
    r = LedgerRun()
    now = T0 + days(6)
    r.arrive(PATHWAY[:6], now).tick(now + GRACE)
    r.arrive([earlier], now + timedelta(minutes=10)).tick(now + timedelta(minutes=12))
    assert r.state.first_lmv_contact_at == T0 + days(1) + hours(1)
    assert r.state.escalations == [] and r.escalations() == {}, r.state.escalations
