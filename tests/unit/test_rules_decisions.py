"""Extension reviews and coordinators' decisions, case by case (no Temporal here)."""

from __future__ import annotations

import pytest

from tests.unit.rules_harness import (
    T0,
    Pathway,
    high_risk_discharged,
)
from tests.workflow.pathway_helpers import (
    STAFF,
    admitted,
    contact,
    days,
    discharged,
    extension_decided,
    hours,
    risk,
)
from workflows.api import Decision
from workflows.policy import add_local
from workflows.rules.decisions import validate_decision

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
