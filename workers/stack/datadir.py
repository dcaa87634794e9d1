"""The embedded stack's data dir: Temporal's SQLite file, NATS's JetStream store, and the stack's lock.

Deleting the directory (`make reset-data`) resets everything. It is its owner's alone: the directory 0700
and every file in it 0600 (Temporal's database and its WAL files, the read model, the access log, the
sessions, the keys): the supervisor's umask (discharge/files.py) makes its children create them so, and a
data dir left by an older version is tightened at start.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TextIO

from discharge.files import OWNER_ONLY_UMASK, tighten


class StackError(Exception):
    """The stack cannot start; the message is one line an operator can act on."""


class DataDir:
    """Where the embedded stack keeps its state; deleting the directory resets everything."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.temporal_db = self.root / "temporal.db"
        self.nats_dir = self.root / "nats"
        self.jetstream = self.nats_dir / "jetstream"
        self.nats_conf = self.nats_dir / "nats.conf"
        self.lock_file = self.root / "stack.lock"
        self._lock: TextIO | None = None

    def prepare(self) -> None:
        os.umask(OWNER_ONLY_UMASK)  # inherited by every child: the servers create their files 0600 too
        self.jetstream.mkdir(parents=True, exist_ok=True)
        tighten(self.root)

    def lock(self) -> None:
        """One stack per data dir: two would share Temporal's SQLite file and NATS's store. The kernel
        drops the lock when the process ends, however it ends, so a crash never leaves it stale."""
        handle = self.lock_file.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "?"
            handle.close()
            raise StackError(
                f"the data dir {self.root} is in use by another `discharge dev` (pid {owner}); "
                "stop it, or give this one its own DISCHARGE_DATA_DIR"
            ) from None
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock = handle

    def unlock(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None
