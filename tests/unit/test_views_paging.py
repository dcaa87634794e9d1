"""Paged listings: where a page sits, and due-time bands that cover every task once, soonest first."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from discharge.views.paging import TASK_BANDS, Page, due_bands


def test_the_footer_says_which_rows_of_how_many_and_how_to_see_more() -> None:
    page = Page(rows=[], total=10_000, number=1, size=50)
    assert page.pages == 200
    page = Page(rows=[object()] * 50, total=10_000, number=1, size=50)  # type: ignore[list-item]
    assert page.footer("pathways") == (
        "pathways 1-50 of 10000 (page 1 of 200; --page 2 for the next; --all for every one)"
    )
    last = Page(rows=[object()] * 3, total=103, number=3, size=50)  # type: ignore[list-item]
    assert last.footer("tasks") == "tasks 101-103 of 103 (page 3 of 3; --all for every one)"


def test_due_bands_are_contiguous_from_overdue_to_the_far_future() -> None:
    now = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    bands = due_bands("Q", now)
    assert len(bands) == len(TASK_BANDS) + 1
    assert bands[0] == 'Q AND TaskDueAt < "2026-03-29T01:30:00Z"'
    assert bands[1] == 'Q AND TaskDueAt >= "2026-03-29T01:30:00Z" AND TaskDueAt < "2026-03-29T02:30:00Z"'
    assert bands[-1] == 'Q AND TaskDueAt >= "2026-04-28T01:30:00Z"'
    for earlier, later in itertools.pairwise(bands[1:]):
        assert earlier.rsplit('"', 2)[-2] == later.split('"')[1]  # each band starts where the last ended
