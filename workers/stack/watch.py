"""After start, is every part still serving? One alive but not ready for too long stops the stack, saying why.

A part can be alive and useless: a gateway whose NATS connection the server closed answered `/healthz` 200
and `/readyz` 503 while thousands of events waited, and the supervisor, which only noticed exits, stayed
quiet. So once the stack is ready the supervisor keeps asking each part its readiness (`parts.watch_check`:
its own `/readyz` where it has one, else the check it passed at start), and a part that fails every answer
for `DEFAULT_PATIENCE` is treated like a part that exited: the whole stack stops, naming the part and its
last answer. Stopping, not restarting, for the reason a dying child stops the stack (supervisor.py): on a
developer's machine a loud stop is found at once, a restart loop can hide a fault; production's service
manager restarts a process on its own probes. The parts themselves ride out what is expected to pass
(NATS or Temporal restarting, a connection the server closed) well within the patience.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import NoReturn

from workers.stack.health import CHECK_TIMEOUT

#: How long a part may fail every readiness answer before the stack stops.
DEFAULT_PATIENCE = 60.0
#: How often each part is asked.
DEFAULT_EVERY = 5.0

Check = Callable[[], Awaitable[bool]]


class PartNotReady(Exception):
    """``part`` answered no readiness check for ``seconds``; ``last_answer`` is what it said last."""

    def __init__(self, part: str, seconds: float, last_answer: str) -> None:
        super().__init__(f"{part} alive but not ready for {seconds:.0f}s ({last_answer})")
        self.part = part
        self.seconds = seconds
        self.last_answer = last_answer


async def answer(check: Check, timeout: float = CHECK_TIMEOUT) -> str | None:
    """None when ready, else why not (a check that hangs, like a stopped process, counts as not ready)."""
    try:
        async with asyncio.timeout(timeout):
            return None if await check() else "not ready"
    except TimeoutError:
        return f"no answer within {timeout:.0f}s"
    except Exception as error:
        return f"{type(error).__name__}: {error}"


async def watch_readiness(
    checks: Mapping[str, Check], *, patience: float = DEFAULT_PATIENCE, every: float = DEFAULT_EVERY
) -> NoReturn:
    """Ask every part every ``every`` seconds; raise `PartNotReady` for the first one failing for
    ``patience`` seconds in a row. Never returns otherwise."""
    loop = asyncio.get_running_loop()
    failing_since: dict[str, float] = {}
    while True:
        for part, check in checks.items():
            problem = await answer(check, timeout=min(CHECK_TIMEOUT, max(every, 1.0)))
            if problem is None:
                failing_since.pop(part, None)
                continue
            since = failing_since.setdefault(part, loop.time())
            if loop.time() - since >= patience:
                raise PartNotReady(part, loop.time() - since, problem)
        await asyncio.sleep(every)
