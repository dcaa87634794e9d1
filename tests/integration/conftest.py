"""Fixtures the integration modules share (the servers of the whole session are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.integration.doors_support import Doors, running_doors


@pytest.fixture(scope="package")
async def doors(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Doors]:
    """Both doors as processes with NATS, Temporal, worker, gateway and delivery behind them, started once for
    test_doors.py and test_doors_fuzz.py (a start is some 20 s on a loaded 2-core machine). Events are applied
    on arrival (the soak's reorder window would hold each for 40 s)."""
    async with running_doors(
        tmp_path_factory.mktemp("doors"), discharge_reorder_window=timedelta(0)
    ) as running:
        yield running
