"""Every timestamp at the boundary is an RFC 3339 string with an offset: no numbers, no naive times."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from events.examples import example_event
from events.inbound.parsing import InvalidEvent, parse_inbound

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def refused(event: dict[str, Any]) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as caught:
        parse_inbound(json.dumps(event), now=NOW, future_tolerance=timedelta(minutes=5))
    return caught.value


@pytest.mark.parametrize(
    "value",
    [
        1700000000,  # pydantic's lax mode: a date in 2023
        1700000000.5,
        "1700000000",
        True,
        "2026-03-02",  # a date: lax mode reads midnight
        "2026-03-02T10:00:00",  # naive
        "2026-03-02T10:00",  # no seconds
        "2026-03-02T10:00:00+0100",  # offset without colon
        "2026-W10-1T10:00:00Z",
        None,
        ["2026-03-02T10:00:00+01:00"],
    ],
)
@pytest.mark.parametrize("field", ["time", "data.planned_for"])
def test_a_time_that_is_not_rfc3339_with_an_offset_is_refused(field: str, value: object) -> None:
    event = example_event("hospital.discharge_planned")
    if field == "time":
        event["time"] = value
    else:
        event["data"]["planned_for"] = value
    error = refused(event)
    assert error.kind == "schema_violation"
    assert error.reason.startswith(f"{field}: ")
    assert "RFC 3339 timestamp string with an offset" in error.reason
    assert str(value) not in error.reason


@pytest.mark.parametrize(
    "value", ["2026-03-02T10:00:00+01:00", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00.123456Z"]
)
def test_rfc3339_with_an_offset_is_accepted(value: str) -> None:
    event = example_event("hospital.discharge_planned")
    event["time"] = value
    parsed = parse_inbound(json.dumps(event), now=NOW)
    assert parsed.time == datetime(2026, 3, 2, 9, 0, tzinfo=UTC).replace(microsecond=parsed.time.microsecond)
