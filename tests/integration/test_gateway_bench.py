"""The ingest benchmark runs end to end (tiny N): its own servers, a gateway, the ratio line."""

from __future__ import annotations

import pytest

from bench.ingest import run_benchmark

pytestmark = pytest.mark.integration


async def test_the_benchmark_measures_both_paths() -> None:
    result = await run_benchmark(events=20, concurrency=8, rounds=1)
    assert result.gateway_rate > 0 and result.plain_rate > 0
    assert result.duplicates == 0
    assert 0 < result.p50_ms <= result.p99_ms
    assert result.lines()[-1] == f"ingest ratio: {result.ratio:.2f}"
