"""Opening hours and working time in Europe/Stockholm (workflows/rules/calendar.py), Halland's policy."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings, strategies as st

from discharge.policy.build import workflow_policy
from discharge.policy.loading import read_policy
from workflows.policy import STOCKHOLM
from workflows.rules.calendar import (
    add_working_time,
    is_open,
    next_open,
    open_time_between,
    working_length,
)

HALLAND = workflow_policy(read_policy(None), range(2026, 2029))
VC = HALLAND.calendars["vardcentral"]
JOUR = HALLAND.calendars["beredskapsjour"]
DAYS = HALLAND.closed_days


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=STOCKHOLM)


def test_the_closed_days_are_swedens_public_holidays_and_the_eves_halland_keeps() -> None:
    year = {day for day in DAYS if day.year == 2027}
    assert date(2027, 6, 25) in year  # midsommarafton (Friday)
    assert date(2027, 12, 24) in year and date(2027, 12, 31) in year  # julafton, nyårsafton
    assert date(2027, 3, 26) in year and date(2027, 3, 29) in year  # långfredagen, annandag påsk
    assert date(2027, 4, 30) not in year  # valborgsmässoafton: a working day in Halland's policy
    assert date(2027, 3, 28) in year  # påskdagen, a Sunday: a holiday, not only a weekend


def test_a_vardcentral_keeps_office_hours_on_working_days_only() -> None:
    assert is_open(VC, DAYS, local(2027, 6, 22, 10, 0))  # a Tuesday
    assert not is_open(VC, DAYS, local(2027, 6, 22, 2, 30))
    assert not is_open(VC, DAYS, local(2027, 6, 22, 17, 0))  # closes at 17:00
    assert not is_open(VC, DAYS, local(2027, 6, 26, 12, 0))  # a Saturday
    assert not is_open(VC, DAYS, local(2027, 6, 25, 10, 0))  # midsommarafton


def test_the_beredskapsjour_answers_exactly_when_the_vardcentral_is_closed() -> None:
    start = local(2027, 6, 21, 0, 0)
    for quarter in range(4 * 24 * 14):  # two weeks around midsommar, every quarter of an hour
        at = start + timedelta(minutes=15 * quarter)
        assert is_open(JOUR, DAYS, at) != is_open(VC, DAYS, at), at


def test_two_days_from_friday_at_four_is_tuesday_at_four() -> None:
    due = add_working_time(VC, DAYS, local(2027, 3, 5, 16, 0), timedelta(days=2))
    assert due.astimezone(STOCKHOLM) == local(2027, 3, 9, 16, 0)


def test_easter_and_christmas_push_a_deadline_past_the_holidays() -> None:
    # Skärtorsdagen 16:00: långfredagen and annandag påsk closed; Tuesday 8 h, Wednesday 1+...
    due = add_working_time(VC, DAYS, local(2027, 3, 25, 16, 0), timedelta(days=2))
    assert due.astimezone(STOCKHOLM) == local(2027, 3, 31, 16, 0)
    due = add_working_time(VC, DAYS, local(2027, 12, 23, 16, 0), timedelta(days=2))
    assert due.astimezone(STOCKHOLM) == local(2027, 12, 28, 16, 0)  # 24th-26th closed, 27th a Monday


def test_counted_from_the_opening_when_asked_at_night_and_across_summer_time() -> None:
    # PT8H is a third of a working day, 3 open hours; asked on långfredagen night, counted from Tuesday.
    due = add_working_time(VC, DAYS, local(2027, 3, 26, 23, 0), timedelta(hours=8))
    assert due.astimezone(STOCKHOLM) == local(2027, 3, 30, 11, 0)  # Tuesday after påsk, in summer time
    assert next_open(VC, DAYS, local(2026, 10, 24, 12, 0)) == local(2026, 10, 26, 8, 0).astimezone(UTC)


moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 6, 30), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5))


@settings(max_examples=100, deadline=None)
@given(moments, durations)
def test_working_time_added_is_exactly_the_open_time_between(at: datetime, duration: timedelta) -> None:
    due = add_working_time(VC, DAYS, at, duration)
    wanted = working_length(VC, duration)
    assert due >= at
    assert open_time_between(VC, DAYS, at, due) == wanted
    if wanted > timedelta(0):  # a deadline falls while the unit is open (or as it closes)
        assert is_open(VC, DAYS, due - timedelta(microseconds=1))


@settings(max_examples=100, deadline=None)
@given(moments, durations, durations)
def test_working_time_is_monotonic(at: datetime, shorter: timedelta, extra: timedelta) -> None:
    assert add_working_time(VC, DAYS, at, shorter) <= add_working_time(VC, DAYS, at, shorter + extra)
