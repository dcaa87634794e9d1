"""The gateway's JetStream consumer: FastStream's broker and subscriber wired to `Ingest`, and settlement.

Acks are manual on purpose: FastStream's default for JetStream (``REJECT_ON_ERROR``) would *terminate* a
message whose handler failed, which loses events during a Temporal outage. The consumer itself never gives
up (``max_deliver`` unlimited): the decision to park a message is `Ingest`'s, made with its last error, so
no message can disappear silently, even if the gateway dies on its last try.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from faststream import FastStream
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsMessage
from faststream.nats.security import NatsCredentials, NatsNKey, NatsSecurity
from nats.js.api import AckPolicy as ConsumerAckPolicy, ConsumerConfig, DeliverPolicy

from discharge.nats_connection import connection_options
from discharge.settings import Settings
from events.deadletter import DeadLetter, deadletter_subject, kept_body
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM, INBOUND_SUBJECTS, ensure_streams
from workers.gateway.ingest import RETRY_DELAY_MAX, Deliver, Delivery, Ingest, log, safe
from workers.gateway.observed import count_received, counted_dead_letters, counted_delivery

#: The durable consumer (and its queue group: several gateways share the work).
DURABLE = "discharge-gateway"
#: Events handled at the same time. Measured in docs/benchmarks.md.
DEFAULT_CONCURRENCY = 64
#: Unacked this long → JetStream redelivers. Above the Temporal timeout so a slow success is not redone.
DEFAULT_ACK_WAIT = timedelta(seconds=30)


def delivery_of(message: NatsMessage) -> Delivery:
    """What a JetStream message tells us (every message on the gateway's subscription comes from its
    durable consumer, so it has JetStream metadata; tests in memory give it a JetStream reply subject)."""
    raw = message.raw_message
    metadata = raw.metadata
    return Delivery(
        body=message.body,
        subject=raw.subject,
        deliveries=metadata.num_delivered,
        stream_sequence=metadata.sequence.stream,
        stored_at=metadata.timestamp,
        msg_id=(message.headers or {}).get("Nats-Msg-Id"),
    )


async def whole_message(message: StreamMessage[Any]) -> StreamMessage[Any]:
    """A FastStream decoder that hands the handler the message (raw bytes, headers, JetStream metadata)."""
    return message


def consumer_config(ack_wait: timedelta, concurrency: int) -> ConsumerConfig:
    return ConsumerConfig(
        durable_name=DURABLE,
        deliver_policy=DeliverPolicy.ALL,
        ack_policy=ConsumerAckPolicy.EXPLICIT,
        ack_wait=ack_wait.total_seconds(),
        max_deliver=-1,  # never dropped by the server: see the module docstring
        # Bounded in-flight work: the server stops pushing until some are acked.
        max_ack_pending=concurrency * 4,
    )


def broker_security(options: dict[str, Any]) -> NatsSecurity | None:
    """FastStream takes TLS and credentials as a security object rather than nats-py arguments."""
    tls = options.pop("tls", None)
    creds = options.pop("user_credentials", None)
    seed = options.pop("nkeys_seed", None)
    if creds is not None:
        return NatsCredentials(creds, ssl_context=tls)
    if seed is not None:
        return NatsNKey(seed, ssl_context=tls)
    if tls is not None:
        return NatsSecurity(ssl_context=tls)
    return None


def build_gateway(
    settings: Settings,
    deliver: Deliver,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    ack_wait: timedelta = DEFAULT_ACK_WAIT,
    middlewares: Sequence[Any] = (),
    on_connection_closed: Callable[[], object] | None = None,
) -> tuple[NatsBroker, FastStream]:
    """The broker with the gateway's subscriber, and the FastStream app that starts and stops it.

    ``deliver`` is `temporal_delivery` in production; tests and the benchmark wrap or replace it.
    ``middlewares`` wrap the handler (tracing: `discharge.ops.tracing.broker_middlewares`); the gateway's
    metrics (workers/gateway/observed.py) are always counted, by the handler itself.
    ``on_connection_closed`` is called when the NATS connection is closed for good without our asking:
    nats-py reconnects after a lost connection, but not after the server has closed it with an error
    (``-ERR``); `run_gateway` then builds the gateway again.
    """
    stopping = False
    options = connection_options(settings, name="gateway", closing=lambda: stopping)
    security = broker_security(options)

    async def on_closed() -> None:
        if not stopping and on_connection_closed is not None:
            on_connection_closed()

    broker = NatsBroker(
        **options,
        security=security,
        graceful_timeout=ack_wait.total_seconds() / 2,
        # FastStream's per-message access log ("Received", "Processed") only at debug: ours says more.
        log_level=logging.DEBUG,
        # Through the standard logging that `configure_logging` routes into our format; FastStream's own
        # default logger would print plain text lines to stdout.
        logger=logging.getLogger("discharge.faststream"),
        # No dependency injection: resolving even the message from FastStream's context runs a sync
        # function in a worker thread, twice per message (found profiling the benchmark, see
        # docs/benchmarks.md). The handler gets the message itself through `whole_message` instead.
        apply_types=False,
        middlewares=middlewares,
        closed_cb=on_closed,
    )

    async def publish_dead_letter(body: bytes, letter: DeadLetter) -> object:
        # Within the server's max_payload, headers included: an oversized publish makes nats-server close
        # the connection, and nats-py then stays closed (events/deadletter.py).
        kept, headers = kept_body(body, letter.headers(), broker.connection.max_payload)
        return await broker.publish(
            kept, deadletter_subject(letter.subject), headers=headers, stream=DEADLETTER_STREAM
        )

    ingest = Ingest(
        deliver=counted_delivery(deliver),
        dead_letter=counted_dead_letters(publish_dead_letter),
        secret=settings.discharge_patient_key_secret.get_secret_value(),
        max_deliveries=settings.discharge_max_deliveries,
        future_tolerance=settings.discharge_future_tolerance,
    )

    @broker.subscriber(
        INBOUND_SUBJECTS,
        # The queue group is also the durable name (nats-py): gateways started side by side share the work.
        queue=DURABLE,
        stream=JStream(INBOUND_STREAM, declare=False),
        config=consumer_config(ack_wait, concurrency),
        ack_policy=AckPolicy.MANUAL,
        decoder=whole_message,
        max_workers=concurrency,
        title="events",
        description=(
            "Inbound CloudEvents (JSON structured mode) on events.<type>: one message per event; see "
            "docs/gateway.md. Refused messages go to deadletter.<subject>."
        ),
    )
    async def on_event(message: NatsMessage) -> None:
        delivery = delivery_of(message)
        count_received(delivery.subject, delivery.deliveries)
        try:
            outcome = await ingest.process(delivery)
        except Exception as error:
            # Only our own plumbing can fail here (the dead-letter stream unreachable): try again later.
            log.error("gateway could not settle a message", error=type(error).__name__, detail=safe(error))
            await message.nack(delay=RETRY_DELAY_MAX / 4)
            return
        if outcome.ack:
            await message.ack()
        else:
            await message.nack(delay=outcome.retry_in)

    app = FastStream(broker)

    @app.on_startup
    async def _streams() -> None:
        await broker.connect()
        await ensure_streams(broker.config.connection_state.stream, settings.discharge_stream_replicas)

    @app.on_shutdown
    async def _mark_stopping() -> None:
        nonlocal stopping
        stopping = True

    return broker, app
