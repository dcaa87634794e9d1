"""Hostile input at the door: dates a calendar cannot follow, and JSON that is not UTF-8 (RFC 8259)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest
from pydantic import AwareDatetime, BaseModel, FutureDatetime, NaiveDatetime, PastDatetime
from pydantic.fields import FieldInfo

from events.bounds import check_year
from events.examples import example_event
from events.inbound.envelopes import EVENT_CLASSES
from events.inbound.parsing import InvalidEvent, parse_inbound

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def refused(body: bytes) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as caught:
        parse_inbound(body, now=NOW, future_tolerance=timedelta(minutes=5))
    return caught.value


def set_field(event: dict[str, Any], field: str, value: str) -> None:
    target = event
    *path, last = field.split(".")
    for part in path:
        target = target[part]
    target[last] = value


@pytest.mark.parametrize(
    ("event_type", "field"),
    [
        ("hospital.discharge_corrected", "data.discharged_at"),
        ("hospital.discharge_planned", "data.planned_for"),
        ("hospital.patient_admitted", "time"),
    ],
)
@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59+01:00", "2101-01-01T00:00:00Z", "1899-12-31T23:59:59Z", "0001-01-01T00:00:00Z"],
)
def test_a_date_outside_1900_to_2100_is_refused_naming_the_field_never_the_value(
    event_type: str, field: str, value: str
) -> None:
    event = example_event(event_type)
    set_field(event, field, value)
    error = refused(json.dumps(event).encode())
    assert error.kind == "schema_violation"
    assert error.reason.startswith(f"{field}: ")
    assert "1900" in error.reason and "2100" in error.reason
    assert value[:4] not in error.reason.replace("1900", "").replace("2100", "")


@pytest.mark.parametrize("value", ["1900-01-01T00:00:00Z", "2100-12-31T23:59:59+01:00"])
def test_the_edges_of_the_range_are_accepted(value: str) -> None:
    event = example_event("hospital.discharge_corrected")
    event["data"]["discharged_at"] = value
    parsed = parse_inbound(json.dumps(event).encode(), now=NOW)
    assert parsed.data.discharged_at.year in (1900, 2100)  # type: ignore[union-attr]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_json_in_utf16_or_utf32_is_refused_with_a_reason(encoding: str) -> None:
    body = json.dumps(example_event("hospital.patient_admitted")).encode(encoding)
    error = refused(body)
    assert error.kind == "not_json"
    assert "UTF-8" in error.reason


def test_a_utf8_byte_order_mark_is_refused() -> None:
    body = b"\xef\xbb\xbf" + json.dumps(example_event("hospital.patient_admitted")).encode()
    error = refused(body)
    assert error.kind == "not_json"
    assert "byte order mark" in error.reason


def test_utf8_with_non_ascii_text_is_accepted() -> None:
    event = example_event("municipality.concern_raised")
    event["data"]["summary"] = "Oro för nattlig förvirring, även yrsel"
    assert parse_inbound(json.dumps(event, ensure_ascii=False).encode(), now=NOW).id == event["id"]


#: The annotations pydantic reads a time into.
TIME_TYPES = (datetime, AwareDatetime, NaiveDatetime, PastDatetime, FutureDatetime)


def datetime_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, FieldInfo]]:
    """Every field of ``model`` (and of the models inside it) that holds a time."""
    for name, info in model.model_fields.items():
        for inner in (info.annotation, *get_args(info.annotation)):
            if inner in TIME_TYPES:
                yield f"{prefix}{name}", info
            elif isinstance(inner, type) and issubclass(inner, BaseModel):
                yield from datetime_fields(inner, f"{prefix}{name}.")


def test_every_timestamp_field_of_every_inbound_type_is_bounded() -> None:
    """A new field holding a time must use `events.fields.Timestamp`, which carries the year bounds."""
    fields = [(t, f, info) for t, model in EVENT_CLASSES.items() for f, info in datetime_fields(model)]
    assert {f for _, f, _ in fields} >= {"time", "data.planned_for", "data.discharged_at"}
    unbounded = [f"{t}: {f}" for t, f, info in fields if not any(
        getattr(m, "func", None) is check_year for m in info.metadata
    )]  # fmt: skip
    assert unbounded == []
