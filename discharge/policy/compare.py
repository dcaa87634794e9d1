"""What a policy file changes from Region Halland's default: one line per setting that differs."""

from __future__ import annotations

from typing import Any

from discharge.policy.file import PolicyFile


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested ``model_dump(mode="json")`` as dotted keys (lists kept whole: opening hours read as one)."""
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, item in value.items():
            found.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return found
    return {prefix: value}


def differences(file: PolicyFile, default: PolicyFile) -> list[tuple[str, Any, Any]]:
    """(dotted key, the default's value, the file's value) for each key that differs, sorted by key;
    a value absent on one side is None."""
    mine, theirs = flatten(file.model_dump(mode="json")), flatten(default.model_dump(mode="json"))
    return [
        (key, theirs.get(key), mine.get(key))
        for key in sorted(set(mine) | set(theirs))
        if mine.get(key) != theirs.get(key)
    ]


def describe(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return "[" + ", ".join(_span_text(item) for item in value) + "]"
    return str(value)


def _span_text(item: Any) -> str:
    """A span as the file writes it ("08:00-17:00"), anything else as itself."""
    if isinstance(item, dict) and set(item) == {"start", "end"}:
        return f"{_clock(item['start'])}-{_clock(item['end'])}"
    return str(item)


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
