"""Any arrival order through the real gateway and worker gives the pathway of the order things happened in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.soak import soak
from bench.soak_parts import soak_settings


async def test_shuffled_pathways_end_like_the_one_sent_in_order(tmp_path: Path) -> None:
    settings = soak_settings(
        tmp_path,
        discharge_readmission_window=timedelta(seconds=10),
        # Each patient's events are published within about a second: the window holds them all.
        discharge_reorder_window=timedelta(seconds=5),
    )
    figures = await soak(tmp_path, patients=8, kills=0, settings=settings, shuffle_from=1)
    print(figures.line())
    assert figures.ok, figures.line()
    in_order, *shuffled = figures.ends
    assert in_order is not None and in_order["outcome"] == "completed" and in_order["escalations"] == []
    assert all(end == in_order for end in shuffled)
