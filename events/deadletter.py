"""Dead letters: inbound messages the gateway could not accept, kept with a reason someone can act on.

A dead letter is the original message, byte for byte, on ``deadletter.<the subject it came on>`` in the
``DISCHARGE_DEADLETTER`` stream; why it was refused travels in headers, so the body can be fixed and
replayed as is (``discharge publish``). A body longer than `MAX_KEPT_BODY` is kept only up to it, with the
original's size and SHA-256 in headers (`kept_body`): a dead letter must fit the server's ``max_payload``
with its headers, or the server closes the publisher's connection and intake stops behind one message.
Reasons never repeat input values (see ``describe_validation_error``): they end up in logs and in headers
anyone with stream access can read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol, runtime_checkable

from events.bounds import MAX_EVENT_BYTES
from events.hidden_identity import holds_identity, shown

DEADLETTER_PREFIX = "deadletter."

HEADER_KIND = "Discharge-Error-Kind"
HEADER_REASON = "Discharge-Error-Reason"
HEADER_SUBJECT = "Discharge-Original-Subject"
HEADER_FAILED_AT = "Discharge-Failed-At"
HEADER_DELIVERIES = "Discharge-Deliveries"
HEADER_STREAM_SEQUENCE = "Discharge-Original-Sequence"
HEADER_MSG_ID = "Discharge-Original-Msg-Id"
HEADER_ORIGINAL_SIZE = "Discharge-Original-Size"
HEADER_ORIGINAL_SHA256 = "Discharge-Original-Sha256"
HEADER_TRUNCATED = "Discharge-Body-Truncated"

#: Why a message was refused. ``too_large`` (size or nesting beyond `events.bounds`) and the next five come
#: from the gateway's checks (``wrong_sender``: a receipt for another receiver's delivery);
#: ``delivery_failed`` after retries; ``no_pathway`` from the worker, for events held for a pathway that
#: never opened (docs/pathway.md).
ErrorKind = Literal[
    "too_large",
    "not_json",
    "unknown_type",
    "schema_violation",
    "clock_error",
    "wrong_subject",
    "wrong_sender",
    "delivery_failed",
    "no_pathway",
]

#: NATS headers are single lines; a very long reason is cut (the full list of problems is rarely needed).
MAX_REASON_LENGTH = 2000
_LINE_BREAKS = re.compile(r"[\r\n]+")


#: The most of a refused body a dead letter keeps: the largest message an event may be (events/bounds.py),
#: so every body the gateway could have accepted is kept whole, and a larger one is kept in part, enough to
#: see what it was. Far below NATS's default ``max_payload`` (1 MiB), which counts headers too.
MAX_KEPT_BODY = MAX_EVENT_BYTES
#: Room left for the headers the publishing client adds of its own (FastStream's correlation id, ...).
CLIENT_HEADERS_ROOM = 1024
#: Where a message whose subject holds a personal identity number is parked (a subject is stored and shown
#: in plain text: events/hidden_identity.py).
WITHHELD_SUBJECT = "events.withheld"


def deadletter_subject(subject: str) -> str:
    return DEADLETTER_PREFIX + (WITHHELD_SUBJECT if holds_identity(subject) else subject)


def header_safe(text: str, limit: int = MAX_REASON_LENGTH) -> str:
    """One line, bounded: a header value must not contain CR/LF."""
    flat = _LINE_BREAKS.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class DeadLetter:
    """Why one inbound message was refused."""

    kind: str
    reason: str
    subject: str
    failed_at: datetime
    deliveries: int
    stream_sequence: int | None = None
    msg_id: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {
            HEADER_KIND: self.kind,
            HEADER_REASON: header_safe(shown(self.reason)),
            HEADER_SUBJECT: shown(self.subject),
            HEADER_FAILED_AT: self.failed_at.isoformat(),
            HEADER_DELIVERIES: str(self.deliveries),
        }
        if self.stream_sequence is not None:
            headers[HEADER_STREAM_SEQUENCE] = str(self.stream_sequence)
            # A gateway that dies between dead-lettering and acking redoes both: store the letter once.
            headers["Nats-Msg-Id"] = f"deadletter {self.stream_sequence}"
        if self.msg_id:
            headers[HEADER_MSG_ID] = header_safe(shown(self.msg_id), 512)
        return headers

    @classmethod
    def from_headers(cls, headers: dict[str, str]) -> DeadLetter:
        """Read a dead letter's headers back (for inspection tools and tests)."""
        sequence = headers.get(HEADER_STREAM_SEQUENCE)
        return cls(
            kind=headers[HEADER_KIND],
            reason=headers[HEADER_REASON],
            subject=headers[HEADER_SUBJECT],
            failed_at=datetime.fromisoformat(headers[HEADER_FAILED_AT]),
            deliveries=int(headers[HEADER_DELIVERIES]),
            stream_sequence=int(sequence) if sequence else None,
            msg_id=headers.get(HEADER_MSG_ID),
        )


def header_bytes(headers: dict[str, str]) -> int:
    """The size of a NATS header block (``NATS/1.0``, ``key: value`` lines, CRLFs): it counts against
    ``max_payload`` with the body."""
    return len(b"NATS/1.0\r\n\r\n") + sum(len(f"{k}: {v}\r\n".encode()) for k, v in headers.items())


def kept_body(
    body: bytes, headers: dict[str, str], max_payload: int, limit: int = MAX_KEPT_BODY
) -> tuple[bytes, dict[str, str]]:
    """The part of ``body`` a dead letter keeps and its headers with the original's size and SHA-256:
    together within ``max_payload`` (the server's limit) and the body within ``limit``."""
    headers = {
        **headers,
        HEADER_ORIGINAL_SIZE: str(len(body)),
        HEADER_ORIGINAL_SHA256: hashlib.sha256(body).hexdigest(),
    }
    room = min(limit, max_payload - header_bytes({**headers, HEADER_TRUNCATED: "true"}) - CLIENT_HEADERS_ROOM)
    if len(body) <= room:
        return body, headers
    return body[: max(room, 0)], {**headers, HEADER_TRUNCATED: "true"}


@runtime_checkable
class DeadLetterPublisher(Protocol):
    """Publishes a dead letter (body and `DeadLetter.headers`) on ``deadletter.<its subject>``."""

    async def publish_dead_letter(self, body: bytes, letter: DeadLetter, msg_id: str) -> None: ...
