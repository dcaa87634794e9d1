"""Delivery to each receiver, need-to-know: who gets an outbound event, on which subject, with what.

Every outbound event a party must receive is also delivered to that party alone, on
``deliver.<receiver HSA-id>.<type>`` in the stream ``DISCHARGE_DELIVERY`` (events/streams.py). The delivered
CloudEvent is the outbound one (same ``id``) plus the extension attribute ``recipient``; its ``Nats-Msg-Id``
is ``<id>.<recipient>``, so a delivery repeated after a crash is stored once. The patient's identity stays
in the copy only for a receiver that must act on it.

The receivers are read from the outbound event's own ``data`` (``receivers``): a receiving system can check
why it got an event, and the pathway (workflows/rules/receipts.py) computes the same list to await receipts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

#: The deliveries' stream and its subjects: ``deliver.<receiver HSA-id>.<type>``.
DELIVERY_STREAM = "DISCHARGE_DELIVERY"
DELIVERY_SUBJECTS = "deliver.>"
#: The inbound type with which a receiver answers each delivery.
RECEIPT_TYPE = "primarycare.message_acknowledged"

#: Deliveries that ask the receiver to act: unless ``received`` within ``DISCHARGE_DELIVERY_RECEIPT_TIMEOUT``,
#: the pathway escalates ``not_delivered``. (A routed municipal concern is an ``escalation_raised`` with
#: ``reason`` ``municipal_concern``: see ``asks_to_act``.)
ACTION_TYPES: frozenset[str] = frozenset(
    {
        "joint_planning_requested",
        "support_started",
        "handover_requested",
        "home_visit_requested",
        "consult_requested",
    }
)
#: The parties the rules address by role (``to``) rather than by HSA-id; coordinators read the inbox.
_LMV, _VARDCENTRAL = "lmv", "vardcentral"


@dataclass(frozen=True)
class Receiver:
    hsa_id: str
    identity: bool  # whether this receiver needs the patient's identity to act


def asks_to_act(event_type: str, data: dict[str, Any]) -> bool:
    """Whether a delivery of this event asks its receiver to act (and so needs a ``received`` receipt)."""
    return event_type in ACTION_TYPES or (
        event_type == "escalation_raised" and data.get("reason") == "municipal_concern"
    )


def receivers(event_type: str, data: dict[str, Any], lmv_unit: str | None) -> list[Receiver]:
    """The HSA-ids an outbound event is delivered to, in a stable order, each once.

    ``data["to"]`` names them: ``"lmv"`` (the LMV unit taking part: ``data["lmv_unit"]`` or else
    ``lmv_unit``, the region's LMV unit), ``"vardcentral"`` (``data["listed_vardcentral"]``), an HSA-id (a
    vårdcentral, an on-call rota), or a list of these; ``data["routed_to"]`` (a night-time concern's on-call
    unit) adds one. ``"coordinator"`` is nobody's delivery: coordinators work from the inbox. The identity
    goes to a receiver only when the outbound event carries it (the rules add it where the receiver acts).
    """
    named = data.get("to")
    wanted = named if isinstance(named, list) else [named]
    if isinstance(data.get("routed_to"), str):
        wanted = [data["routed_to"]]  # routed away from the responsible unit: only the on-call unit
    identity = "patient" in data
    found: list[Receiver] = []
    for party in wanted:
        hsa_id = _hsa_id(party, data, lmv_unit)
        if hsa_id is not None and all(r.hsa_id != hsa_id for r in found):
            found.append(Receiver(hsa_id, identity))
    return found


def _hsa_id(party: object, data: dict[str, Any], lmv_unit: str | None) -> str | None:
    if party == _LMV:
        unit = data.get("lmv_unit") or lmv_unit
        return unit if isinstance(unit, str) else None
    if party == _VARDCENTRAL:
        listed = data.get("listed_vardcentral")
        return listed if isinstance(listed, str) else None
    if isinstance(party, str) and is_hsa_id(party):
        return party
    return None


def is_hsa_id(value: str) -> bool:
    """An HSA-id as a subject token: ``SE`` + organisation number + ``-`` + the unit's part; no dots or
    wildcards (a receiver's permissions are built from it)."""
    return (
        value.startswith("SE")
        and "-" in value
        and 5 <= len(value) <= 64
        and all(ch.isalnum() or ch == "-" for ch in value)
    )


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


def delivered_document(cloudevent: dict[str, Any], receiver: Receiver) -> dict[str, Any]:
    """The outbound CloudEvent as ``receiver`` gets it: ``recipient`` added, the identity only if needed."""
    data = dict(cloudevent.get("data") or {})
    if not receiver.identity:
        data.pop("patient", None)
    return {**cloudevent, "recipient": receiver.hsa_id, "data": data}


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
