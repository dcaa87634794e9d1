"""`discharge audit verify`'s check: is the access log's hash chain whole, and where does it first break?

A line is whole when it parses as an entry, its ``seq`` is one more than the line before, and its ``prev``
is the SHA-256 of the line before's bytes (the first line: ``GENESIS``). After the last line, the head file
(discharge/audit.py) must name that line's ``seq`` and hash: a deleted or edited last line shows there.
Lines written before the chain existed (no ``seq``) are accepted only as a prefix: the first chained line's
``prev`` seals them, so editing them afterwards breaks the chain too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

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


def verify_chain(path: Path) -> ChainReport:
    if not path.exists():
        return ChainReport(0)
    raw_lines = path.read_bytes().splitlines(keepends=True)
    previous: bytes | None = None
    seq = 0
    chained = False
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.endswith(b"\n"):
            return ChainReport(number, number, "the line is not whole (cut off, or edited without a newline)")
        if not chained and _is_legacy(raw):
            previous = raw
            continue
        chain = _chain_of(raw)
        if chain is None:
            return ChainReport(number, number, "the line is not a readable entry")
        entry_seq, entry_prev = chain
        expected = GENESIS if previous is None else line_hash(previous)
        if entry_prev != expected:
            return ChainReport(
                number, number, f"its prev does not match line {number - 1}: a line was edited or deleted"
            )
        if entry_seq != seq + 1:
            return ChainReport(number, number, f"seq {entry_seq} follows {seq}: a line was deleted")
        chained, seq, previous = True, entry_seq, raw
    return _check_head(path, len(raw_lines), seq, previous if chained else None)


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
