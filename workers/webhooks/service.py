"""`discharge webhooks`: each receiver's deliveries POSTed to its HTTPS endpoint, signed, retried, durable.

One durable pull consumer per configured receiver, ``webhook-<HSA-id>`` on ``DISCHARGE_DELIVERY`` with the
filter ``deliver.<HSA-id>.>``: an endpoint is sent its own receiver's deliveries and nothing else, and where
each receiver is survives a restart (JetStream keeps the consumer's acks and its pending redeliveries). A
delivery is acked only after a 2xx (and its receipt), or after it is dead-lettered; a process killed
mid-request leaves it unacked, and JetStream offers it again after ``ack_wait``. What each outcome does:
workers/webhooks/outcome.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from datetime import timedelta
from typing import Any

import httpx
import structlog
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from discharge.nats_connection import connect_nats, pull_consumer_waiting
from discharge.ops.http import OpsServer
from discharge.settings import Settings
from events.delivery import DELIVERY_STREAM, receiver_filter
from events.streams import DEADLETTER_STREAM
from workers.webhooks.endpoints import Endpoint, load_endpoints
from workers.webhooks.observed import count
from workers.webhooks.outcome import acknowledge, dead_letter, delivered_id, parsed, retry_or_give_up
from workers.webhooks.post import http_client, post
from workers.webhooks.retry import RetrySchedule
from workers.webhooks.settings import WebhookSettings

#: Deliveries of one receiver in flight at once (its consumer's ``max_ack_pending`` is a few batches).
BATCH = 8
#: Past the request timeout, the time to store the receipt and ack before JetStream offers the delivery again
#: (at least this, or the timeout again when it is longer).
ACK_MARGIN = timedelta(seconds=5)
CONSUMER_PREFIX = "webhook-"


def consumer_name(hsa_id: str) -> str:
    return f"{CONSUMER_PREFIX}{hsa_id}"


def consumer_config(hsa_id: str, request_timeout: timedelta) -> ConsumerConfig:
    name = consumer_name(hsa_id)
    return ConsumerConfig(
        name=name,  # by name: the create subject then carries the filter (workers/stack/nats_auth.py)
        durable_name=name,
        description=f"webhooks to {hsa_id} (discharge webhooks)",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=(request_timeout + max(request_timeout, ACK_MARGIN)).total_seconds(),
        max_ack_pending=BATCH * 4,
        filter_subject=receiver_filter(hsa_id),
    )


def schedule_of(webhooks: WebhookSettings) -> RetrySchedule:
    return RetrySchedule(
        first=webhooks.discharge_webhook_first_retry,
        cap=webhooks.discharge_webhook_max_retry_interval,
        budget=webhooks.discharge_webhook_retry_for,
    )


class EndpointSender:
    """One receiver's deliveries to its endpoint."""

    def __init__(
        self,
        hsa_id: str,
        endpoint: Endpoint,
        connection: Client,
        client: httpx.AsyncClient,
        slots: asyncio.Semaphore,
        webhooks: WebhookSettings,
    ) -> None:
        self.hsa_id, self.endpoint, self.connection, self.client = hsa_id, endpoint, connection, client
        self.slots = slots
        self.webhooks = webhooks
        self.schedule = schedule_of(webhooks)
        self.log = structlog.get_logger().bind(component="webhooks", receiver=hsa_id, host=endpoint.host)

    async def run(self, stop: asyncio.Event) -> None:
        config = consumer_config(self.hsa_id, self.webhooks.discharge_webhook_timeout)
        subscription = await self.connection.jetstream().pull_subscribe(
            receiver_filter(self.hsa_id), durable=config.name, stream=DELIVERY_STREAM, config=config
        )
        self.log.info("sending webhooks", attempts_in_all=self.schedule.attempts_in_all())
        while not stop.is_set():
            try:
                messages = await subscription.fetch(BATCH, timeout=1)
            except (NatsTimeout, TimeoutError):
                continue
            await asyncio.gather(*(self.send(message) for message in messages))

    async def send(self, message: Msg) -> None:
        try:
            await self._send(message)
        except Exception as error:  # NATS busy or gone: unacked, JetStream offers it again after ack_wait
            self.log.warning("webhook outcome not recorded", error_type=type(error).__name__)

    async def _send(self, message: Msg) -> None:
        document = parsed(message)
        event_id = delivered_id(document) if document is not None else None
        if document is None or event_id is None:
            await dead_letter(self.connection, message, "webhook: not a delivered CloudEvent with an id", 1)
            return
        log = self.log.bind(event_id=event_id, attempt=message.metadata.num_delivered)
        async with self.slots:
            attempt = await post(self.client, self.endpoint, event_id, message.data.decode())
        if attempt.delivered:
            await acknowledge(self.connection, message, document)
            count("delivered")
            log.info("webhook delivered")
        elif await retry_or_give_up(self.connection, message, attempt, self.schedule):
            count("dead_lettered")
            log.warning("webhook given up: dead-lettered", problem=attempt.problem)
        else:
            count("failed")
            log.info("webhook failed; tried again later", problem=attempt.problem)


