"""The webhook retry schedule: exponential, capped, and at least the budget long before it gives up."""

from __future__ import annotations

from datetime import timedelta

from workers.webhooks.retry import JITTER, RetrySchedule
from workers.webhooks.service import schedule_of
from workers.webhooks.settings import WebhookSettings


def test_the_default_schedule_retries_for_at_least_a_day_with_growing_waits() -> None:
    schedule = schedule_of(WebhookSettings())
    attempts = schedule.attempts_in_all()

    assert schedule.waited_before(attempts) >= timedelta(hours=24)
    assert schedule.waited_before(attempts - 1) < timedelta(hours=24)
    assert [schedule.wait_after(n).total_seconds() for n in range(1, 5)] == [5, 10, 20, 40]
    assert schedule.wait_after(30) == timedelta(hours=2)
    assert attempts == 23  # docs/doors.md says so; a receiver down for a day is not hammered


def test_a_delivery_is_given_up_only_once_the_waits_reach_the_budget() -> None:
    schedule = RetrySchedule(
        first=timedelta(seconds=1), cap=timedelta(seconds=4), budget=timedelta(seconds=6)
    )

    # waits 1, 2, 4: before the 4th attempt 7 s have been waited
    assert [schedule.gives_up_after(n) for n in range(1, 6)] == [False, False, False, True, True]
    assert schedule.attempts_in_all() == 4


def test_jitter_only_lengthens_a_wait_and_retry_after_is_honoured_up_to_the_cap() -> None:
    schedule = RetrySchedule(first=timedelta(seconds=10), cap=timedelta(minutes=1), budget=timedelta(hours=1))

    for _ in range(50):
        assert 10 <= schedule.jittered_wait_after(1) <= 10 * (1 + JITTER)
    assert 30 <= schedule.jittered_wait_after(1, retry_after=30) <= 30 * (1 + JITTER)
    assert schedule.jittered_wait_after(1, retry_after=3600) <= 60 * (1 + JITTER)
