"""The JetStream streams of the contract: their names, subjects, limits, and creating them when missing.

Three streams, all on file storage so that a NATS restart loses nothing that was acked:

- ``DISCHARGE_EVENTS`` (``events.>``): what hospitals, primary care, municipalities and coordinators send.
- ``DISCHARGE_DEADLETTER`` (``deadletter.>``): inbound messages the gateway could not accept, kept with
  the reason so someone can act on them.
- ``DISCHARGE_OUTBOUND`` (``discharge.>``): what the pathways tell LMV, the vårdcentral and coordinators.
- ``DISCHARGE_DELIVERY`` (``deliver.<receiver HSA-id>.<type>``): each outbound event a party must act on or
  know, copied to that party alone (events/delivery.py), so a receiver reads only its own subject.

Streams are made by one provisioning step (``provision_streams``): `discharge dev` at start, and
``discharge streams provision`` in production. The processes only use them; their NATS users have no right to
create a stream (docs/operations.md).

The duplicate window (24 h) is how long JetStream remembers a ``Nats-Msg-Id``: a sender that retries a
publish, or re-sends a whole batch within a day, is stored once. Duplicates that get past it (a re-send
days later) are ignored by the pathway itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import structlog
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from events.delivery import DELIVERY_STREAM, DELIVERY_SUBJECTS
from events.inbound.envelopes import dedup_key

INBOUND_STREAM = "DISCHARGE_EVENTS"
DEADLETTER_STREAM = "DISCHARGE_DEADLETTER"
OUTBOUND_STREAM = "DISCHARGE_OUTBOUND"

INBOUND_SUBJECTS = "events.>"
DEADLETTER_SUBJECTS = "deadletter.>"
OUTBOUND_SUBJECTS = "discharge.>"

#: The durable consumers of the outbound stream (workers/readmodel.py, delivery.py, notify.py), by name: a
#: user's rights name the one consumer it may create, with its filter (workers/stack/nats_auth.py).
READMODEL_CONSUMER = "discharge-readmodel"
DELIVERY_CONSUMER = "discharge-delivery"
NOTIFY_CONSUMER = "discharge-notify"

#: How long JetStream de-duplicates by ``Nats-Msg-Id``.
DUPLICATE_WINDOW = timedelta(hours=24)
#: Inbound events are kept a week: long enough to ride out a long Temporal outage (they stay unacked and
#: are redelivered), short enough not to keep patient identities in the broker for long.
INBOUND_MAX_AGE = timedelta(days=7)
#: Dead letters wait a month for someone to inspect, fix and replay them.
DEADLETTER_MAX_AGE = timedelta(days=30)
#: Receivers (LMV, vårdcentral systems) may be offline for days; a month covers any realistic outage.
OUTBOUND_MAX_AGE = timedelta(days=30)
#: The same month for each receiver's copy: a receiving system away for days still finds its deliveries.
DELIVERY_MAX_AGE = timedelta(days=30)

#: The JSON content type of a CloudEvent in structured mode.
CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    subject: str
    max_age: timedelta
    duplicate_window: timedelta
    description: str

    def config(self, replicas: int = 1) -> StreamConfig:
        return StreamConfig(
            name=self.name,
            description=self.description,
            subjects=[self.subject],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            discard=DiscardPolicy.OLD,
            max_age=self.max_age.total_seconds(),
            duplicate_window=self.duplicate_window.total_seconds(),
            # 3 in a production cluster (DISCHARGE_STREAM_REPLICAS): each message on three servers before
            # the ack, so losing one server loses nothing and intake goes on (docs/operations.md).
            num_replicas=replicas,
        )


STREAMS: tuple[StreamSpec, ...] = (
    StreamSpec(
        INBOUND_STREAM,
        INBOUND_SUBJECTS,
        INBOUND_MAX_AGE,
        DUPLICATE_WINDOW,
        "inbound CloudEvents for the discharge pathways",
    ),
    StreamSpec(
        DEADLETTER_STREAM,
        DEADLETTER_SUBJECTS,
        DEADLETTER_MAX_AGE,
        # Each dead letter gets its own id (the failed message's stream sequence) so a gateway that
        # crashes between dead-lettering and acking does not store the same dead letter twice.
        DUPLICATE_WINDOW,
        "inbound messages the gateway refused, with the reason in headers",
    ),
    StreamSpec(
        OUTBOUND_STREAM,
        OUTBOUND_SUBJECTS,
        OUTBOUND_MAX_AGE,
        DUPLICATE_WINDOW,
        "outbound CloudEvents from the discharge pathways",
    ),
    StreamSpec(
        DELIVERY_STREAM,
        DELIVERY_SUBJECTS,
        DELIVERY_MAX_AGE,
        # `Nats-Msg-Id` = `<id>.<recipient>`: a delivery repeated after a crash of the fan-out is stored once.
        DUPLICATE_WINDOW,
        "outbound CloudEvents delivered to each receiver on deliver.<HSA-id>.<type>",
    ),
)


async def provision_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """The provisioning step: every stream of the contract, created where missing (a user that may)."""
    await ensure_streams(js, replicas)


async def ensure_streams(js: JetStreamContext, replicas: int = 1) -> None:
    """Create each stream that does not exist yet, on ``replicas`` servers (``DISCHARGE_STREAM_REPLICAS``);
    an existing one is left as ops configured it."""
    log = structlog.get_logger()
    for spec in STREAMS:
        try:
            await js.stream_info(spec.name)
            continue
        except NotFoundError:
            pass
        try:
            await js.add_stream(spec.config(replicas))
            log.info("jetstream stream created", stream=spec.name, subjects=spec.subject, replicas=replicas)
        except Exception as error:
            # Another process may have created it in the meantime: only that is acceptable. Anything
            # else (e.g. another stream already owns the subjects) is raised as the server said it.
            try:
                await js.stream_info(spec.name)
            except NotFoundError:
                raise error from None


def inbound_msg_id(source: str, event_id: str) -> str:
    """An inbound event's ``Nats-Msg-Id``: its de-duplication key, so JetStream stores a re-send once."""
    return dedup_key(source, event_id)
