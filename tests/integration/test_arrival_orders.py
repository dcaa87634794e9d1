"""Any arrival order through the real gateway and worker gives the pathway of the order things happened in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bench.soak import soak
from bench.soak_parts import soak_settings


async def test_shuffled_pathways_end_like_the_one_sent_in_order(tmp_path: Path) -> None:
    # The ordering settings at their defaults (no reorder window); only the periods are compressed.
    # The late-event grace (PT1M in production) must outlast the 5 s pause and the redelivery behind it:
    # an escalation a late event would not have raised must never go out (docs/pathway.md).
    settings = soak_settings(
        tmp_path,
        discharge_readmission_window=timedelta(seconds=10),
        discharge_late_event_grace=timedelta(seconds=15),
    )
    assert not settings.discharge_reorder_window
    # 150 ms between two events sent: a patient's next event comes 1.2 s after its last, so each is taken
    # in a workflow task of its own, in its shuffled order (sent at once, a pathway took them all in one).
    figures = await soak(
        tmp_path, patients=8, kills=0, settings=settings, shuffle_from=1, pauses=1, pause_seconds=5, gap=0.15
    )
    print(figures.line())
    assert figures.ok, figures.line()
    in_order, *shuffled = figures.ends
    assert in_order is not None and in_order["outcome"] == "completed" and in_order["escalations"] == []

    # The whole end, what was delivered to whom included (`end_state`: each delivery's type, receiver and
    # status): an event published before a clinically earlier event named one of its receivers (the LMV
    # unit, named by its planning confirmation) is delivered to it too (docs/pathway.md).
    assert all(end == in_order for end in shuffled), [end for end in shuffled if end != in_order]
