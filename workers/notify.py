"""`discharge notify`: content-free e-mail from the outbound stream to the people who opted in.

A durable JetStream pull consumer (``discharge-notify``) of ``DISCHARGE_OUTBOUND`` that starts at the
stream's new events (a first start does not e-mail about the past), hands each event to the `Notifier`
(discharge/notify/), and acks it. A mail server that is down does not hold up the stream: that event's
e-mails are logged as not sent (without any content) and the next event tries again; a notification is a
nudge to look at the page, where everything is anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from functools import partial

import structlog
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from discharge.nats_connection import connect_nats, pull_consumer_waiting
from discharge.notify import mail
from discharge.notify.notifier import Notifier
from discharge.notify.optins import OptIns
from discharge.settings import Settings, SettingsError
from events.streams import NOTIFY_CONSUMER, OUTBOUND_STREAM, OUTBOUND_SUBJECTS, ensure_streams

DURABLE = NOTIFY_CONSUMER
BATCH = 64
ACK_WAIT = timedelta(seconds=60)


def consumer_config() -> ConsumerConfig:
    return ConsumerConfig(
        name=DURABLE,  # created on the subject that carries the filter: the notify user's only right
        durable_name=DURABLE,
        description="content-free e-mail to people who opted in (discharge notify)",
        deliver_policy=DeliverPolicy.NEW,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ACK_WAIT.total_seconds(),
        filter_subject=OUTBOUND_SUBJECTS,
    )


def notifier_for(settings: Settings) -> Notifier:
    if settings.discharge_smtp_url is None:
        raise SettingsError("set DISCHARGE_SMTP_URL (smtp://host:port) for `discharge notify`")
    url = settings.discharge_smtp_url.get_secret_value()
    return Notifier(
        OptIns(settings.notification_store_path),
        partial(mail.send, url),
        settings.discharge_smtp_from,
        settings.web_public_url,
    )


async def consume(settings: Settings, notifier: Notifier, *, stop: asyncio.Event | None = None) -> None:
    """Fetch, notify, ack until cancelled (or ``stop`` is set)."""
    log = structlog.get_logger().bind(component="notify")
    connection = await connect_nats(settings, name="discharge-notify")
    try:
        js = connection.jetstream()
        await ensure_streams(js)
        subscription = await js.pull_subscribe(
            OUTBOUND_SUBJECTS, durable=DURABLE, stream=OUTBOUND_STREAM, config=consumer_config()
        )
        log.info("notifier consuming", stream=OUTBOUND_STREAM, durable=DURABLE)
        while stop is None or not stop.is_set():
            try:
                messages = await subscription.fetch(BATCH, timeout=1)
            except (NatsTimeout, TimeoutError):
                continue
            for message in messages:
                try:
                    document = json.loads(message.data)
                    if isinstance(document, dict):
                        sent = await notifier.handle(document, datetime.now(UTC))
                        if sent:
                            log.info("notifications sent", count=sent)
                except Exception as error:  # a mail server away, or not one of our events: go on
                    log.warning("notification not sent", error_type=type(error).__name__)
                await message.ack()
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.flush(), 2)
        with contextlib.suppress(Exception):
            await connection.close()


async def consumer_active(settings: Settings) -> bool:
    """True once the notifier's consumer has a pending fetch (`discharge dev`'s readiness check)."""
    return await pull_consumer_waiting(settings, OUTBOUND_STREAM, DURABLE)
