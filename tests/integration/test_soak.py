"""The soak bench, short: one SIGKILL of each part (worker, gateway, NATS, Temporal) during a load."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.soak import soak
from bench.soak_parts import soak_settings


async def test_nothing_lost_and_every_pathway_completes_when_each_part_is_killed_once(tmp_path: Path) -> None:
    settings = soak_settings(
        tmp_path,
        discharge_readmission_window=timedelta(seconds=15),
        discharge_reorder_window=timedelta(seconds=35),
    )
    figures = await soak(tmp_path, patients=12, kills=1, settings=settings)
    print(figures.line())
    assert dict(figures.kills) == {"worker": 1, "gateway": 1, "nats": 1, "temporal": 1}
    assert figures.acked == figures.events == 12 * 8
    assert figures.missing == 0, figures.line()
    assert figures.extra_steps == 0, figures.line()
    assert figures.not_completed == 0 and figures.running == 0, figures.line()
    assert figures.non_json == 0, figures.line()
