"""What the doors' benchmark charges to whom on a machine it shares: CPU time per process, and a quiet stack
before each measured run.

On 2 cores the sender (this process), NATS, the door and the stack digesting what was stored (gateway,
worker, Temporal) all compete. A run measured while the stack still digests the run before it is charged
for that run's events: `quiet` waits until the stream's consumers (the gateway's) have nothing pending
and the stack's processes are idle. `CpuMeter` reads each process's CPU time from ``/proc`` so a run's
figures say where the machine's time went, the sender's own included.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from nats.js import JetStreamContext

from events.streams import INBOUND_STREAM

#: The stack is idle when all its processes together use less than this share of one core.
IDLE_SHARE = 0.15


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU time so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds per named process (``sender`` is this process) over one run."""

    seconds: Mapping[str, float]

    def per_event(self, name: str, events: int) -> float:
        return self.seconds.get(name, 0.0) / events * 1000

    def line(self, events: int) -> str:
        parts = ", ".join(f"{name} {self.per_event(name, events):.2f}" for name in self.seconds)
        return f"CPU ms per event: {parts}; all {sum(self.seconds.values()) / events * 1000:.2f}"


class CpuMeter:
    """Each process's CPU seconds from `start` to `stop` (and this process's own, as ``sender``)."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self._pids = dict(pids)
        self._before: dict[str, float] = {}

    def _now(self) -> dict[str, float]:
        now = {name: cpu_seconds(pid) for name, pid in self._pids.items()}
        now["sender"] = time.process_time()
        return now

    def start(self) -> None:
        self._before = self._now()

    def stop(self) -> CpuUse:
        after = self._now()
        return CpuUse({name: after[name] - self._before[name] for name in after})


async def caught_up(js: JetStreamContext) -> bool:
    """Whether the stream's consumers (the gateway's) have taken and settled every stored event."""
    consumers = await js.consumers_info(INBOUND_STREAM)
    return all(not (info.num_pending or info.num_ack_pending) for info in consumers)


async def drained(js: JetStreamContext, timeout: float = 300.0) -> float:
    """Seconds until the gateway has delivered (or refused) every stored event to its pathway."""
    started = time.perf_counter()
    while not await caught_up(js):
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"the gateway did not catch up within {timeout:.0f} s")
        await asyncio.sleep(0.2)
    return time.perf_counter() - started


async def quiet(js: JetStreamContext, pids: Mapping[str, int], timeout: float = 300.0) -> float:
    """Wait until the gateway has taken and settled every stored event and the stack is idle (the
    seconds waited)."""
    started = time.perf_counter()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if await caught_up(js):
            before = sum(cpu_seconds(pid) for pid in pids.values())
            await asyncio.sleep(1.0)
            if sum(cpu_seconds(pid) for pid in pids.values()) - before < IDLE_SHARE:
                return time.perf_counter() - started
        else:
            await asyncio.sleep(0.5)
    raise TimeoutError(f"the stack did not go quiet within {timeout:.0f} s")


@contextmanager
def held(pid: int | None) -> Iterator[None]:
    """The process stopped (SIGSTOP) for the block and continued after (SIGCONT); nothing for ``None``.

    The gateway held while a run stores events measures ingest alone: what it stored is digested after the
    run, before the next one (`quiet`), rather than during the run, where it would take the cores of
    whichever path runs longer."""
    if pid is None:
        yield
        return
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)
