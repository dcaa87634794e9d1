"""Kept so that code written before the split keeps importing: the streams are in `events/streams.py`,
the JetStream publisher of outbound events in `activities/publisher.py`. New code imports from those."""

from activities.publisher import JetStreamPublisher
from events.streams import (
    CLOUDEVENTS_CONTENT_TYPE,
    DEADLETTER_STREAM,
    DEADLETTER_SUBJECTS,
    DUPLICATE_WINDOW,
    INBOUND_STREAM,
    INBOUND_SUBJECTS,
    OUTBOUND_STREAM,
    OUTBOUND_SUBJECTS,
    STREAMS,
    StreamSpec,
    ensure_streams,
    inbound_msg_id,
)

__all__ = [
    "CLOUDEVENTS_CONTENT_TYPE",
    "DEADLETTER_STREAM",
    "DEADLETTER_SUBJECTS",
    "DUPLICATE_WINDOW",
    "INBOUND_STREAM",
    "INBOUND_SUBJECTS",
    "OUTBOUND_STREAM",
    "OUTBOUND_SUBJECTS",
    "STREAMS",
    "JetStreamPublisher",
    "StreamSpec",
    "ensure_streams",
    "inbound_msg_id",
]
