"""One access-log line per look at a pathway in the Temporal UI, not one per decode request.

The UI posts a pathway's history to the codec server in many requests (the review counted 37 for one page:
each event's payloads, the memo, the summaries). The access log records who read which patient's data, so
the first decode of a person's look at a patient writes the line, before its answer; the decodes that
follow within ``LOOK_SECONDS`` by the same person of the same patient are that same look, covered by it.
A look after the window, another patient, or another person writes a new line. The memory is per process
and bounded by the window (a restart at worst writes one line more).
"""

from __future__ import annotations

import time
from collections.abc import Callable

#: How long after a look's line further decodes of the same patient by the same person belong to it.
LOOK_SECONDS = 60.0


class Looks:
    def __init__(self, window: float = LOOK_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._recorded: dict[tuple[str, str | None], float] = {}

    def new(self, actor: str, patient_keys: list[str | None]) -> list[str | None]:
        """The patients of this decode that no line of ``actor``'s covers yet; remembers them as covered."""
        now = self._clock()
        self._recorded = {seen: at for seen, at in self._recorded.items() if now - at < self._window}
        fresh = [key for key in patient_keys if (actor, key) not in self._recorded]
        for key in fresh:
            self._recorded[(actor, key)] = now
        return fresh

    def forget(self, actor: str, patient_keys: list[str | None]) -> None:
        """A line that could not be written covers nothing: the next decode tries again."""
        for key in patient_keys:
            self._recorded.pop((actor, key), None)
