"""One supervised child process: started in its own session, its output relayed, stopped for sure.

Each child gets a new session (and so its own process group): a Ctrl-C on the terminal reaches only
the supervisor, which then stops the children in order, and a signal to the group also reaches
anything the child itself started. On Linux each child also asks the kernel for a SIGTERM when the
supervisor dies, so even a supervisor killed with SIGKILL (the OOM killer, `kill -9`) leaves no
server running on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import os
import signal
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from workers.stack.relay import Relay, relay_structured
from workers.stack.secrets import env_for

_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _terminate_with(parent: int) -> None:
    """Runs in the child between fork and exec: one system call, no Python-level locks."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the supervisor died before the request was in place
        os._exit(1)


@dataclass(frozen=True)
class ChildSpec:
    name: str  # the log component and the name the supervisor reports, e.g. "gateway"
    command: Sequence[str]
    env: Mapping[str, str] | None = None  # the whole environment; None inherits the supervisor's
    relay: Relay = relay_structured
    cwd: str | None = None
    # The Temporal dev server reports its own shutdown as a stream of errors (cancelled polls,
    # heartbeats): once we stop it on purpose, its output goes to debug.
    quiet_when_stopping: bool = False


@dataclass
class Child:
    spec: ChildSpec
    process: asyncio.subprocess.Process | None = None
    # The last lines of output, for the report when the child dies unexpectedly.
    last_lines: deque[str] = field(default_factory=lambda: deque(maxlen=5))
    _pump: asyncio.Task[None] | None = None
    _stopping: bool = False
    started_at: datetime | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError(f"{self.name} has not been started")
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.returncode

    async def start(self) -> None:
        self.started_at = datetime.now(UTC)
        self.process = await asyncio.create_subprocess_exec(
            *self.spec.command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            # Only the secrets this part reads (workers/stack/secrets.py), whatever the supervisor holds.
            env=env_for(self.name, self.spec.env if self.spec.env is not None else os.environ),
            cwd=self.spec.cwd,
            start_new_session=True,
            preexec_fn=functools.partial(_terminate_with, os.getpid()),
        )
        self._pump = asyncio.create_task(self._relay_output(), name=f"relay-{self.name}")

    async def _relay_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode("utf-8", errors="replace").rstrip("\n")
            if line.strip():
                self.last_lines.append(line)
            try:
                if self._stopping and self.spec.quiet_when_stopping:
                    structlog.get_logger().debug(line, component=self.name)
                else:
                    self.spec.relay(self.name, line)
            except OSError:
                # Our own output is gone (the terminal closed, a pipe reader died): keep draining, so
                # the child never blocks on a full pipe and can still be stopped cleanly.
                continue

    async def wait(self) -> int:
        """Until the process has exited and its last output has been relayed."""
        if self.process is None:
            raise RuntimeError(f"{self.name} has not been started")
        code = await self.process.wait()
        if self._pump is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._pump), 2)
        return code

    async def stop(self, grace: float) -> int | None:
        """SIGTERM to the child's process group; SIGKILL whatever is left after ``grace`` seconds."""
        if self.process is None:
            return None
        self._stopping = True
        began, killed = asyncio.get_running_loop().time(), False
        if self.process.returncode is None:
            self._signal_group(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), grace)
            except TimeoutError:
                killed = True
                self._signal_group(signal.SIGKILL)
        code = await self.wait()
        # The leader is gone; make sure nothing it started outlives it.
        self._signal_group(signal.SIGKILL)
        # How long each child took to stop, and whether it had to be killed: a slow stop names its part.
        seconds = round(asyncio.get_running_loop().time() - began, 1)
        say = structlog.get_logger().bind(component="supervisor")
        with contextlib.suppress(OSError):
            if killed:
                say.warning(
                    f"{self.name} did not stop within {grace:g} s; killed", part=self.name, seconds=seconds
                )
            else:
                say.info(f"{self.name} stopped", part=self.name, seconds=seconds)
        return code

    async def kill(self) -> int:
        """SIGKILL the whole group at once, no goodbye (the soak bench's crash); wait until it is gone."""
        self._signal_group(signal.SIGKILL)
        return await self.wait()

    def _signal_group(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)
