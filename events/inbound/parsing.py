"""Parsing raw bytes into an inbound event, with a reason a person can act on when it fails."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

from pydantic import ValidationError

from events.hidden_identity import HOLDS_IDENTITY, fields_holding_identity
from events.inbound.envelopes import (
    EVENT_CLASSES,
    INBOUND_ADAPTER,
    INBOUND_TYPES,
    InboundEvent,
    MessageAcknowledged,
)
from events.inbound.receipts import WRONG_SENDER, foreign_receipt


class InvalidEvent(ValueError):
    """An inbound event that cannot be accepted; ``reason`` is what a person can act on."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind  # not_json | unknown_type | schema_violation | clock_error | wrong_sender
        self.reason = reason


#: An unknown field named like a field (letters and underscores) is named back; anything else is not.
_FIELD_NAME = re.compile(r"[A-Za-z_]{1,40}")


def describe_validation_error(error: ValidationError) -> str:
    """Name every failing field (``data.patient.id: not a valid personnummer: ...``).

    Pydantic's own message would echo the input value, which can be a personnummer: we never
    repeat input values in a reason, because reasons go to logs and dead-letter headers.
    """
    problems = []
    for problem in error.errors(include_url=False, include_input=False):
        # The discriminator puts the type name in the location: drop it, it is not a field.
        loc = [str(part) for part in problem["loc"] if str(part) not in EVENT_CLASSES]
        if problem["type"] == "extra_forbidden" and loc and not _FIELD_NAME.fullmatch(loc[-1]):
            # The name is the sender's text: repeated only when it looks like a (misspelt) field name.
            loc[-1] = "(a field not in the contract)"
        message = str(problem["msg"]).removeprefix("Value error, ")
        problems.append(f"{'.'.join(loc) or '(event)'}: {message}")
    return "; ".join(problems)


#: RFC 8259 §8.1: JSON exchanged between systems is UTF-8, and a sender must not add a byte order mark.
_UTF8_BOM = b"\xef\xbb\xbf"


def check_utf8(raw: bytes) -> None:
    """Refuse JSON in another encoding, which ``json.loads`` would otherwise guess and accept.

    UTF-16 and UTF-32 are recognised by the zero bytes of their first characters (``json.detect_encoding``,
    the standard library's own rule). A UTF-8 byte order mark is refused too, although RFC 8259 lets a
    parser ignore it: the body is kept and replayed byte for byte (dead letters, other readers of the
    stream), and strict parsers elsewhere (Go's ``encoding/json``) refuse it.
    """
    if raw.startswith(_UTF8_BOM):
        raise InvalidEvent(
            "not_json",
            "the message is not JSON as RFC 8259 asks: it starts with a byte order mark "
            "(send UTF-8 without one)",
        )
    encoding = json.detect_encoding(raw)
    if encoding != "utf-8":
        raise InvalidEvent(
            "not_json",
            f"the message is not JSON in UTF-8 (RFC 8259 allows no other): it is {encoding.upper()}",
        )


def parse_inbound(
    raw: bytes | str,
    *,
    now: datetime | None = None,
    future_tolerance: timedelta = timedelta(minutes=5),
) -> InboundEvent:
    """Parse and validate one inbound CloudEvent, or raise ``InvalidEvent`` with a specific reason."""
    if isinstance(raw, bytes):
        check_utf8(raw)
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InvalidEvent("not_json", f"the message is not JSON ({error.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise InvalidEvent("not_json", "the message is JSON but not an object")
    event_type = document.get("type")
    # Checked as a string first: a list or an object is unhashable. Never quoted: it can be anything.
    if not isinstance(event_type, str) or event_type not in EVENT_CLASSES:
        raise InvalidEvent(
            "unknown_type",
            f"type: not an event type of the contract; expected one of: {', '.join(INBOUND_TYPES)}",
        )
    try:
        event = INBOUND_ADAPTER.validate_python(document)
    except ValidationError as error:
        raise InvalidEvent("schema_violation", describe_validation_error(error)) from None
    if hiding := fields_holding_identity(document, document.get("data") or {}):
        raise InvalidEvent("schema_violation", "; ".join(f"{name}: {HOLDS_IDENTITY}" for name in hiding))
    if isinstance(event, MessageAcknowledged) and (
        why := foreign_receipt(event.source, event.data.recipient)
    ):
        raise InvalidEvent(WRONG_SENDER, why)
    if now is not None and event.time - now > future_tolerance:
        raise InvalidEvent(
            "clock_error",
            f"time: more than {future_tolerance} ahead of the gateway's clock: the sender's clock is wrong",
        )
    return event


def patient_of(event: InboundEvent) -> str:
    """The canonical patient identity of an inbound event (already validated)."""
    return event.data.patient.id


def episode_of(event: InboundEvent) -> str | None:
    return getattr(event.data, "episode_id", None)
