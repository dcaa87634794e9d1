"""Readiness polling: a check that never answers still ends in a TimeoutError naming what was awaited."""

from __future__ import annotations

import asyncio

import pytest

from workers.stack.health import poll_until


async def test_a_check_that_never_answers_ends_at_the_deadline() -> None:
    async def hangs() -> bool:
        await asyncio.Event().wait()
        return True

    expected = r"NATS at x not ready within 0s \(last error: TimeoutError: no answer"
    with pytest.raises(TimeoutError, match=expected):
        # The outer bound only keeps a broken poll_until from hanging the suite.
        await asyncio.wait_for(poll_until(hangs, "NATS at x", timeout=0.3, every=0.05), 5)


async def test_a_check_that_fails_then_answers_is_polled_until_it_does() -> None:
    answers = iter([False, False, True])
    calls = 0

    async def check() -> bool:
        nonlocal calls
        calls += 1
        return next(answers)

    await poll_until(check, "worker", timeout=5, every=0.01)
    assert calls == 3
