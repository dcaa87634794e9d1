"""The access log: who saw or did what to which patient, appended and never rewritten.

Patientdatalagen (HSLF-FS 2016:40) requires every access to a patient's data to be logged. The codec
server (a decode in the Temporal UI), the coordinators' web page (a view of an identity, a decision, an
acknowledgement) and the CLI's ops actions all append here, to one file of JSON lines. An entry holds the
pseudonymous ``patient_key`` (never an identity), so the log itself can be shown to ops.

Appends are single ``write`` calls on a file opened with ``O_APPEND`` and fsynced, so several processes
can share one log without interleaving lines, and an entry that was reported written survives a crash.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class AuditEntry(BaseModel):
    """One access. ``actor`` is an HSA-id (or a Temporal client identity for ops actions)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    actor: str
    role: str
    action: str  # e.g. "decode", "view_identity", "decide", "acknowledge", "ops_decide"
    patient_key: str | None = None
    workflow_id: str | None = None
    detail: str | None = None  # never an identity or free text from a patient's record


class AuditLog:
    """An append-only JSON-lines file shared by every process that shows or changes patient data."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, entry: AuditEntry) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (entry.model_dump_json() + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, oldest first; a torn last line (a crash mid-write) is skipped."""
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            for raw in handle:
                try:
                    yield AuditEntry.model_validate(json.loads(raw))
                except ValueError:
                    continue

    def newest(self, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
        """A page of entries, newest first."""
        every = list(self.entries())
        every.reverse()
        return every[offset : offset + limit]
