"""The access log: who saw or did what to which patient, in a hash chain that shows any deletion or edit.

Patientdatalagen (2008:355) ch. 4 and HSLF-FS 2016:40 ch. 4 require that every access to a patient's data
can be traced to a person and checked afterwards. Every door that shows identity or clinical detail, or
acts on a pathway (the web page, the CLI, the codec server, the HTTP and FHIR doors), calls
``AccessLog.record(...)`` *before* it answers; if the line cannot be written, the door answers nothing.

An entry holds the pseudonymous ``patient_key`` (never an identity), so the log can be shown to ops. Its
fields follow Inera's access-log extract (RIV-TA ``informationsecurity:auditing:log``, AccessLogType of
GetAccessLogsForPatient); the mapping is in docs/audit.md and ``discharge audit export`` writes it.

The file is JSON lines, 0600. Each line carries ``seq`` (1, 2, ...) and ``prev``, the SHA-256 of the whole
previous line's bytes, so deleting or editing any line breaks the chain at the line after it; the head file
beside the log (``<log>.head``) holds the last line's hash and ``seq``, so a deleted last line is found too.
`discharge audit verify` checks both (discharge/audit_chain.py). Appends from several processes are
serialised by an exclusive ``flock`` on the log (read the tail, write one line, fsync, update the head), so
two writers never chain to the same line.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: Inera's purposes (PurposeDescription); care staff read for care, ops for administration.
CARE = "Vård och behandling"
ADMINISTRATION = "Administration"
#: Inera's activity types (ActivityTypeValue) that our doors perform.
READ = "Läsa"
WRITE = "Skriva"
#: ``prev`` of the first line of a log.
GENESIS = "0" * 64
#: How far from the end a last line is looked for (a line is a few hundred bytes).
_TAIL_BYTES = 64 * 1024

Result = Literal["granted", "refused"]


class AuditEntry(BaseModel):
    """One access. ``actor`` is the person's HSA-id (or a process's identity for a system's action)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    actor: str
    role: str
    action: str  # e.g. "decode", "view_identity", "view_pathway", "decide", "acknowledge", "search_identity"
    patient_key: str | None = None
    workflow_id: str | None = None
    detail: str | None = None  # never an identity or free text from a patient's record
    #: The person's care unit or assignment (Inera careUnitId / assignment); None when they have none.
    unit: str | None = None
    purpose: str = CARE
    activity: str = READ
    result: Result = "granted"
    #: Where from: the door and the caller's address or host, e.g. "web 10.1.2.3", "cli host:user".
    origin: str | None = None
    # The chain, set by AccessLog.append: whatever a caller passes is replaced.
    seq: int = 0
    prev: str = GENESIS


class Head(BaseModel):
    """The last line's ``seq`` and hash, kept beside the log: it finds a deleted last line."""

    seq: int
    hash: str


def line_hash(raw: bytes) -> str:
    """The SHA-256 (hex) of one whole line as stored, newline included."""
    return hashlib.sha256(raw).hexdigest()


def head_path(log: Path) -> Path:
    return log.with_name(log.name + ".head")


def _last_line(fd: int) -> bytes | None:
    size = os.fstat(fd).st_size
    if size == 0:
        return None
    start = max(0, size - _TAIL_BYTES)
    tail = os.pread(fd, size - start, start)
    lines = tail.rstrip(b"\n").rsplit(b"\n", 1)
    last = lines[-1] + (b"\n" if tail.endswith(b"\n") else b"")
    return last


def _seq_of(raw: bytes) -> int:
    try:
        seq = json.loads(raw).get("seq", 0)
    except (ValueError, AttributeError):
        return 0  # a torn line (a crash mid-write): the chain still covers its bytes
    return seq if isinstance(seq, int) else 0


def _write_head(log: Path, head: Head) -> None:
    path = head_path(log)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, head.model_dump_json().encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)


class AuditLog:
    """The one access log every process that shows or changes patient data appends to."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def record(
        self,
        *,
        actor: str,
        role: str,
        action: str,
        patient_key: str | None = None,
        unit: str | None = None,
        purpose: str | None = None,
        activity: str = READ,
        result: Result = "granted",
        origin: str | None = None,
        workflow_id: str | None = None,
        detail: str | None = None,
    ) -> AuditEntry:
        """Write one line (fsynced) and return it; raises ``OSError`` when it could not be written.

        ``purpose`` defaults by role: ops reads for administration, everyone else for care.
        """
        return self.record_many(
            [patient_key],
            actor=actor,
            role=role,
            action=action,
            unit=unit,
            purpose=purpose,
            activity=activity,
            result=result,
            origin=origin,
            workflow_id=workflow_id,
            detail=detail,
        )[0]

    def record_many(
        self,
        patient_keys: list[str | None],
        *,
        actor: str,
        role: str,
        action: str,
        unit: str | None = None,
        purpose: str | None = None,
        activity: str = READ,
        result: Result = "granted",
        origin: str | None = None,
        workflow_id: str | None = None,
        detail: str | None = None,
    ) -> list[AuditEntry]:
        """One line per patient key (a listing that shows several), written together with one fsync."""
        entries = [
            AuditEntry(
                actor=actor,
                role=role,
                action=action,
                patient_key=key,
                unit=unit,
                purpose=purpose or (ADMINISTRATION if role == "ops" else CARE),
                activity=activity,
                result=result,
                origin=origin,
                workflow_id=workflow_id if workflow_id is not None else _workflow_of(key),
                detail=detail,
            )
            for key in patient_keys
        ]
        return self.append_many(entries)

    def append(self, entry: AuditEntry) -> AuditEntry:
        """Chain ``entry`` to the last line and append it, under an exclusive lock shared by every writer."""
        return self.append_many([entry])[0]

    def append_many(self, entries: list[AuditEntry]) -> list[AuditEntry]:
        """Chain and append several lines under one lock and one fsync (a listing that shows many
        patients: one line each, written together before the answer)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        chained_entries: list[AuditEntry] = []
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd)
            prefix = b""
            if last is not None and not last.endswith(b"\n"):
                prefix = b"\n"  # a torn line stays, whole-line separated; verify names it
                last += b"\n"
            lines = b""
            for entry in entries:
                chained = entry.model_copy(
                    update={
                        "seq": (_seq_of(last) if last else 0) + 1,
                        "prev": line_hash(last) if last else GENESIS,
                    }
                )
                last = (chained.model_dump_json() + "\n").encode("utf-8")
                lines += last
                chained_entries.append(chained)
            if not chained_entries or last is None:
                return chained_entries
            os.write(fd, prefix + lines)
            os.fsync(fd)
            _write_head(self.path, Head(seq=chained_entries[-1].seq, hash=line_hash(last)))
        finally:
            os.close(fd)  # closing releases the lock
        return chained_entries

    def entries(self) -> Iterator[AuditEntry]:
        """Every readable entry, oldest first; a torn line (a crash mid-write) is skipped here."""
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


def _workflow_of(patient_key: str | None) -> str | None:
    if patient_key is None:
        return None
    from events.identity import workflow_id_for  # one home of the workflow id's form

    return workflow_id_for(patient_key)


#: The name the doors use: one access log.
AccessLog = AuditLog
