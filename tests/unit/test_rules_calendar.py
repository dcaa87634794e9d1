"""Periods in Europe/Stockholm calendar days, across both summer-time changes of 2026."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.workflow.pathway_helpers import admitted, discharged, risk
from workflows.policy import STOCKHOLM, Policy, add_local, sub_local
from workflows.rules.dispatch import apply_event
from workflows.rules.state import PathwayState


def local(*parts: int) -> datetime:
    year, month, day, hour, minute = parts
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("discharged_at", "support_ends_at"),
    [
        # Winter time all along.
        (local(2026, 1, 10, 10, 0), local(2026, 1, 24, 10, 0)),
        # Across 2026-03-29 02:00 -> 03:00: still 10:00 local, 13 x 24 h + 23 h of elapsed time.
        (local(2026, 3, 20, 10, 0), local(2026, 4, 3, 10, 0)),
        # Across 2026-10-25 03:00 -> 02:00: still 10:00 local, one hour longer.
        (local(2026, 10, 20, 10, 0), local(2026, 11, 3, 10, 0)),
    ],
)
def test_fourteen_days_after_ten_is_ten_local(discharged_at: datetime, support_ends_at: datetime) -> None:
    end = add_local(discharged_at.astimezone(UTC), timedelta(days=14))
    assert end == support_ends_at
    assert end.astimezone(STOCKHOLM).hour == 10


def test_spring_forward_period_is_one_hour_shorter_in_elapsed_time() -> None:
    start = local(2026, 3, 28, 10, 0)
    assert add_local(start, timedelta(days=1)) - start == timedelta(hours=23)
    autumn = local(2026, 10, 24, 10, 0)
    assert add_local(autumn, timedelta(days=1)) - autumn == timedelta(hours=25)


def test_review_opens_three_calendar_days_before_the_end_across_the_change() -> None:
    end = local(2026, 3, 31, 10, 0)
    assert sub_local(end, timedelta(days=3)) == local(2026, 3, 28, 10, 0)


def test_sub_day_remainder_is_exact_elapsed_time() -> None:
    start = local(2026, 3, 28, 10, 0)
    assert add_local(start, timedelta(days=1, hours=2)) == local(2026, 3, 29, 12, 0)
    assert add_local(start, timedelta(seconds=30)) == start + timedelta(seconds=30)


def test_discharge_before_the_spring_change_gives_support_until_ten_local() -> None:
    state = PathwayState(patient_key="pk_test")
    at = local(2026, 3, 28, 10, 0).astimezone(UTC)
    for evt in (admitted(at - timedelta(days=3)), risk(at - timedelta(days=2)), discharged(at)):
        apply_event(state, evt, at, Policy())
    assert state.support_ends_at == local(2026, 4, 11, 10, 0)
    # The review opens 3 calendar days before, also in local time.
    assert state.timers["review"] == local(2026, 4, 8, 10, 0)
