"""`discharge audit verify`'s check: is the access log's hash chain whole, and where does it first break?

A line is whole when it parses as an entry, its ``seq`` is one more than the line before, and its ``prev``
is the SHA-256 of the line before's bytes (the first line: ``GENESIS``). After the last line, the head file
(discharge/audit.py) must name that line's ``seq`` and hash: a deleted or edited last line shows there.
Lines written before the chain existed (no ``seq``) are accepted only as a prefix: the first chained line's
``prev`` seals them, so editing them afterwards breaks the chain too.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from discharge.audit import GENESIS, Head, head_path, line_hash


@dataclass(frozen=True)
class ChainReport:
    """``broken_line`` is the 1-based line number of the first break (None when whole)."""

    lines: int
    broken_line: int | None = None
    problem: str | None = None
    head: Head | None = None

    @property
    def whole(self) -> bool:
        return self.broken_line is None


def _chain_of(raw: bytes) -> tuple[int, str] | None:
    """A line's ``seq`` and ``prev``, or None when it is not an entry (only these two are read: a whole
    entry's validation made checking the log more than twice as slow)."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict) or not {"at", "actor", "action"} <= value.keys():
        return None
    seq, prev = value.get("seq"), value.get("prev")
    return (seq, prev) if isinstance(seq, int) and isinstance(prev, str) else None


def _is_legacy(raw: bytes) -> bool:
    """A line of the log before the chain: an entry object without ``seq`` and ``prev``."""
    try:
        value = json.loads(raw)
    except ValueError:
        return False
    return isinstance(value, dict) and "seq" not in value and "prev" not in value


@dataclass
class _Walk:
    """Where a walk along the chain stands after its last whole line."""

    lines: int = 0
    seq: int = 0
    previous: bytes | None = None
    chained: bool = False


def _walk(raw_lines: list[bytes], walk: _Walk) -> ChainReport | None:
    """Checks ``raw_lines`` as the lines after ``walk`` (moved along them); a report only when broken."""
    for raw in raw_lines:
        number = walk.lines + 1
        if not raw.endswith(b"\n"):
            return ChainReport(number, number, "the line is not whole (cut off, or edited without a newline)")
        if not walk.chained and _is_legacy(raw):
            walk.lines, walk.previous = number, raw
            continue
        chain = _chain_of(raw)
        if chain is None:
            return ChainReport(number, number, "the line is not a readable entry")
        entry_seq, entry_prev = chain
        expected = GENESIS if walk.previous is None else line_hash(walk.previous)
        if entry_prev != expected:
            return ChainReport(
                number, number, f"its prev does not match line {number - 1}: a line was edited or deleted"
            )
        if entry_seq != walk.seq + 1:
            return ChainReport(number, number, f"seq {entry_seq} follows {walk.seq}: a line was deleted")
        walk.lines, walk.chained, walk.seq, walk.previous = number, True, entry_seq, raw
    return None


def verify_chain(path: Path) -> ChainReport:
    """The whole log checked from its first line (`discharge audit verify`)."""
    return ChainVerifier(path).check()


#: Bytes read at a time to re-hash the part of the log already verified.
_CHUNK = 1024 * 1024


class ChainVerifier:
    """Checks the log once, then on each ``check`` only the lines added since (the web page's /audit on
    every view). What it verified is re-hashed (SHA-256 over the bytes: 200,000 lines in about 0.1 s, against
    5 s to read their JSON; bench/audit_chain.py) and compared with the digest it kept, so an old line
    rewritten in place, deleted or cut off is still found; a file of another inode (rotated, replaced) is
    checked from the start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._identity: tuple[int, int] | None = None
        self._size = 0
        self._digest = hashlib.sha256()
        self._walk = _Walk()

    def check(self) -> ChainReport:
        with self._lock:
            return self._check()

    def _check(self) -> ChainReport:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            self._restart(None)
            return ChainReport(0)
        with handle:
            stat = os.fstat(handle.fileno())
            identity = (stat.st_dev, stat.st_ino)
            if identity != self._identity or stat.st_size < self._size or not self._prefix_unchanged(handle):
                self._restart(identity)
                handle.seek(0)
            added = handle.read()
        walk = _Walk(**vars(self._walk))
        broken = _walk(added.splitlines(keepends=True), walk)
        if broken is not None:
            self._restart(None)  # nothing kept: the next check reads it all again
            return broken
        self._size += len(added)
        self._digest.update(added)
        self._walk = walk
        return _check_head(self.path, walk.lines, walk.seq, walk.previous if walk.chained else None)

    def _prefix_unchanged(self, handle: BinaryIO) -> bool:
        digest, left = hashlib.sha256(), self._size
        while left > 0:
            chunk = handle.read(min(_CHUNK, left))
            if not chunk:
                return False
            digest.update(chunk)
            left -= len(chunk)
        return digest.digest() == self._digest.digest()

    def _restart(self, identity: tuple[int, int] | None) -> None:
        self._identity, self._size, self._digest, self._walk = identity, 0, hashlib.sha256(), _Walk()


_verifiers: dict[Path, ChainVerifier] = {}
_verifiers_lock = threading.Lock()


def checked_chain(path: Path) -> ChainReport:
    """The log's chain as of now, checked incrementally by this process's verifier of ``path``."""
    with _verifiers_lock:
        verifier = _verifiers.setdefault(path, ChainVerifier(path))
    return verifier.check()


def _check_head(path: Path, lines: int, seq: int, last: bytes | None) -> ChainReport:
    head_file = head_path(path)
    if last is None:
        return ChainReport(lines)
    try:
        head = Head.model_validate_json(head_file.read_bytes())
    except FileNotFoundError:
        return ChainReport(lines, lines, f"the head file {head_file.name} is missing")
    except ValidationError:
        return ChainReport(lines, lines, f"the head file {head_file.name} is unreadable")
    if head.seq != seq or head.hash != line_hash(last):
        return ChainReport(
            lines,
            lines + 1 if head.seq > seq else lines,
            f"the head names line seq {head.seq}, the log ends at seq {seq}: its last line(s) were "
            "deleted or edited",
            head,
        )
    return ChainReport(lines, head=head)
