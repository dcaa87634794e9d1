"""Indicator 7's input: the patient's experience, a score kept, a comment never kept, forwarded or logged."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from events.inbound.envelopes import InboundEvent, PatientExperienceReported
from events.inbound.parsing import InvalidEvent, parse_inbound
from tests.workflow.pathway_helpers import STAFF, UNIT, admitted, discharged, event, hours, risk
from workflows.policy import Policy
from workflows.rules.dispatch import apply_event
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish

T0 = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)
COMMENT = "Doktor Svensson var så snäll, ring min dotter på 070-1234567"


def report(**data: object) -> bytes:
    body = {"patient": {"id": "19091231-9803"}, "score": 4, "collected_by": STAFF, **data}
    return json.dumps(
        {
            "specversion": "1.0",
            "id": "exp-1",
            "source": "urn:hsa:SE2321000131-E000000000002",
            "type": "primarycare.patient_experience_reported",
            "time": T0.isoformat(),
            "data": body,
        }
    ).encode()


def test_a_comment_is_accepted_and_forgotten_as_the_event_is_read() -> None:
    parsed = parse_inbound(report(comment=COMMENT))
    assert isinstance(parsed, PatientExperienceReported)
    assert parsed.data.score == 4 and parsed.data.comment is None
    assert "Svensson" not in parsed.model_dump_json()  # what the gateway hands to the pathway


@pytest.mark.parametrize("score", [0, 6, "4", 3.5, None])
def test_a_score_outside_1_to_5_is_refused_naming_the_field_not_the_value(score: object) -> None:
    with pytest.raises(InvalidEvent) as refused:
        parse_inbound(report(score=score, comment=COMMENT))
    assert "data.score" in refused.value.reason
    assert "Svensson" not in refused.value.reason


def test_an_overlong_comment_is_refused_without_repeating_it() -> None:
    with pytest.raises(InvalidEvent) as refused:
        parse_inbound(report(comment="x" * 4001))
    assert "data.comment" in refused.value.reason and "xxxx" not in refused.value.reason


def discharged_pathway(indicator_events: bool = True) -> PathwayState:
    s = PathwayState(patient_key="pk_test", indicator_events=indicator_events)
    policy = Policy()
    apply_event(s, admitted(T0 - hours(48), listed_vardcentral=UNIT), T0 - hours(48), policy)
    apply_event(s, risk(T0 - hours(47), "standard"), T0 - hours(47), policy)
    apply_event(s, discharged(T0 - hours(2)), T0 - hours(2), policy)
    return s


def experience(at: datetime) -> InboundEvent:
    return event("primarycare.patient_experience_reported", at, score=5, collected_by=STAFF, comment=COMMENT)


def test_after_discharge_the_score_is_published_for_the_indicators_with_who_collected_it() -> None:
    s = discharged_pathway()
    outcome = apply_event(s, experience(T0), T0, Policy())
    [published] = [c for c in outcome.commands if isinstance(c, Publish)]
    assert published.type == "patient_experience_recorded"
    assert published.data["score"] == 5 and published.data["collected_by"] == STAFF
    assert "comment" not in published.data and COMMENT not in json.dumps(published.data)
    assert s.experience_scores == [5]


def test_a_run_started_before_the_indicators_ignores_it() -> None:
    s = discharged_pathway(indicator_events=False)
    outcome = apply_event(s, experience(T0), T0, Policy())
    assert outcome.commands == [] and outcome.ignored is not None
