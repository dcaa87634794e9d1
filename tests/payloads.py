"""Every payload of a history event that goes through the SDK's payload codec, transformed in place.

Search attributes (indexed by the server) and headers (the SDK's header codec) never go through it, nor
does the SDK core's own part of a local activity's marker: exactly what `discharge/codec.py` encrypts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from google.protobuf.message import Message
from temporalio.api.common.v1 import Header, Payload, SearchAttributes
from temporalio.api.history.v1 import MarkerRecordedEventAttributes

Transform = Callable[[Payload], Awaitable[Payload]]


async def map_payloads(message: Message, transform: Transform) -> int:
    """Apply ``transform`` to each codec-encoded payload under ``message``; how many there were."""
    if isinstance(message, MarkerRecordedEventAttributes):
        return await map_payloads(message.details["result"], transform) if "result" in message.details else 0
    count = 0
    for _, value in message.ListFields():
        if isinstance(value, (SearchAttributes, Header)):
            continue
        if isinstance(value, Mapping):
            items = list(value.values())
        elif isinstance(value, Message):
            items = [value]
        elif isinstance(value, (str, bytes, int, float, bool)):
            continue
        else:
            items = list(value)  # a repeated field
        for item in items:
            if isinstance(item, Payload):
                item.CopyFrom(await transform(item))
                count += 1
            elif isinstance(item, Message):
                count += await map_payloads(item, transform)
    return count
