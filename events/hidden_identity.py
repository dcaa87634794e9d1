"""A patient's identity where none belongs: in an event's ``id``, ``source``, ``episode_id``, an HSA-id, or
the NATS subject. Those fields reach what identities never may: Temporal's plain-text stores, the read
model, logs, dead-letter headers. The one rule (docs/identity.md, "Identity in other fields"):

A text *holds an identity* when somewhere in it stands a run of digits, not touching other digits, that is

* 12 digits ``YYYYMMDDNNNN`` (or ``YYYYMMDD-NNNN`` / ``+``), a year 1800-2099, and a valid personnummer,
  samordningsnummer (day + 60) or Region Halland reservnummer (day 32-59) by ``parse_identity``'s rules
  (a real date, serial not 000, the Luhn check digit), or
* 10 digits ``YYMMDDNNNN`` (or ``YYMMDD-NNNN`` / ``+``) that is one of those in the 1800s, 1900s or 2000s,
  unless a hexadecimal letter (a-f) touches it: such digits are part of a UUID or a hash, where a random
  10-digit run would otherwise read as a valid number in about one UUID in 6,700.

Other letters and characters around it do not hide it (``HS191212121212x``, ``EP-1212121212`` hold one); a
longer run of digits (11, or 13 and more) is not read as one, nor are digits split by anything but one
``-`` or ``+``. Random digits pass by chance: a bare 10-digit number is a valid date and check digit about
once in 90, so a sender whose episode ids are bare 10-digit numbers will see that share refused (more
digits, or 12 with a year outside 1800-2099, do not collide). The reasons name the field, never the number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from events.identity import InvalidIdentity, parse_identity

_CANDIDATE = re.compile(r"(?<!\d)(?:(\d{4})(\d{4})|(\d{6}))[-+]?(\d{4})(?!\d)")
_CENTURIES = ("18", "19", "20")
_HEX_LETTERS = frozenset("abcdefABCDEF")
#: What a dead-letter header or a log line shows instead of a text that holds an identity.
WITHHELD = "(withheld: holds a personal identity number)"
#: The reason for a field that holds one (after the field's name, as every reason names its field).
HOLDS_IDENTITY = (
    "holds what reads as a Swedish personal identity number (personnummer or samordningsnummer): "
    "a patient's identity goes in data.patient.id only"
)
#: Fields of ``data`` that are free text (kept encrypted, never forwarded nor logged): not identifiers.
FREE_TEXT_FIELDS = frozenset({"note", "summary", "reason", "comment", "detail"})


def _valid(twelve: str) -> bool:
    try:
        parse_identity(twelve)
    except InvalidIdentity:
        return False
    return True


def holds_identity(text: str) -> bool:
    """Whether ``text`` holds a personnummer, samordningsnummer or Halland reservnummer (the rule above)."""
    for match in _CANDIDATE.finditer(text):
        year, month_day, short, serial = match.groups()
        if year is not None:
            if 1800 <= int(year) <= 2099 and _valid(year + month_day + serial):
                return True
        elif not _touches_hex(text, match) and any(_valid(c + short + serial) for c in _CENTURIES):
            return True
    return False


def _touches_hex(text: str, match: re.Match[str]) -> bool:
    before = text[match.start() - 1] if match.start() > 0 else ""
    after = text[match.end()] if match.end() < len(text) else ""
    return before in _HEX_LETTERS or after in _HEX_LETTERS


def shown(text: str) -> str:
    """``text`` as a header or log line may show it: itself, or ``WITHHELD``."""
    return WITHHELD if holds_identity(text) else text


def fields_holding_identity(envelope: Mapping[str, Any], data: Mapping[str, Any]) -> list[str]:
    """The names (``id``, ``data.episode_id`` …) of an event's identifier fields that hold an identity:
    the envelope's ``id`` and ``source``, and every text field of ``data`` but the patient and free text."""
    found = [name for name in ("id", "source") if isinstance(envelope.get(name), str)]
    found = [name for name in found if holds_identity(envelope[name])]
    for name, value in data.items():
        if name == "patient" or name in FREE_TEXT_FIELDS or not isinstance(value, str):
            continue
        if holds_identity(value):
            found.append(f"data.{name}")
    return found
