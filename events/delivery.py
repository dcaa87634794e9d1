"""Delivery to each receiver, need-to-know: who gets an outbound event, on which subject, with what.

Every outbound event a party must receive is also delivered to that party alone, on
``deliver.<receiver HSA-id>.<type>`` in the stream ``DISCHARGE_DELIVERY`` (events/streams.py). The delivered
CloudEvent is the outbound one (same ``id``) plus the extension attribute ``recipient``; its ``Nats-Msg-Id``
is ``<id>.<recipient>``, so a delivery repeated after a crash is stored once. The patient's identity stays
in the copy only for a receiver that must act on it.

The receivers are read from the outbound event's own ``data`` by its type's model (events/outbound/data.py,
``RECEIVERS``): a receiving system can check why it got an event, and the pathway
(workflows/rules/receipts.py) computes the same list to await receipts.
"""

from __future__ import annotations

import json
import re
from typing import Any

from events.fields import HSA_ID_PATTERN
from events.outbound.catalogue import outbound_data
from events.outbound.data import Recipient

#: The deliveries' stream and its subjects: ``deliver.<receiver HSA-id>.<type>``.
DELIVERY_STREAM = "DISCHARGE_DELIVERY"
DELIVERY_SUBJECTS = "deliver.>"
#: The inbound type with which a receiver answers each delivery.
RECEIPT_TYPE = "primarycare.message_acknowledged"


def receivers(event_type: str, data: dict[str, Any], lmv_unit: str | None) -> list[Recipient]:
    """The receivers an outbound event (its type and ``data`` as published) is delivered to, each once.

    The type's model declares them (events/outbound/data.py: ``RECEIVERS``); ``lmv_unit`` (the region's,
    ``DISCHARGE_LMV_UNIT``) stands in for an event to LMV that does not name the LMV unit taking part.
    ``ValueError`` when ``data`` is not that type's.
    """
    return outbound_data(event_type, data).receivers(lmv_unit)


def is_hsa_id(value: str) -> bool:
    """An HSA-id (events/fields.py): letters, digits and one ``-``, so a safe subject token (no dots or
    wildcards: a receiver's permissions are built from it)."""
    return re.fullmatch(HSA_ID_PATTERN, value) is not None


def deliver_subject(recipient: str, event_type: str) -> str:
    return f"deliver.{recipient}.{event_type}"


#: A receiving organisation's NATS user is ``receiver-<HSA-id>``; its one durable consumer has the same name.
RECEIVER_PREFIX = "receiver-"


def receiver_user(hsa_id: str) -> str:
    return f"{RECEIVER_PREFIX}{hsa_id}"


def receiver_filter(recipient: str) -> str:
    """The only consumer filter a receiver's NATS user may create: its own deliveries."""
    return f"deliver.{recipient}.>"


def delivery_msg_id(event_id: str, recipient: str) -> str:
    return f"{event_id}.{recipient}"


def delivered_document(cloudevent: dict[str, Any], receiver: Recipient) -> dict[str, Any]:
    """The outbound CloudEvent as ``receiver`` gets it: ``recipient`` added, the identity only if needed."""
    data = dict(cloudevent.get("data") or {})
    if not receiver.identity:
        data.pop("patient", None)
    return {**cloudevent, "recipient": receiver.hsa_id, "data": data}


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def copies_for(cloudevent: dict[str, Any], owed: list[Recipient]) -> list[tuple[str, bytes, str]]:
    """One outbound CloudEvent's deliveries to ``owed``: (subject, body, ``Nats-Msg-Id``) per receiver. The
    fan-out (workers/delivery.py) and the pathway's later deliveries (activity ``deliver_outbound``) make
    them alike, so a copy made by both is stored once."""
    event_type = str(cloudevent.get("type", "")).removeprefix("discharge.")
    event_id = str(cloudevent.get("id", ""))
    return [
        (
            deliver_subject(receiver.hsa_id, event_type),
            encode(delivered_document(cloudevent, receiver)),
            delivery_msg_id(event_id, receiver.hsa_id),
        )
        for receiver in owed
    ]
