"""Opening hours in Europe/Stockholm: whether a unit is open, and working time added to a moment.

Pure functions of a ``UnitCalendar``, the region's closed days and the timestamps, so the workflow may
call them (deterministic) and the simulator runs the very same arithmetic. The closed days (Swedish
public holidays and the eves the region keeps) are not computed here: the policy carries them as dates,
made once by ``discharge.policy`` from the maintained ``holidays`` library and recorded with the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from workflows.policy import MINUTES_PER_DAY, STOCKHOLM, DayKind, UnitCalendar

#: How far ahead working time is looked for: a calendar that never opens in a year gives calendar time.
SEARCH_DAYS = 370


def day_kind(day: date, closed_days: frozenset[date] | tuple[date, ...]) -> DayKind:
    """A closed day (holiday or kept eve) first, then Saturday and Sunday, else a weekday."""
    if day in closed_days:
        return "holidays"
    return "weekends" if day.weekday() >= 5 else "weekdays"


def is_open(calendar: UnitCalendar, closed_days: tuple[date, ...], at: datetime) -> bool:
    """Whether the unit is open at ``at`` (any aware time; read in Europe/Stockholm)."""
    local = at.astimezone(STOCKHOLM)
    minute = local.hour * 60 + local.minute
    return any(s.start <= minute < s.end for s in calendar.spans(day_kind(local.date(), closed_days)))


def open_spans(
    calendar: UnitCalendar, closed_days: tuple[date, ...], start: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The unit's open spans as UTC moments, from the local day of ``start`` on, for ``SEARCH_DAYS``."""
    closed = frozenset(closed_days)
    first = start.astimezone(STOCKHOLM).date()
    for offset in range(SEARCH_DAYS):
        day = first + timedelta(days=offset)
        for span in calendar.spans(day_kind(day, closed)):
            yield _moment(day, span.start), _moment(day, span.end)


def _moment(day: date, minute: int) -> datetime:
    """Local wall-clock ``minute`` of ``day`` as UTC (24:00 is the next day's midnight)."""
    if minute == MINUTES_PER_DAY:
        day, minute = day + timedelta(days=1), 0
    local = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=STOCKHOLM)
    return local.astimezone(UTC)


def working_length(calendar: UnitCalendar, duration: timedelta) -> timedelta:
    """The open time a working-time ``duration`` stands for: each 24 h of it is one working day of the
    unit (P2D: two days of 9 open hours; PT12H: half a day). Proportional, so a longer duration is never
    due earlier (Python's ``timedelta`` cannot tell P1D from PT24H, so both must mean the same)."""
    return calendar.day_length * (duration / timedelta(days=1))


def add_working_time(
    calendar: UnitCalendar, closed_days: tuple[date, ...], at: datetime, duration: timedelta
) -> datetime:
    """``at`` + ``duration`` counted only while the unit is open, in working days (`working_length`).

    A handover asked for on Friday at 16:00 with two days of a vårdcentral open 08:00-17:00 is due on
    Tuesday at 16:00 (1 h on Friday, 9 h on Monday, 8 h on Tuesday); asked for at night, the count
    starts when the unit opens. A calendar with no open time in a year falls back to calendar time.
    """
    remaining = working_length(calendar, duration)
    for opens, closes in open_spans(calendar, closed_days, at):
        if closes <= at:
            continue
        begin = max(opens, at)
        if remaining <= closes - begin:
            return (begin + remaining).astimezone(UTC)
        remaining -= closes - begin
    return (at + duration).astimezone(UTC)


def open_time_between(
    calendar: UnitCalendar, closed_days: tuple[date, ...], start: datetime, end: datetime
) -> timedelta:
    """How much open time lies between ``start`` and ``end`` (the inverse check of `add_working_time`)."""
    total = timedelta(0)
    for opens, closes in open_spans(calendar, closed_days, start):
        if opens >= end:
            break
        total += max(timedelta(0), min(closes, end) - max(opens, start))
    return total


def next_open(calendar: UnitCalendar, closed_days: tuple[date, ...], at: datetime) -> datetime:
    """``at`` when the unit is open then, else the moment it next opens (``at`` if it never does)."""
    for opens, closes in open_spans(calendar, closed_days, at):
        if closes > at:
            return max(opens, at)
    return at
