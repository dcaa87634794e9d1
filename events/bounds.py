"""Size and nesting bounds of an inbound message, checked on the bytes before any JSON parser sees them.

``json.loads`` recurses once per nesting level: a message nested a few thousand levels deep raises
``RecursionError`` (not a ``JSONDecodeError``), and one a few hundred levels deep parses but cannot be
serialised for Temporal. No event of the contract is more than a handful of levels deep or more than a
few kilobytes long, so both are bounded generously and cheaply here: one regular-expression scan over
the structural characters, strings skipped, no recursion.

Dates are bounded too (`check_year`, applied to every timestamp field by ``events.fields.Timestamp``): a
discharge "corrected" to year 9999 would pass RFC 3339 and then overflow the pathway's date arithmetic.
"""

from __future__ import annotations

import re
from datetime import datetime

#: Largest accepted message. The longest contract event (a concern's 4,000-character summary, an
#: extension's reason) is under 10 KiB; Temporal warns from 256 KiB per payload.
MAX_EVENT_BYTES = 64 * 1024
#: Deepest accepted nesting of objects and arrays. The contract needs 3 (``data.patient.id``); extension
#: attributes may add a little structure of their own.
MAX_EVENT_DEPTH = 32

#: The calendar years a clinical time may fall in. Patients alive today were born after 1900 and no
#: deadline reaches past 2100; anything outside is a sender's error, and the pathway adds days and months
#: to these times (a year 9999 overflows `datetime`).
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100

# A backslash escape (skipped as a pair, so an escaped quote does not end a string), a quote, or a bracket.
_TOKENS = re.compile(rb'\\.|"|[\[\]{}]', re.DOTALL)


class OutOfBounds(ValueError):
    """The message is too large or too deeply nested; ``reason`` says which bound (never the content)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def nesting_depth(raw: bytes, stop_above: int | None = None) -> int:
    """The deepest nesting of ``{``/``[`` outside strings (0 for a scalar). Malformed JSON gives some
    number too; the parser refuses it afterwards. Stops counting once ``stop_above`` is exceeded."""
    depth = deepest = 0
    in_string = False
    for match in _TOKENS.finditer(raw):
        token = match.group()
        if token == b'"':
            in_string = not in_string
        elif in_string or token[0] == 0x5C:  # inside a string, or an escape outside one (invalid anyway)
            continue
        elif token in (b"{", b"["):
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    return deepest
        else:
            depth -= 1
    return deepest


def check_bounds(raw: bytes, max_bytes: int = MAX_EVENT_BYTES, max_depth: int = MAX_EVENT_DEPTH) -> None:
    """Raise `OutOfBounds` for a message too large or too deep to be an event of the contract."""
    if len(raw) > max_bytes:
        raise OutOfBounds(f"the message is {len(raw)} bytes, more than the {max_bytes} an event may have")
    # Nothing nests deeper than the brackets it opens: counting them is C speed, while the exact scan is a
    # Python loop (a tenth of a millisecond per event at the doors and the gateway): needed only past it.
    openers = raw.count(b"{") + raw.count(b"[")
    if openers > max_depth and nesting_depth(raw, stop_above=max_depth) > max_depth:
        raise OutOfBounds(f"the message nests objects or arrays more than {max_depth} levels deep")


def check_year(value: datetime) -> datetime:
    """A pydantic after-validator: the time's year (as written, in its own offset) within the bounds.
    The message names the rule, never the value: reasons go to logs and dead-letter headers."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"a date from year {EARLIEST_YEAR} to {LATEST_YEAR} is expected")
    return value
