"""The pathway's policy (every duration the rules use) and Europe/Stockholm calendar arithmetic.

No settings here: the policy is built outside the rules (``discharge/settings_policy.py``) and passed in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

STOCKHOLM = ZoneInfo("Europe/Stockholm")


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
