"""What a run hands to the next (workflows/carried.py) comes back whole, and the next run goes on the same."""

from __future__ import annotations

from tests.inbound_events import STAFF, admitted, contact, days, discharged, hours
from tests.unit.ledger_harness import GRACE, POLICY, T0, LedgerRun
from workflows.api import AcknowledgementRecord
from workflows.carried import Carried, history_too_long
from workflows.policy import Policy


def carried_through_json(r: LedgerRun) -> LedgerRun:
    """``r`` as the next run gets it: through the workflow's input, as JSON."""
    acks = [
        AcknowledgementRecord(
            escalation=0, note="ringer", acknowledged_by=STAFF, reason="x", acknowledged_at=T0
        )
    ]
    text = Carried.of(r.state, r.ledger, r.policy, acks).model_dump_json()
    back = Carried.model_validate_json(text)
    assert back.acknowledgements == acks
    nxt = LedgerRun(back.policy)
    nxt.state, nxt.ledger = back.state, back.restored_ledger()
    return nxt


def test_a_pathway_with_an_escalation_waiting_for_the_grace_comes_back_whole() -> None:
    # Discharged with no risk assessment yet: the handover is requested and escalated, which waits for the
    # grace (the assessment may be right behind).
    r = LedgerRun().arrive([admitted(T0), discharged(T0 + hours(5))], T0 + days(1))
    assert "escalation_raised" in [p.type for p in r.ledger.held]
    nxt = carried_through_json(r)
    assert nxt.state == r.state
    assert nxt.ledger.entries == r.ledger.entries
    assert nxt.ledger.unapplied == r.ledger.unapplied and nxt.ledger.published == r.ledger.published
    assert [(p.type, p.step, p.data) for p in nxt.ledger.held] == [
        (p.type, p.step, p.data) for p in r.ledger.held
    ]

    # Both go on the same: the grace passes, the escalation is published once, a late event re-derives.
    before = len(r.published)  # the next run starts publishing nothing of its own
    for run in (r, nxt):
        run.tick(T0 + days(1) + GRACE)
        run.arrive([contact(T0 + hours(30))], T0 + days(1.5))
    assert nxt.end() == r.end()
    assert [p.step for p in nxt.published] == [p.step for p in r.published[before:]]
    assert "escalation_raised" in [p.type for p in nxt.published]


def test_a_run_continues_when_the_server_suggests_it_or_at_the_policys_bound() -> None:
    bounded = Policy(history_bound=100)
    assert not history_too_long(99, False, bounded)
    assert history_too_long(100, False, bounded)
    assert history_too_long(3, True, bounded)
    # A policy recorded before the bound existed: only the server's suggestion.
    assert not history_too_long(40_000, False, POLICY) and POLICY.history_bound is None