async def streams_provisioned(connection: Client, log: Any) -> None:
    """Wait until the streams exist: provisioning makes them (`discharge streams provision`), never this."""
    js = connection.jetstream()
    for attempt in itertools.count():
        try:
            for stream in (DELIVERY_STREAM, DEADLETTER_STREAM):
                await js.stream_info(stream)
            return
        except NotFoundError:
            if attempt == 0:
                log.warning("waiting for the streams to be provisioned")
            await asyncio.sleep(1)


async def run_webhooks(
    settings: Settings, *, webhooks: WebhookSettings | None = None, stop: asyncio.Event | None = None
) -> None:
    """Send every configured receiver's deliveries until cancelled (or ``stop`` is set)."""
    webhooks = webhooks or WebhookSettings()
    stop = stop or asyncio.Event()
    # httpx logs every request's full URL at INFO; a URL's path or query may hold the receiver's token.
    # Our own lines name the endpoint's host only.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    log = structlog.get_logger().bind(component="webhooks")
    endpoints = load_endpoints(webhooks.discharge_webhooks_file, development=settings.discharge_development)
    if not endpoints:
        log.warning("no webhook endpoints configured (DISCHARGE_WEBHOOKS_FILE): nothing to send")
    connection = await connect_nats(settings, name="discharge-webhooks")
    timeout = webhooks.discharge_webhook_timeout.total_seconds()

    async def connected() -> bool:
        return bool(connection.is_connected)

    ops = OpsServer(webhooks.discharge_webhooks_http_address, {"nats": connected})
    try:
        await ops.start()
        await streams_provisioned(connection, log)
        slots = asyncio.Semaphore(webhooks.discharge_webhook_max_concurrency)
        async with http_client(timeout, webhooks.discharge_webhook_max_concurrency) as client:
            senders = [
                EndpointSender(hsa_id, endpoint, connection, client, slots, webhooks)
                for hsa_id, endpoint in sorted(endpoints.items())
            ]
            async with asyncio.TaskGroup() as group:
                for sender in senders:
                    group.create_task(sender.run(stop))
                group.create_task(stop.wait())
    finally:
        await ops.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.flush(), 2)
        with contextlib.suppress(Exception):
            await connection.close()


async def senders_active(settings: Settings, webhooks: WebhookSettings) -> bool:
    """True once every configured receiver's consumer has a pending fetch (the dev stack's readiness)."""
    endpoints = load_endpoints(webhooks.discharge_webhooks_file, development=True)
    for hsa_id in endpoints:
        if not await pull_consumer_waiting(settings, DELIVERY_STREAM, consumer_name(hsa_id)):
            return False
    return True
