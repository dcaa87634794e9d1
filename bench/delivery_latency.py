"""The pathway benchmark's delivery latency: from an inbound event stored to its delivery stored.

An inbound event counts as stored when JetStream acks its publish (the bench records the moment);
its delivery as stored at the delivery message's own stream timestamp in ``DISCHARGE_DELIVERY``. Two
pairs per pathway of `events.examples.pathway_events`, both read as the LMV unit reads them (its own
NATS user and consumer, as `discharge receive` does): ``hospital.risk_assessed`` →
``joint_planning_requested`` and ``hospital.patient_discharged`` → ``support_started``. Same machine,
same clock: the difference is the whole way through gateway, pathway, outbound stream and fan-out.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from nats.errors import TimeoutError as NatsTimeout

from discharge.nats_connection import connect_nats
from discharge.receiving import consumer_config, receiver_settings
from discharge.settings import Settings
from events.delivery import DELIVERY_STREAM, receiver_filter

#: The delivery each inbound type causes, to the LMV unit, once per pathway.
TRIGGERS = {
    "joint_planning_requested": "hospital.risk_assessed",
    "support_started": "hospital.patient_discharged",
}


@dataclass
class InboundTimes:
    """When each inbound event was stored (its publish acked), by (episode, type)."""

    stored: dict[tuple[str, str], float] = field(default_factory=dict)

    def acked(self, event: dict[str, object]) -> None:
        data = event.get("data")
        episode = data.get("episode_id") if isinstance(data, dict) else None
        if isinstance(episode, str) and event.get("type") in TRIGGERS.values():
            self.stored[(episode, str(event["type"]))] = time.time()


async def delivery_latencies(
    settings: Settings, lmv_unit: str, inbound: InboundTimes, expected: int
) -> list[float]:
    """Seconds from inbound stored to delivery stored, for every pair found (waits for ``expected``)."""
    client = await connect_nats(receiver_settings(settings, lmv_unit), name="bench-receiver")
    latencies: list[float] = []
    try:
        config = consumer_config(lmv_unit)
        subscription = await client.jetstream().pull_subscribe(
            receiver_filter(lmv_unit), durable=config.name, stream=DELIVERY_STREAM, config=config
        )
        quiet = 0
        while len(latencies) < expected and quiet < 10:
            try:
                messages = await subscription.fetch(256, timeout=1)
            except (NatsTimeout, TimeoutError):
                quiet += 1
                continue
            quiet = 0
            for message in messages:
                document = json.loads(message.data)
                trigger = TRIGGERS.get(str(document.get("type", "")).removeprefix("discharge."))
                key = (str(document.get("data", {}).get("episode_id")), str(trigger))
                if trigger is not None and key in inbound.stored:
                    latencies.append(message.metadata.timestamp.timestamp() - inbound.stored[key])
                await message.ack()
        return latencies
    finally:
        await asyncio.wait_for(client.flush(), 2)
        await client.close()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0
