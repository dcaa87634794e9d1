"""The one way our processes hear "stop": SIGTERM (a service manager) and SIGINT (Ctrl-C).

Each long-running process (worker, gateway, `discharge dev`, the `worker`/`gateway` commands) reacts to
a stop signal while it runs and must give the signal back afterwards, so the handler is set up and
removed in one place. A handler set later for the same signal replaces an earlier one (asyncio keeps
one per signal): the innermost process part decides how to stop gracefully.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

#: A service manager's stop and Ctrl-C.
STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def on_stop_signals(
    callback: Callable[[], object], signals: Sequence[signal.Signals] = STOP_SIGNALS
) -> Iterator[None]:
    """Call ``callback`` on any of ``signals`` while the block runs (in the running event loop)."""
    loop = asyncio.get_running_loop()
    for sig in signals:
        loop.add_signal_handler(sig, callback)
    try:
        yield
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
