"""When a failed webhook delivery is tried again, and when it is given up: a pure schedule.

Exponential backoff (the first retry after ``first``, each wait twice the one before, at most ``cap``) until
the waits planned so far add up to ``budget``: the last attempt is made at least ``budget`` after the first,
whatever the jitter, since jitter only lengthens a wait. The schedule is a function of the attempts made
(JetStream's ``num_delivered``, kept by the consumer), so a restarted sender carries on where it was.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

#: Up to this share is added to each wait, so that receivers that failed together are not retried together.
JITTER = 0.1


@dataclass(frozen=True)
class RetrySchedule:
    first: timedelta
    cap: timedelta
    budget: timedelta

    def wait_after(self, attempts: int) -> timedelta:
        """The planned wait after the ``attempts``-th attempt failed (1 for the first)."""
        exponent = min(max(attempts - 1, 0), 40)  # 2**40 first-waits is past any cap: no overflow
        wait: timedelta = self.first * 2**exponent
        return min(wait, self.cap)

    def waited_before(self, attempts: int) -> timedelta:
        """The planned waits before the ``attempts``-th attempt, added up."""
        return sum((self.wait_after(n) for n in range(1, attempts)), timedelta())

    def gives_up_after(self, attempts: int) -> bool:
        """True when the ``attempts``-th failed attempt is the last: the waits before it reached budget."""
        return self.waited_before(attempts) >= self.budget

    def attempts_in_all(self) -> int:
        """How many attempts a delivery that never succeeds gets (for the docs and the log)."""
        attempts = 1
        while not self.gives_up_after(attempts):
            attempts += 1
        return attempts

    def jittered_wait_after(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait, jitter added; a receiver's ``Retry-After`` lengthens the wait up to ``cap``."""
        wait = self.wait_after(attempts).total_seconds()
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap.total_seconds()))
        return wait * (1 + random.uniform(0, JITTER))
