"""`discharge show` tells the story of a cancelled discharge and of an unanswered consult."""

from __future__ import annotations

from discharge.cli import render
from tests.inbound_events import consult_requested, days, discharge_cancelled, hours
from tests.unit.rules_harness import T0, high_risk_discharged

DISCHARGE = T0 + hours(4)


def test_the_story_of_an_unanswered_consult_then_a_cancelled_discharge() -> None:
    p = high_risk_discharged(DISCHARGE)
    p.state.oncall_rota = "SE2321000131-E000000000920"
    p.on(consult_requested(DISCHARGE + hours(1), "acute", id_="c-1")).at(DISCHARGE + hours(2))
    p.on(discharge_cancelled(DISCHARGE + hours(3), reason="fel patient"))
    story = render.pathway_story(p.state.view(), DISCHARGE + days(1))
    for line in (
        "lmv called the on-call specialist (acute, consult c-1): rota SE2321000131-E000000000920",
        "timer      deadline consult_answer of c-1 passed",
        "escalation consult c-1 (acute) not answered: escalated to rota SE2321000131-E000000000920 "
        "and the coordinator (time 1)",
        "outbound   published escalation_raised",
        "event      discharge cancelled: back to joint_planning, support and handover withdrawn",
        "outbound   published discharge_cancelled",
    ):
        assert line in story, line
    assert "consult_not_answered" in story  # the escalations the story lists
    assert "Phase" in story and "joint_planning" in story
    assert "fel patient" not in story
