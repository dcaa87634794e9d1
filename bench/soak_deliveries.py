"""The soak's delivery check: exactly one delivery per receiver per outbound step, and nothing else.

Reads every outbound event the pathways stored and every delivery stored (ephemeral consumers: the soak's
NATS has no users), and compares the deliveries with what `events.delivery.receivers` says each outbound
event is owed, plus what the pathways delivered themselves (to a receiver a clinically earlier event named
after the event went out: workflows/rules/entries.py `Deliver`), as each pathway recorded it in its
``deliveries``. A delivery lost across a kill, or made twice, is one mismatch.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext

from events.delivery import DELIVERY_STREAM, DELIVERY_SUBJECTS, receivers
from events.streams import OUTBOUND_STREAM, OUTBOUND_SUBJECTS


async def stored(js: JetStreamContext, subject: str, stream: str) -> list[dict[str, Any]]:
    subscription = await js.pull_subscribe(subject, stream=stream)
    documents = []
    while True:
        try:
            batch = await subscription.fetch(500, timeout=2)
        except (NatsTimeout, TimeoutError):
            break
        for message in batch:
            documents.append(json.loads(message.data))
            await message.ack()
    await subscription.unsubscribe()
    return documents


async def deliveries_not_once(
    js: JetStreamContext, lmv_unit: str | None, recorded: set[tuple[str, str]]
) -> tuple[int, int]:
    """(deliveries stored, mismatches): owed but missing, stored twice, or stored though not owed.
    ``recorded``: (event id, receiver) of every delivery the pathways recorded."""
    owed: Counter[tuple[str, str]] = Counter()
    for event in await stored(js, OUTBOUND_SUBJECTS, OUTBOUND_STREAM):
        event_type = str(event["type"]).removeprefix("discharge.")
        for receiver in receivers(event_type, event["data"], lmv_unit):
            owed[(event["id"], receiver.hsa_id)] += 1
    for key in recorded - set(owed):  # delivered by the pathway itself, not by the fan-out
        owed[key] = 1
    delivered = Counter(
        (str(d["id"]), str(d["recipient"])) for d in await stored(js, DELIVERY_SUBJECTS, DELIVERY_STREAM)
    )
    mismatches = sum(1 for key in owed.keys() | delivered.keys() if delivered[key] != 1 or owed[key] != 1)
    return sum(delivered.values()), mismatches
