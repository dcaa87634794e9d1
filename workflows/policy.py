"""The pathway's policy (every duration the rules use) and Europe/Stockholm calendar arithmetic.

No settings here: the policy is built outside the rules (``discharge/settings_policy.py``) and passed in.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DayKind = Literal["weekdays", "weekends", "holidays"]
MINUTES_PER_DAY = 24 * 60
#: The kinds of unit a calendar is kept for (docs/policy.md).
UnitKind = Literal["vardcentral", "lmv", "beredskapsjour", "coordination"]


class Span(BaseModel):
    """One open span within a day, in minutes after local midnight: [start, end), end up to 24:00."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0, lt=MINUTES_PER_DAY)
    end: int = Field(gt=0, le=MINUTES_PER_DAY)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError("a span ends after it starts (split one across midnight in two)")
        return self

    @property
    def minutes(self) -> int:
        return self.end - self.start


class UnitCalendar(BaseModel):
    """When a kind of unit is open: its spans on weekdays, at weekends, and on the region's closed days."""

    model_config = ConfigDict(frozen=True)

    weekdays: tuple[Span, ...] = ()
    weekends: tuple[Span, ...] = ()
    holidays: tuple[Span, ...] = ()
    #: What "a day" of a working-time deadline is: "two days" to accept a handover is twice this much
    #: open time (default: the weekday's open time, 9 h for 08:00-17:00).
    working_day: timedelta | None = None

    def spans(self, kind: DayKind) -> tuple[Span, ...]:
        return {"weekdays": self.weekdays, "weekends": self.weekends, "holidays": self.holidays}[kind]

    @property
    def day_length(self) -> timedelta:
        if self.working_day is not None:
            return self.working_day
        return timedelta(minutes=sum(span.minutes for span in self.weekdays))


class Policy(BaseModel):
    """Loaded once per workflow run by a local activity, so replay sees the same values."""

    model_config = ConfigDict(frozen=True)

    support_period: timedelta = timedelta(days=14)
    extension_review_lead: timedelta = timedelta(days=3)
    planning_confirm_timeout: timedelta = timedelta(hours=24)
    first_contact_target: timedelta = timedelta(hours=24)
    handover_accept_timeout: timedelta = timedelta(days=2)
    readmission_window: timedelta = timedelta(days=30)
    reminder_interval: timedelta = timedelta(days=1)  # overdue escalations repeat at this pace
    # A deadline is not acted on until no event has arrived for this long (`DISCHARGE_LATE_EVENT_GRACE`).
    # Deadlines come from clinical time, so after an outage a backlog of late events meets deadlines that
    # are already past; the event that meets one (a confirmation, a first contact) is usually right behind
    # the event that set it, and must not be preceded by a false escalation. 0 here because runs started
    # before this existed recorded a policy without it, and must replay as they ran.
    late_event_grace: timedelta = timedelta(0)
    # Events that arrive before their pathway opens are held this long (`DISCHARGE_EARLY_EVENT_HOLD`), and
    # every event waits until none has arrived for `reorder_window` (`DISCHARGE_REORDER_WINDOW`), so a
    # burst is applied in clinical-time order (workflows/rules/intake.py). Runs before this replay without it.
    early_event_hold: timedelta = timedelta(days=2)
    reorder_window: timedelta = timedelta(0)
    # How long the discharging clinic's on-call specialist has to answer a consult before it is escalated
    # (and again at this pace until answered). Runs recorded before consults existed replay with these.
    consult_answer_timeout_acute: timedelta = timedelta(minutes=30)
    consult_answer_timeout_non_acute: timedelta = timedelta(hours=4)
    # Delivery receipts (workflows/rules/receipts.py): a delivery that asks to act and is not `received`
    # this long is escalated (`DISCHARGE_DELIVERY_RECEIPT_TIMEOUT`; None: none awaited, as in runs recorded
    # before), and the LMV unit whose deliveries are awaited (`DISCHARGE_LMV_UNIT`).
    delivery_receipt_timeout: timedelta | None = None
    lmv_unit: str | None = None
    # The region's rules as data (issue 25, docs/policy.md): which policy this is, each kind of unit's
    # opening hours, the region's closed days (public holidays and the eves it keeps, as dates for the
    # years around the run's start), the deadlines counted in a unit's working time (`Timer` name → unit
    # kind), and the allmänmedicinsk beredskapsjour that takes concerns when the responsible unit is
    # closed. All empty in runs recorded before: calendar time and no routing, as they ran.
    version: str | None = None
    calendars: dict[UnitKind, UnitCalendar] = Field(default_factory=dict)
    closed_days: tuple[date, ...] = ()
    working_time: dict[str, UnitKind] = Field(default_factory=dict)
    primarycare_oncall_unit: str | None = None
    # A run continues as new once its history has this many events (`DISCHARGE_HISTORY_BOUND`), or when the
    # server suggests it; None in policies recorded before the patch `bounded-history`: the suggestion only.
    history_bound: int | None = None


def add_local(at: datetime, duration: timedelta) -> datetime:
    """``at`` + ``duration``, whole days counted as calendar days in Europe/Stockholm.

    Care staff read "14 days after 10:00" as 10:00 local on the 14th day, also across a change to
    or from summer time; the remainder below a day is exact elapsed time.
    """
    local = at.astimezone(STOCKHOLM)
    wall = local.replace(tzinfo=None) + timedelta(days=duration.days)
    shifted = wall.replace(tzinfo=STOCKHOLM)
    return shifted.astimezone(UTC) + timedelta(seconds=duration.seconds, microseconds=duration.microseconds)


def sub_local(at: datetime, duration: timedelta) -> datetime:
    return add_local(at, -duration)


def calendar_days_between(start: datetime, end: datetime) -> int:
    """Calendar days from ``start`` to ``end`` in Europe/Stockholm: the inpatient days (*vårddygn*) of a stay.

    Admitted on the 3rd and discharged on the 5th is 2 days, whatever the hours; the same day is 0.
    """
    return (end.astimezone(STOCKHOLM).date() - start.astimezone(STOCKHOLM).date()).days
