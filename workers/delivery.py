"""`discharge delivery`: each stored outbound event copied to each of its receivers, once, nothing lost.

A durable pull consumer (``discharge-delivery``) of ``DISCHARGE_OUTBOUND``: so a delivery is made only after
the outbound event is stored, and the consumer's position survives a restart. For each fetched event it
publishes one copy per receiver on ``deliver.<HSA-id>.<type>`` (events/delivery.py) and acks the outbound
message only once JetStream has acked every copy. A crash in between redelivers the outbound event; the
copies it had already stored are recognised by their ``Nats-Msg-Id`` (``<id>.<recipient>``) and stored once.

Like every process it serves ``/healthz``, ``/readyz`` (connected to NATS, both streams there, fetching) and
``/metrics`` (discharge/ops/http.py) on ``DISCHARGE_DELIVERY_HTTP_ADDRESS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from datetime import timedelta
from typing import Any

import structlog
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from discharge.nats_connection import connect_nats, pull_consumer_waiting
from discharge.ops.http import ReadinessCheck, ops_endpoints
from discharge.ops.metrics import DELIVERIES_RETRIED, DELIVERIES_STORED
from discharge.settings import Settings
from events.delivery import DELIVERY_STREAM, copies_for, receivers
from events.streams import CLOUDEVENTS_CONTENT_TYPE, DELIVERY_CONSUMER, OUTBOUND_STREAM, OUTBOUND_SUBJECTS

#: Outbound events per fetch; their copies are published concurrently, then each event is acked.
BATCH = 64
ACK_WAIT = timedelta(seconds=30)
#: An event whose copies JetStream did not take (NATS busy, a stream limit) comes back after this long.
RETRY_DELAY = timedelta(seconds=2)
PUBLISH_TIMEOUT = 5.0


def consumer_config() -> ConsumerConfig:
    return ConsumerConfig(
        # Created by name, on the subject that carries the filter (workers/stack/nats_auth.py).
        name=DELIVERY_CONSUMER,
        durable_name=DELIVERY_CONSUMER,
        description="each outbound event to each of its receivers (discharge delivery)",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ACK_WAIT.total_seconds(),
        max_ack_pending=BATCH * 4,
        filter_subject=OUTBOUND_SUBJECTS,
    )


def copies(message: Msg, lmv_unit: str | None) -> list[tuple[str, bytes, str]]:
    """The deliveries of one outbound message: (subject, body, ``Nats-Msg-Id``) per receiver."""
    try:
        cloudevent = json.loads(message.data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return []
    if not isinstance(cloudevent, dict) or not isinstance(cloudevent.get("data"), dict):
        return []
    event_type = str(cloudevent.get("type", "")).removeprefix("discharge.")
    try:
        owed = receivers(event_type, cloudevent["data"], lmv_unit)
    except ValueError:  # not one of our outbound types (its model refuses it): nobody to deliver to
        return []
    return copies_for(cloudevent, owed)


async def deliver_one(js: JetStreamContext, message: Msg, lmv_unit: str | None) -> int:
    """Publish every copy of ``message`` and wait for JetStream's acks; the number of copies."""
    planned = copies(message, lmv_unit)
    await asyncio.gather(
        *(
            js.publish(
                subject,
                body,
                timeout=PUBLISH_TIMEOUT,
                stream=DELIVERY_STREAM,
                headers={"Nats-Msg-Id": msg_id, "Content-Type": CLOUDEVENTS_CONTENT_TYPE},
            )
            for subject, body, msg_id in planned
        )
    )
    return len(planned)


async def _deliver_batch(js: JetStreamContext, messages: list[Msg], lmv_unit: str | None, log: Any) -> None:
    results = await asyncio.gather(
        *(deliver_one(js, message, lmv_unit) for message in messages), return_exceptions=True
    )
    for message, result in zip(messages, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("delivery not stored; the event comes back", error_type=type(result).__name__)
            DELIVERIES_RETRIED.inc()
            await message.nak(delay=RETRY_DELAY.total_seconds())
        else:
            DELIVERIES_STORED.inc(result)
            await message.ack()


async def streams_provisioned(js: JetStreamContext, log: Any) -> None:
    """Wait until both streams exist: provisioning makes them (`discharge streams provision`), never this."""
    for attempt in itertools.count():
        try:
            for stream in (OUTBOUND_STREAM, DELIVERY_STREAM):
                await js.stream_info(stream)
            return
        except NotFoundError:
            if attempt == 0:
                log.warning("waiting for the streams to be provisioned", stream=stream)
            await asyncio.sleep(1)


async def run_delivery(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Fetch outbound events, deliver, ack, until cancelled (or ``stop`` is set)."""
    log = structlog.get_logger().bind(component="delivery")
    connection = await connect_nats(settings, name="discharge-delivery")
    fetching = False

    async def connected() -> bool:
        return bool(connection.is_connected)

    async def streams() -> bool:
        for stream in (OUTBOUND_STREAM, DELIVERY_STREAM):
            await js.stream_info(stream)
        return True

    async def is_fetching() -> bool:
        return fetching

    checks: dict[str, ReadinessCheck] = {"nats": connected, "streams": streams, "fetching": is_fetching}
    try:
        js = connection.jetstream()
        async with ops_endpoints(settings.discharge_delivery_http_address, checks):
            await streams_provisioned(js, log)
            subscription = await js.pull_subscribe(
                OUTBOUND_SUBJECTS, durable=DELIVERY_CONSUMER, stream=OUTBOUND_STREAM, config=consumer_config()
            )
            log.info(
                "delivering",
                to=DELIVERY_STREAM,
                lmv_unit=settings.discharge_lmv_unit,
                ops=f"http://{settings.discharge_delivery_http_address}",
            )
            fetching = True
            while stop is None or not stop.is_set():
                try:
                    messages = await subscription.fetch(BATCH, timeout=1)
                except (NatsTimeout, TimeoutError):
                    continue
                await _deliver_batch(js, messages, settings.discharge_lmv_unit, log)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.flush(), 2)
        with contextlib.suppress(Exception):
            await connection.close()


async def consumer_active(settings: Settings) -> bool:
    """True once the delivery consumer has a pending fetch (the dev stack's readiness check)."""
    return await pull_consumer_waiting(settings, OUTBOUND_STREAM, DELIVERY_CONSUMER)
