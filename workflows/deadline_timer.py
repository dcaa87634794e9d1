"""The pathway's one durable timer, kept while its deadline does not move (issue 26).

Before `kept-deadline-timer` the workflow waited with ``wait_condition(timeout=...)``: every event ended
that wait, which cancelled its timer, and the next wait started a new one for the same deadline: two
history events, two commands and a server timer write per event for nothing. This timer is started once
per deadline and cancelled only when the deadline moves or goes away.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from temporalio import workflow


class DeadlineTimer:
    def __init__(self) -> None:
        self._at: datetime | None = None
        self._timer: asyncio.Task[None] | None = None

    @property
    def fired(self) -> bool:
        return self._timer is not None and self._timer.done()

    def wait_until(self, at: datetime, summary: str) -> None:
        """A timer for ``at``: the running one when it is for ``at`` already, else a new one."""
        if self._timer is not None and self._at == at and not self._timer.done():
            return
        self.cancel()
        self._at = at
        self._timer = asyncio.create_task(workflow.sleep(at - workflow.now(), summary=summary))

    def cancel(self) -> None:
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer, self._at = None, None
