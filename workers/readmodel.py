"""The read model's consumer: the outbound stream ``DISCHARGE_OUTBOUND`` into the indicators' store.

A durable JetStream pull consumer (``discharge-readmodel``): the stream remembers what it acked, so a
restarted consumer resumes where it stopped, and what it had applied but not yet acked (a crash
between the two) is redelivered and ignored by CloudEvent id (``discharge.readmodel.store``). Each
fetched batch is one database transaction, acked after the commit; a database that is down gets the
batch back later (nak with a delay), so nothing is lost while it is away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from discharge.nats_connection import connect_nats, pull_consumer_waiting
from discharge.ops.http import ops_endpoints
from discharge.readmodel import freshness
from discharge.readmodel.store import ReadModel
from discharge.settings import Settings
from events.streams import OUTBOUND_STREAM, OUTBOUND_SUBJECTS, READMODEL_CONSUMER, ensure_streams
from workers.readmodel_ops import ConsumerState, readiness_checks, record_batch, record_caught_up

DURABLE = READMODEL_CONSUMER
#: Events per fetch and per transaction: large enough for a backlog, small enough to ack in time.
BATCH = 256
#: How long JetStream waits for an ack before redelivering (a batch commit takes far less).
ACK_WAIT = timedelta(seconds=60)
#: A batch the database could not take comes back after this long.
RETRY_DELAY = timedelta(seconds=5)


def consumer_config() -> ConsumerConfig:
    return ConsumerConfig(
        # `name` as well: nats-py then creates it on the subject that carries the filter, the only one the
        # read model's user may use (workers/stack/nats_auth.py).
        name=DURABLE,
        durable_name=DURABLE,
        description="the follow-up indicators' read model (discharge readmodel)",
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ACK_WAIT.total_seconds(),
        max_ack_pending=BATCH * 4,
        filter_subject=OUTBOUND_SUBJECTS,
    )


def decode(message: Msg) -> dict[str, Any] | None:
    try:
        document = json.loads(message.data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


async def consume(
    settings: Settings,
    store: ReadModel,
    *,
    stop: asyncio.Event | None = None,
    state: ConsumerState | None = None,
) -> None:
    """Fetch, apply, ack until cancelled (or ``stop`` is set); ``state`` is what /readyz reads."""
    log = structlog.get_logger().bind(component="readmodel")
    state = state or ConsumerState()
    connection = await connect_nats(settings, name="discharge-readmodel")
    state.connection = connection
    try:
        js = connection.jetstream()
        await ensure_streams(js)
        subscription = await js.pull_subscribe(
            OUTBOUND_SUBJECTS, durable=DURABLE, stream=OUTBOUND_STREAM, config=consumer_config()
        )
        state.subscribed = True
        log.info("read model consuming", stream=OUTBOUND_STREAM, durable=DURABLE)
        while stop is None or not stop.is_set():
            try:
                messages = await subscription.fetch(BATCH, timeout=1)
            except (NatsTimeout, TimeoutError):  # no message within the second: caught up; ask again
                await _mark(store, caught_up=True)
                record_caught_up()
                continue
            await _apply_batch(store, messages, log, state)
    finally:
        state.subscribed = False
        # Not drain(): it waits for the pending pull request to expire. Every ack was sent as its
        # batch was applied; flush them and close (an ack lost here only means a redelivery, ignored).
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.flush(), 2)
        with contextlib.suppress(Exception):
            await connection.close()


async def _apply_batch(store: ReadModel, messages: list[Msg], log: Any, state: ConsumerState) -> None:
    documents = [decode(message) for message in messages]
    try:
        result = await asyncio.to_thread(store.apply, [d for d in documents if d is not None])
    except Exception as error:  # the database is away or refused the batch: try again later
        log.error("read model batch not applied; redelivered later", error_type=type(error).__name__)
        for message in messages:
            await message.nak(delay=RETRY_DELAY.total_seconds())
        return
    for message in messages:
        await message.ack()
    newest = _latest_time(documents)
    record_batch(state, messages, result.applied, newest, datetime.now(UTC))
    await _mark(store, caught_up=_nothing_left(messages), last_event_at=newest)
    refused = result.refused + sum(1 for d in documents if d is None)
    if refused:
        # Not one of our CloudEvents: nothing to count, and blocking the stream on it would stop the
        # indicators. The content is not logged (it may be anything).
        log.warning("messages on the outbound stream that are not pathway events were skipped", count=refused)
    log.debug("read model batch applied", applied=result.applied, duplicates=result.duplicates)


async def _mark(store: ReadModel, *, caught_up: bool, last_event_at: datetime | None = None) -> None:
    """The pages' "as of" (discharge/readmodel/freshness.py); a failure only leaves the last one standing."""
    try:
        await asyncio.to_thread(
            freshness.mark, store, datetime.now(UTC), caught_up=caught_up, last_event_at=last_event_at
        )
    except Exception as error:
        structlog.get_logger().warning("read model freshness not recorded", error_type=type(error).__name__)


def _nothing_left(messages: list[Msg]) -> bool:
    try:
        return messages[-1].metadata.num_pending == 0
    except (IndexError, ValueError, AttributeError):  # not a JetStream message: say nothing
        return False


def _latest_time(documents: list[dict[str, Any] | None]) -> datetime | None:
    times = []
    for document in documents:
        try:
            moment = datetime.fromisoformat(str((document or {})["time"]))
        except (KeyError, ValueError):
            continue
        if moment.tzinfo is not None:
            times.append(moment)
    return max(times, default=None)


async def run_readmodel(settings: Settings) -> None:
    """``discharge readmodel``: the tables created if missing, then consume until cancelled, serving its
    ops endpoints on ``DISCHARGE_READMODEL_HTTP_ADDRESS`` (workers/readmodel_ops.py)."""
    store = ReadModel.from_settings(settings).create()
    log = structlog.get_logger().bind(component="readmodel")
    log.info("read model store ready", dialect=store.engine.dialect.name)
    state = ConsumerState()
    try:
        async with ops_endpoints(settings.discharge_readmodel_http_address, readiness_checks(state, store)):
            await consume(settings, store, state=state)
    finally:
        store.close()
        log.info("read model stopped")


async def consumer_active(settings: Settings) -> bool:
    """True once the read model's consumer has a pending fetch (the dev stack's readiness check)."""
    return await pull_consumer_waiting(settings, OUTBOUND_STREAM, DURABLE)
