"""The patient page's timeline: every outbound event of a pathway, with who received it (issue 26).

One row per outbound event (``pathway_events``), fed in the same transaction as the other projections
(discharge/readmodel/store.py), so a redelivered event changes nothing here either. ``receivers`` are the
HSA-ids the delivery fan-out gives the event (``OutboundData.receivers``, the one function the delivery
worker and the pathway's receipts use too, with the region's LMV unit), not the parties a type may have.
``facts`` are a few coded fields the page words (an escalation's reason, an extension's days, a contact's
kind): never the patient's identity and never free text, which the outbound events do not carry either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from discharge.readmodel.schema import UtcDateTime, metadata
from events.outbound.data import OutboundData
from events.outbound.event import OutboundEvent
from events.outbound.pathway import JointPlanningConfirmed
from events.outbound.receipts import DeliveryReceived
from events.outbound.support import PatientExperienceRecorded, PhysicianContactRecorded

pathway_events = sa.Table(
    "pathway_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("pathway_key", sa.String(200), nullable=False, index=True),
    sa.Column("type", sa.String(64), nullable=False),
    # Clinical time: when the step happened (a contact's own time, a receipt's), else when it was published.
    sa.Column("at", UtcDateTime(), nullable=False),
    sa.Column("published_at", UtcDateTime(), nullable=False),
    sa.Column("receivers", sa.String(400), nullable=False, default=""),  # HSA-ids, space-separated
    # Those of them the event asks to act: their delivery awaits a receipt (workflows/rules/receipts.py).
    sa.Column("acting", sa.String(400), nullable=False, default=""),
    sa.Column("facts", sa.JSON, nullable=False, default=dict),
)

#: The coded fields of an outbound event's ``data`` the page may show (each an HSA-id, a code, a number or
#: a time): what is not listed here never reaches the read model's file.
SHOWN_FIELDS = frozenset(
    {
        "reason",
        "to",
        "routed_to",
        "receiver",
        "delivered_type",
        "missing",
        "days",
        "support_ends_at",
        "decided_by",
        "party",
        "kind",
        "urgency",
        "outcome",
        "opened_by",
        "phase",
        "due_at",
        "escalation_index",
        "message_id",
    }
)


def clinical_time(data: OutboundData, published: datetime) -> datetime:
    match data:
        case PhysicianContactRecorded():
            return data.contact_at
        case PatientExperienceRecorded():
            return data.reported_at
        case DeliveryReceived():
            return data.received_at
        case JointPlanningConfirmed():
            return data.confirmed_at
    return published


def shown_facts(data: OutboundData) -> dict[str, Any]:
    """The event's shown fields as published (JSON: times as text), only those in ``SHOWN_FIELDS``."""
    published = data.published()
    return {name: value for name, value in published.items() if name in SHOWN_FIELDS and value is not None}


def apply_timeline(conn: Connection, event: OutboundEvent, pathway_key: str, lmv_unit: str | None) -> None:
    """One outbound event's line (the caller de-duplicates by event id)."""
    data = event.data
    receivers = data.receivers(lmv_unit)
    conn.execute(
        pathway_events.insert().values(
            event_id=event.id,
            pathway_key=pathway_key,
            type=event.type,
            at=clinical_time(data, event.time),
            published_at=event.time,
            receivers=" ".join(r.hsa_id for r in receivers),
            acting=" ".join(r.hsa_id for r in receivers if r.acts),
            facts=shown_facts(data),
        )
    )
