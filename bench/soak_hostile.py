"""The soak's hostile inputs (issue 29), sent ahead of the patients' pathways (``--hostile``):

- one message of ~1 MiB (just under NATS's default ``max_payload``): refused at the door as ``too_large``; its
  dead letter must fit the server's limit and intake must go on;
- a burst of ``BURST`` events for one patient: a full pathway whose LMV contacts come ``BURST`` - 7 times
  (distinct ids; each applies in place), published before everyone else's events, so the others' first
  outbound event measures how long the burst held them up;
- a late history: a full pathway dated ``LATE_DAYS`` days ago (a sender's backlog), which must end as in
  clinical order, raising at most one escalation per problem (reminders count from now).

The figures name the dead letters by kind, the others' latency, and the late history's escalations.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from nats.js import JetStreamContext

from events.cloudevent import cloudevent
from events.deadletter import HEADER_KIND, HEADER_REASON
from events.streams import DEADLETTER_STREAM, OUTBOUND_STREAM

BURST = 1000
LATE_DAYS = 120
#: Under NATS's default max_payload (1 MiB, headers included): the publisher must be able to send it.
HUGE_BYTES = 1024 * 1024 - 4096


def huge_message(run: str, start: datetime, hospital: str) -> dict[str, Any]:
    return cloudevent(
        id=f"{run}-huge",
        source=hospital,
        type="hospital.patient_admitted",
        time=start,
        data={"patient": {"id": "19000101-0008"}, "note": "x" * HUGE_BYTES},
    )


def burst(pathway: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pathway with ``BURST`` events in all: before the discharge, the hospital's planned discharge date
    sent again and again (new ids, half a millisecond apart), each applied in place and publishing nothing."""
    discharge = next(e for e in pathway if e["type"] == "hospital.patient_discharged")
    place = pathway.index(discharge)
    before = datetime.fromisoformat(pathway[place - 1]["time"])
    episode = discharge["data"]["episode_id"]
    planned = [
        {
            **discharge,
            "id": f"{discharge['id']}-planned-{n}",
            "type": "hospital.discharge_planned",
            "time": (before + timedelta(microseconds=500 * n)).isoformat(),
            "data": {
                "patient": discharge["data"]["patient"],
                "episode_id": episode,
                "planned_for": discharge["time"],
            },
        }
        for n in range(1, BURST - len(pathway) + 1)
    ]
    return [*pathway[:place], *planned, *pathway[place:]]


async def dead_letters_by_kind(js: JetStreamContext) -> Counter[str]:
    """Dead letters of the run by kind and reason (their headers, the reason cut short), from the stream."""
    kinds: Counter[str] = Counter()
    subscription = await js.pull_subscribe("deadletter.>", stream=DEADLETTER_STREAM)
    while True:
        try:
            batch = await subscription.fetch(500, timeout=2)
        except TimeoutError:
            break
        for message in batch:
            headers = message.headers or {}
            kinds[f"{headers.get(HEADER_KIND, '?')}: {headers.get(HEADER_REASON, '?')[:80]}"] += 1
            await message.ack()
    await subscription.unsubscribe()
    return kinds


async def first_outbound_times(js: JetStreamContext) -> dict[str, tuple[datetime, Counter[str]]]:
    """Per patient key: the time of its first outbound event, and its escalations by reason."""
    found: dict[str, tuple[datetime, Counter[str]]] = {}
    subscription = await js.pull_subscribe("discharge.>", stream=OUTBOUND_STREAM)
    while True:
        try:
            batch = await subscription.fetch(500, timeout=2)
        except TimeoutError:
            break
        for message in batch:
            event = json.loads(message.data)
            key, at = event["data"]["patient_key"], datetime.fromisoformat(event["time"])
            first, reasons = found.get(key, (at, Counter()))
            if event["type"] == "discharge.escalation_raised":
                reasons[event["data"]["reason"]] += 1
            found[key] = (min(first, at), reasons)
            await message.ack()
    await subscription.unsubscribe()
    return found


def latency_line(published_at: dict[str, datetime], first_out: dict[str, datetime]) -> str:
    """Seconds from each patient's first event published to its first outbound event: median and max."""
    seconds = [(first_out[key] - at).total_seconds() for key, at in published_at.items() if key in first_out]
    if not seconds:
        return "others' first outbound event: none"
    return (
        f"others' first outbound event after {statistics.median(seconds):.1f} s median, "
        f"{max(seconds):.1f} s max ({len(seconds)} patients)"
    )
