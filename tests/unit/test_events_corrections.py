"""The corrections' and consults' inbound models: what they accept, refuse, and never carry on."""

from __future__ import annotations

import json

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter

from events.examples import example_event
from events.inbound.envelopes import DischargeCancelled
from events.inbound.parsing import InvalidEvent, parse_inbound
from workflows.api import PathwayEvent

NEW_TYPES = (
    "hospital.discharge_cancelled",
    "hospital.discharge_corrected",
    "hospital.admission_cancelled",
    "primarycare.consult_requested",
    "hospital.consult_answered",
)


@pytest.mark.parametrize("event_type", NEW_TYPES)
def test_each_example_parses(event_type: str) -> None:
    assert parse_inbound(json.dumps(example_event(event_type))).type == event_type


def test_the_cancel_reason_is_validated_but_never_signalled_to_the_workflow() -> None:
    event = parse_inbound(json.dumps(example_event("hospital.discharge_cancelled")))
    assert isinstance(event, DischargeCancelled) and event.data.reason
    signalled = PathwayEvent(patient_key="pk_x", event=event)
    payload = pydantic_data_converter.payload_converter.to_payloads([signalled])[0].data.decode()
    assert "reason" not in payload and event.data.reason not in payload
    too_long = example_event("hospital.discharge_cancelled")
    too_long["data"]["reason"] = "x" * 2001
    with pytest.raises(InvalidEvent) as refused:
        parse_inbound(json.dumps(too_long))
    assert "data.reason" in refused.value.reason and "xxx" not in refused.value.reason


@pytest.mark.parametrize("value", ["2026-03-02T07:00:00", "yesterday"])
def test_a_corrected_discharge_time_must_be_a_timestamp_with_an_offset(value: object) -> None:
    raw = example_event("hospital.discharge_corrected")
    raw["data"]["discharged_at"] = value
    with pytest.raises(InvalidEvent) as refused:
        parse_inbound(json.dumps(raw))
    assert refused.value.kind == "schema_violation" and "data.discharged_at" in refused.value.reason


def test_a_consult_needs_a_known_urgency() -> None:
    raw = example_event("primarycare.consult_requested")
    raw["data"]["urgency"] = "whenever"
    with pytest.raises(InvalidEvent, match=r"data\.urgency"):
        parse_inbound(json.dumps(raw))
