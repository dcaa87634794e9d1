"""The region's policy file (``DISCHARGE_POLICY_FILE``, YAML): its pydantic model, strict on every field.

What a region writes: durations, which deadlines count in a unit's working time, the eves it keeps as
holidays, each kind of unit's opening hours and the units on call. ``discharge.policy.build`` turns it
into the workflow's ``Policy``; ``discharge.policy.loading`` reads it and names the line of an error.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from discharge.policy.holiday_dates import eve_names
from discharge.settings import IsoDuration
from events.fields import HsaId
from workflows.policy import MINUTES_PER_DAY, Span, UnitCalendar, UnitKind
from workflows.rules.timers import Timer

_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def _minute(hours: str, minutes: str) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > MINUTES_PER_DAY:
        raise ValueError("a time is HH:MM from 00:00 to 24:00")
    return value


def parse_spans(value: object) -> tuple[Span, ...]:
    """``["08:00-17:00"]`` → spans; ``"17:00-08:00"`` (across midnight) → 17:00-24:00 and 00:00-08:00."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError('opening hours are a list of "HH:MM-HH:MM" strings')
    spans: list[Span] = []
    for text in value:
        match = _SPAN.match(text.strip())
        if match is None:
            raise ValueError(f'{text!r} is not "HH:MM-HH:MM"')
        start, end = _minute(*match.group(1, 2)), _minute(*match.group(3, 4))
        if start == end:
            raise ValueError(f"{text!r} is empty: write 00:00-24:00 for the whole day")
        if start < end:
            spans.append(Span(start=start, end=end))
        else:
            spans += [Span(start=0, end=end)] if end else []
            spans.append(Span(start=start, end=MINUTES_PER_DAY))
    ordered = sorted(spans, key=lambda span: span.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < before.end:
            raise ValueError("opening hours overlap")
    return tuple(ordered)


Spans = Annotated[tuple[Span, ...], BeforeValidator(parse_spans)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Durations(Strict):
    support_period: IsoDuration = timedelta(days=14)
    extension_review_lead: IsoDuration = timedelta(days=3)
    planning_confirm_timeout: IsoDuration = timedelta(hours=24)
    first_contact_target: IsoDuration = timedelta(hours=24)
    handover_accept_timeout: IsoDuration = timedelta(days=2)
    readmission_window: IsoDuration = timedelta(days=30)
    consult_answer_timeout_acute: IsoDuration = timedelta(minutes=30)
    consult_answer_timeout_non_acute: IsoDuration = timedelta(hours=4)


class Holidays(Strict):
    #: The eves the region keeps as holidays, by the `holidays` library's Swedish names.
    eves: tuple[str, ...] = ()

    @field_validator("eves")
    @classmethod
    def _known_eves(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - eve_names())
        if unknown:
            known = sorted(eve_names())
            raise ValueError(f"not an eve the holidays library knows: {unknown}; known: {known}")
        return value


class Calendar(Strict):
    weekdays: Spans = ()
    weekends: Spans = ()
    holidays: Spans = ()
    working_day: IsoDuration | None = None

    def unit_calendar(self) -> UnitCalendar:
        return UnitCalendar(
            weekdays=self.weekdays,
            weekends=self.weekends,
            holidays=self.holidays,
            working_day=self.working_day,
        )


class Units(Strict):
    lmv: HsaId | None = None
    primarycare_oncall: HsaId | None = None


class PolicyFile(Strict):
    version: str = Field(min_length=1, max_length=100)
    region: str = Field(min_length=1, max_length=200)
    durations: Durations = Durations()
    holidays: Holidays = Holidays()
    calendars: dict[UnitKind, Calendar] = Field(default_factory=dict)
    # After `calendars`: its validator reads them.
    working_time: dict[Timer, UnitKind] = Field(default_factory=dict)
    units: Units = Units()

    @field_validator("working_time")
    @classmethod
    def _working_time_of_an_open_unit(
        cls, value: dict[Timer, UnitKind], info: ValidationInfo
    ) -> dict[Timer, UnitKind]:
        ends = {Timer.REVIEW, Timer.WINDOW_END}  # not deadlines a unit answers to
        if ends & set(value):
            raise ValueError("only deadlines a unit must meet count in its working time")
        calendars: dict[UnitKind, Calendar] = info.data.get("calendars", {})
        for timer, kind in value.items():
            calendar = calendars.get(kind)
            if calendar is None or not calendar.weekdays:
                raise ValueError(f"{timer} counts in the working time of {kind}, which has no weekday hours")
        return value
