"""Quoting values into Temporal visibility queries: one rule for the worker's activities and the CLI.

Visibility query strings are single-quoted with no escape that every server version honours, so a
value is put into a query only when it is plainly safe (letters, digits and ``_.:/-``); anything
else is refused, never escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SAFE_VALUE = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")


def quoted(value: str) -> str:
    """``value`` as a query string literal, or ``ValueError`` when it is not safe to put in one."""
    if not SAFE_VALUE.fullmatch(value):
        raise ValueError("a search value may not contain quotes or other than letters, digits and _.:/-")
    return f"'{value}'"


def one_of(values: Iterable[str]) -> str:
    """An ``IN`` list: ``('a', 'b')``."""
    return f"({', '.join(quoted(value) for value in values)})"
