"""The inbox's one-second sharing: one read serves every request of a scope meanwhile, then it reads again."""

from __future__ import annotations

import asyncio

import pytest

from workers.web.moment_cache import MomentCache


async def test_requests_within_the_moment_share_one_read_and_a_later_one_reads_again() -> None:
    reads = 0

    async def read() -> int:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.01)
        return reads

    cache: MomentCache[int] = MomentCache(ttl=0.2)
    assert await asyncio.gather(*(cache.get("coordinator", read) for _ in range(20))) == [1] * 20
    assert await cache.get("vc", read) == 2  # another scope reads for itself
    await asyncio.sleep(0.25)
    assert await cache.get("coordinator", read) == 3
    cache.clear()
    assert await cache.get("coordinator", read) == 4


async def test_a_failed_read_is_not_kept() -> None:
    async def fails() -> int:
        raise OSError("database away")

    async def works() -> int:
        return 7

    cache: MomentCache[int] = MomentCache(ttl=10)
    with pytest.raises(OSError):
        await cache.get("coordinator", fails)
    assert await cache.get("coordinator", works) == 7


async def test_a_stale_result_is_served_at_once_while_one_new_read_runs_then_the_new_one() -> None:
    reads = 0

    async def read() -> int:
        nonlocal reads
        reads += 1
        await asyncio.sleep(0.05)
        return reads

    cache: MomentCache[int] = MomentCache(ttl=0.1, stale_for=1.0)
    assert await cache.get("coordinator", read) == 1
    await asyncio.sleep(0.12)
    # Stale: served without waiting, and one read started for all of them.
    assert await asyncio.gather(*(cache.get("coordinator", read) for _ in range(10))) == [1] * 10
    assert reads == 2
    await asyncio.sleep(0.08)
    assert await cache.get("coordinator", read) == 2  # the background read's result
    cache.clear()  # after a change from the page: the next request waits for a fresh read
    assert await cache.get("coordinator", read) == 3


async def test_a_result_too_old_even_to_serve_stale_is_read_again_and_waited_for() -> None:
    reads = 0

    async def read() -> int:
        nonlocal reads
        reads += 1
        return reads

    cache: MomentCache[int] = MomentCache(ttl=0.05, stale_for=0.05)
    assert await cache.get("coordinator", read) == 1
    await asyncio.sleep(0.12)
    assert await cache.get("coordinator", read) == 2
