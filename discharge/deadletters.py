"""Reading the dead-letter stream: each refused message with its reason, and its original bytes for ops.

Dead letters are read one by one by stream sequence (``$JS.API.STREAM.MSG.GET.DISCHARGE_DEADLETTER``), the
one right the CLI's user holds on that stream besides its info: no consumer is made, so reading changes
nothing and several people can look at once. The stream keeps a month of them (events/streams.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from events.deadletter import DEADLETTER_PREFIX, DeadLetter
from events.streams import DEADLETTER_STREAM

_LONG_AGO = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class StoredDeadLetter:
    sequence: int
    letter: DeadLetter
    body: bytes

    def summary(self) -> dict[str, object]:
        """What a listing shows: the reason and where it came from, never the body (identities)."""
        return {
            "sequence": self.sequence,
            "failed_at": self.letter.failed_at.isoformat(),
            "kind": self.letter.kind,
            "subject": self.letter.subject,
            "reason": self.letter.reason,
            "deliveries": self.letter.deliveries,
            "size": len(self.body),
        }


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    kind: str | None = None
    subject: str | None = None

    def keep(self, stored: StoredDeadLetter) -> bool:
        letter = stored.letter
        return (
            (self.since is None or letter.failed_at >= self.since)
            and (self.kind is None or letter.kind == self.kind)
            and (self.subject is None or _matches(self.subject, letter.subject))
        )


def _matches(pattern: str, subject: str) -> bool:
    """A NATS subject pattern (``*``, ``>``) against a subject, with or without ``deadletter.``."""
    wanted, tokens = pattern.removeprefix(DEADLETTER_PREFIX).split("."), subject.split(".")
    for index, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > index
        if index >= len(tokens) or token not in ("*", tokens[index]):
            return False
    return len(tokens) == len(wanted)


async def get(js: JetStreamContext, sequence: int) -> StoredDeadLetter | None:
    try:
        message = await js.get_msg(DEADLETTER_STREAM, seq=sequence)
    except NotFoundError:
        return None
    headers = dict(message.headers or {})
    try:
        letter = DeadLetter.from_headers(headers)
    except (KeyError, ValueError):  # not one of ours (published by hand): shown as unreadable
        letter = DeadLetter("unknown", "no dead-letter headers", message.subject or "", _LONG_AGO, 0)
    return StoredDeadLetter(sequence, letter, message.data or b"")


async def stored(js: JetStreamContext, filters: Filters) -> AsyncIterator[StoredDeadLetter]:
    """Every dead letter still in the stream that passes ``filters``, oldest first."""
    info = await js.stream_info(DEADLETTER_STREAM)
    if not info.state.messages:  # an empty stream's sequences are 0, which no get may ask for
        return
    for sequence in range(info.state.first_seq, info.state.last_seq + 1):
        found = await get(js, sequence)
        if found is not None and filters.keep(found):
            yield found
