"""A receiving system's side of delivery, as `discharge receive` plays it on a developer's machine.

It logs in as the receiving organisation's own NATS user (``receiver-<HSA-id>``: its seed in the data dir,
its own inbox prefix), reads its deliveries through its one durable consumer (``receiver-<HSA-id>``, filter
``deliver.<HSA-id>.>``: the only one the server lets it create) and, when asked, answers each with a
``primarycare.message_acknowledged`` receipt. A production receiving system does the same with its own
client (docs/gateway.md, "Receiving your deliveries").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from discharge.nats_connection import connect_nats, dev_seed_file
from discharge.settings import Settings
from events.cloudevent import cloudevent
from events.delivery import DELIVERY_STREAM, RECEIPT_TYPE, receiver_filter, receiver_user
from events.inbound.envelopes import INBOUND_ADAPTER
from events.streams import CLOUDEVENTS_CONTENT_TYPE, inbound_msg_id

#: How long a receiving system has to ack a fetched delivery before JetStream offers it again.
ACK_WAIT_SECONDS = 60.0


def receiver_settings(settings: Settings, hsa_id: str) -> Settings:
    """``settings`` as the receiver: its own seed from a `discharge dev` data dir, unless ``NATS_NKEY_SEED``
    or ``NATS_CREDS`` says who it is (or the data dir has none: a NATS without users)."""
    user = receiver_user(hsa_id)
    seed = dev_seed_file(settings.discharge_data_dir, user)
    if settings.nats_nkey_seed is not None or settings.nats_creds is not None or not seed.exists():
        return settings
    return settings.model_copy(update={"nats_nkey_seed": seed, "nats_inbox_prefix": f"_INBOX_{user}"})


def consumer_config(hsa_id: str) -> ConsumerConfig:
    name = receiver_user(hsa_id)
    return ConsumerConfig(
        name=name,  # by name: the create subject then carries the filter, which the server checks
        durable_name=name,
        description=f"deliveries to {hsa_id}",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ACK_WAIT_SECONDS,
        filter_subject=receiver_filter(hsa_id),
    )


def receipt_for(delivered: dict[str, Any], outcome: str, now: datetime) -> dict[str, Any] | None:
    """The receipt of one delivered CloudEvent; None when it names no patient (nothing to act on)."""
    patient = (delivered.get("data") or {}).get("patient")
    recipient = delivered.get("recipient")
    if not isinstance(patient, dict) or not isinstance(recipient, str):
        return None
    return cloudevent(
        id=f"receipt-{delivered['id']}",
        source=f"urn:hsa:{recipient}",
        type=RECEIPT_TYPE,
        time=now,
        data={"patient": patient, "message_id": delivered["id"], "recipient": recipient, "outcome": outcome},
    )


async def send_receipt(client: Client, receipt: dict[str, Any]) -> None:
    INBOUND_ADAPTER.validate_python(receipt)  # the gateway's own models: a wrong receipt is ours to fix
    await client.jetstream().publish(
        f"events.{RECEIPT_TYPE}",
        json.dumps(receipt, ensure_ascii=False).encode(),
        headers={
            "Nats-Msg-Id": inbound_msg_id(receipt["source"], receipt["id"]),
            "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
        },
    )


async def receive(
    settings: Settings,
    hsa_id: str,
    show: Callable[[dict[str, Any], bool], Awaitable[None] | None],
    *,
    ack: bool = False,
    limit: int | None = None,
    idle: float | None = None,
) -> int:
    """Read ``hsa_id``'s deliveries; ``show`` each (with whether a receipt was sent). Until cancelled, or
    ``limit`` deliveries, or ``idle`` seconds without one. The number read."""
    client = await connect_nats(receiver_settings(settings, hsa_id), name=receiver_user(hsa_id))
    count, quiet_since = 0, asyncio.get_running_loop().time()
    try:
        config = consumer_config(hsa_id)
        subscription = await client.jetstream().pull_subscribe(
            receiver_filter(hsa_id), durable=config.name, stream=DELIVERY_STREAM, config=config
        )
        while limit is None or count < limit:
            try:
                messages = await subscription.fetch(1 if limit else 16, timeout=1)
            except (NatsTimeout, TimeoutError):
                if idle is not None and asyncio.get_running_loop().time() - quiet_since > idle:
                    break
                continue
            for message in messages:
                delivered = json.loads(message.data)
                receipt = receipt_for(delivered, "received", datetime.now(UTC)) if ack else None
                if receipt is not None:
                    await send_receipt(client, receipt)
                await message.ack()  # read: JetStream need not offer it again
                shown = show(delivered, receipt is not None)
                if shown is not None:
                    await shown
                count += 1
            quiet_since = asyncio.get_running_loop().time()
        return count
    finally:
        # Not drain(): it waits for the pending pull request to expire. Every ack and receipt is sent.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.flush(), 2)
        await client.close()
