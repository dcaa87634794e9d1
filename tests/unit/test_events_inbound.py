"""The inbound models against the contract: every type, and errors that name the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events.batch import read_batch
from events.examples import RESERVNUMMER, SAMORDNINGSNUMMER, example_event
from events.inbound.envelopes import INBOUND_TYPES
from events.inbound.parsing import InvalidEvent, parse_inbound, patient_of

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def parse(event: dict[str, Any]) -> Any:
    return parse_inbound(json.dumps(event), now=NOW, future_tolerance=timedelta(minutes=5))


def refused(event: dict[str, Any]) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as caught:
        parse(event)
    return caught.value


@pytest.mark.parametrize("event_type", INBOUND_TYPES)
def test_every_contract_type_has_a_valid_example(event_type: str) -> None:
    assert parse(example_event(event_type)).type == event_type


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("19091231-9803", "190912319803"),
        ("190912319803", "190912319803"),
        ("19080372-2719", SAMORDNINGSNUMMER),
        (RESERVNUMMER, "19050101R123"),
        ("19050101r123", "19050101R123"),
    ],
)
def test_identities_are_accepted_with_or_without_hyphen(given: str, canonical: str) -> None:
    assert patient_of(parse(example_event("hospital.patient_admitted", patient=given))) == canonical


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("19091231-9804", "not a valid personnummer: the check digit is wrong"),
        ("19090231-9803", "not a valid personnummer: the date of birth is not a real date"),
        ("19080392-2719", "not a valid samordningsnummer: the date of birth is not a real date"),
        ("19080372-2718", "not a valid samordningsnummer: the check digit is wrong"),
        ("19050231-R123", "not a valid reservnummer"),
        ("0912319803", "not a personnummer/samordningsnummer"),
    ],
)
def test_a_wrong_identity_is_refused_naming_the_field_not_the_number(given: str, message: str) -> None:
    error = refused(example_event("hospital.patient_admitted", patient=given))
    assert error.kind == "schema_violation"
    assert error.reason.startswith("data.patient.id: ")
    assert message in error.reason
    assert given not in error.reason and given.replace("-", "") not in error.reason


@pytest.mark.parametrize(
    ("field", "value", "field_path"),
    [
        ("unit", "SE232100013-E1", "data.unit"),
        ("unit", "E000000000011", "data.unit"),
        ("listed_vardcentral", "SE2321000131_F1", "data.listed_vardcentral"),
        ("admission", "emergency", "data.admission"),
        ("home_type", "hotel", "data.home_type"),
    ],
)
def test_admission_fields_are_checked(field: str, value: str, field_path: str) -> None:
    event = example_event("hospital.patient_admitted")
    event["data"][field] = value
    assert refused(event).reason.startswith(f"{field_path}: ")


@pytest.mark.parametrize("code", ["0000", "2614", "138", "13800", "abcd"])
def test_a_kommun_code_is_four_digits_of_a_real_county(code: str) -> None:
    event = example_event("municipality.homecare_enrolled")
    event["data"]["municipality"] = code
    assert refused(event).reason.startswith("data.municipality: ")


@pytest.mark.parametrize("days", [0, 15, -1])
def test_extend_days_is_one_to_fourteen(days: int) -> None:
    event = example_event("coordination.extension_decided")
    event["data"]["extend_days"] = days
    assert refused(event).reason.startswith("data.extend_days: ")


@pytest.mark.parametrize("days", [1, 14])
def test_extend_days_bounds_are_accepted(days: int) -> None:
    event = example_event("coordination.extension_decided")
    event["data"]["extend_days"] = days
    assert parse(event).data.extend_days == days


def test_extend_needs_days_and_handover_must_not_have_them() -> None:
    extend = example_event("coordination.extension_decided")
    del extend["data"]["extend_days"]
    assert "extend_days (1-14) is required" in refused(extend).reason
    handover = example_event("coordination.extension_decided")
    handover["data"]["decision"] = "handover"
    assert "extend_days must be left out" in refused(handover).reason


@pytest.mark.parametrize("time", ["2026-03-02T10:00:00", "2026-03-02", "yesterday"])
def test_time_needs_an_offset(time: str) -> None:
    event = example_event("hospital.risk_assessed")
    event["time"] = time
    assert refused(event).reason.startswith("time: ")


def test_times_with_any_offset_are_the_same_instant() -> None:
    event = example_event("hospital.discharge_planned")
    event["data"]["planned_for"] = "2026-03-29T03:30:00+02:00"  # the first hour of summer time
    assert parse(event).data.planned_for == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_time_far_ahead_is_a_clock_error_and_the_tolerance_is_configurable() -> None:
    event = example_event("hospital.risk_assessed", time=NOW + timedelta(minutes=10))
    error = refused(event)
    assert error.kind == "clock_error" and "clock is wrong" in error.reason
    accepted = parse_inbound(json.dumps(event), now=NOW, future_tolerance=timedelta(minutes=15))
    assert accepted.time == NOW + timedelta(minutes=10)


def test_unknown_fields_in_data_are_refused_so_a_misspelling_is_not_lost() -> None:
    event = example_event("hospital.patient_discharged")
    event["data"]["listed_vardcentrall"] = event["data"].pop("listed_vardcentral")
    assert "data.listed_vardcentrall: Extra inputs are not permitted" in refused(event).reason


def test_envelope_problems_name_the_attribute() -> None:
    event = example_event("hospital.risk_assessed")
    event["specversion"] = "0.3"
    del event["source"]
    reason = refused(event).reason
    assert "specversion: " in reason and "source: Field required" in reason


def test_unknown_and_missing_types_are_their_own_kind() -> None:
    assert refused({"type": "hospital.teleported"}).kind == "unknown_type"
    assert refused({"id": "x"}).kind == "unknown_type"


def test_a_batch_reports_each_bad_line_by_number() -> None:
    good = json.dumps(example_event("hospital.risk_assessed"))
    bad = example_event("hospital.risk_assessed")
    bad["data"]["level"] = "medium"
    text = "\n".join([good, "{oops", json.dumps(bad), "", good])
    batch = read_batch(text, now=NOW, future_tolerance=timedelta(minutes=5))
    assert len(batch.events) == 2
    assert batch.errors[0].startswith("line 2: not_json: ")
    assert batch.errors[1].startswith("line 3: schema_violation: data.level: ")
    assert read_batch("  ", now=NOW, future_tolerance=timedelta(minutes=5)).errors == [
        "input: no events (expected a JSON object, a JSON array or JSON lines)"
    ]
