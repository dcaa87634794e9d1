"""The on-call specialist: consults requested, answered, and escalated while unanswered."""

from __future__ import annotations

from tests.unit.rules_harness import POLICY, T0, Pathway, high_risk_discharged, minutes
from tests.workflow.pathway_helpers import (
    STAFF,
    UNIT,
    admitted,
    consult_answered,
    consult_requested,
    discharge_cancelled,
    hours,
)
from workflows.rules.deadlines import next_deadline

DISCHARGE = T0 + hours(4)
ROTA = "SE2321000131-E000000000920"


def supported() -> Pathway:
    p = high_risk_discharged(DISCHARGE)
    p.state.oncall_rota = ROTA  # what the workflow's rota look-up puts there
    return p


def test_a_consult_goes_to_the_rota_with_the_pathways_context_and_no_free_text() -> None:
    p = supported().on(consult_requested(DISCHARGE + hours(2), "acute", id_="c-1"))
    data = p.data("consult_requested")
    assert data["to"] == ROTA and data["consult_id"] == "c-1" and data["urgency"] == "acute"
    assert data["risk_level"] == "high" and data["discharged_at"] == DISCHARGE.isoformat()
    assert data["support_ends_at"] == p.state.support_ends_at.isoformat()  # type: ignore[union-attr]
    assert data["requested_by"] == STAFF and data["party"] == "lmv"
    assert data["patient"] == {"id": p.state.patient_id}  # the specialist must know whom
    assert set(data) == {
        "patient_key", "episode_id", "patient", "to", "consult_id", "urgency", "party",
        "requested_by", "risk_level", "discharged_at", "support_ends_at",
    }  # fmt: skip
    assert next_deadline(p.state) == DISCHARGE + hours(2) + POLICY.consult_answer_timeout_acute


def test_an_answered_consult_raises_nothing() -> None:
    p = supported().on(consult_requested(DISCHARGE + hours(2), id_="c-1"))
    p.on(consult_answered(DISCHARGE + hours(2) + minutes(10), request_id="c-1"))
    p.at(DISCHARGE + hours(20))
    assert p.state.consults == [] and "consult_not_answered" not in p.reasons()


def test_an_unanswered_consult_is_escalated_to_the_rota_and_the_coordinator_until_answered() -> None:
    asked = DISCHARGE + hours(2)
    p = supported().on(consult_requested(asked, "non_acute", id_="c-1"))
    p.at(asked + hours(4))
    escalations = [x.data for x in p.published if x.type == "escalation_raised"]
    assert [(e["reason"], e["to"]) for e in escalations] == [
        ("consult_not_answered", ROTA),
        ("consult_not_answered", "coordinator"),
    ]
    assert escalations[0]["consult_id"] == "c-1" and escalations[0]["repetition"] == 1
    p.at(asked + hours(8))
    assert p.reasons().count("consult_not_answered") == 4
    steps = [x.step for x in p.published if x.type == "escalation_raised"]
    assert len(set(steps)) == len(steps)  # each repetition has its own event id
    p.on(consult_answered(asked + hours(9)))
    p.at(asked + hours(20))
    assert p.reasons().count("consult_not_answered") == 4


def test_several_consults_each_keep_their_own_deadline() -> None:
    asked = DISCHARGE + hours(2)
    p = supported().on(
        consult_requested(asked, "non_acute", id_="c-slow"),
        consult_requested(asked + minutes(5), "acute", id_="c-fast"),
    )
    p.at(asked + minutes(40))
    assert {x.data["consult_id"] for x in p.published if x.type == "escalation_raised"} == {"c-fast"}
    p.on(consult_answered(asked + minutes(41), request_id="c-fast"))
    assert [c.id for c in p.state.consults] == ["c-slow"]
    p.at(asked + hours(4))
    assert [x.data["consult_id"] for x in p.published if x.type == "escalation_raised"][-1] == "c-slow"


def test_an_answer_without_request_id_answers_the_oldest_open_consult() -> None:
    p = supported().on(
        consult_requested(DISCHARGE + hours(1), id_="c-1"), consult_requested(DISCHARGE + hours(2), id_="c-2")
    )
    p.on(consult_answered(DISCHARGE + hours(3)))
    assert [c.id for c in p.state.consults] == ["c-2"]


def test_an_answer_to_no_open_consult_is_recorded_and_ignored() -> None:
    p = supported().on(consult_answered(DISCHARGE + hours(3)))
    assert p.state.log[-1].kind == "ignored" and "no open consult" in p.state.log[-1].summary
    p.on(consult_requested(DISCHARGE + hours(4), id_="c-1"), consult_answered(DISCHARGE + hours(5), "c-9"))
    assert p.state.log[-1].kind == "ignored" and [c.id for c in p.state.consults] == ["c-1"]


def test_a_consult_before_discharge_is_ignored_and_without_a_rota_goes_to_the_unit() -> None:
    p = Pathway().on(admitted(T0, listed_vardcentral=UNIT), consult_requested(T0 + hours(1)))
    assert p.state.log[-1].kind == "ignored" and p.state.consults == []
    q = high_risk_discharged(DISCHARGE).on(consult_requested(DISCHARGE + hours(1)))
    assert q.data("consult_requested")["to"] == UNIT  # the admitting unit, when no rota was looked up


def test_a_cancelled_discharge_or_a_closed_pathway_withdraws_open_consults() -> None:
    p = supported().on(consult_requested(DISCHARGE + hours(1)), discharge_cancelled(DISCHARGE + hours(2)))
    assert p.state.consults == [] and next_deadline(p.state) is None
