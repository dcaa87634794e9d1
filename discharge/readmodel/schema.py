"""The read model's tables, in SQLAlchemy Core so that SQLite (embedded) and PostgreSQL run the same code.

One row per pathway (a run of the pathway workflow: one patient, one hospital episode), the escalations
and the patients' experience reports beside it, and the ids of the CloudEvents already applied, which is
what makes a redelivered event change nothing. Times are UTC (``UtcDateTime``), since SQLite keeps no
offset and a month boundary is then computed in Europe/Stockholm by the report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

metadata = sa.MetaData()


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime in, an aware UTC datetime out, on SQLite (no offsets kept) and PostgreSQL alike."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


#: CloudEvent ids already applied (the outbound ids are unique: uuid5 of workflow id and step).
processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("applied_at", UtcDateTime(), nullable=False),
)

pathways = sa.Table(
    "pathways",
    metadata,
    # patient_key + "/" + episode_id: a readmission opens a new pathway with the new episode.
    sa.Column("pathway_key", sa.String(200), primary_key=True),
    sa.Column("patient_key", sa.String(64), nullable=False, index=True),
    sa.Column("episode_id", sa.String(64)),
    sa.Column("started_at", UtcDateTime()),
    sa.Column("admitted_at", UtcDateTime()),
    sa.Column("discharged_at", UtcDateTime(), index=True),
    # Vårddygn: calendar days (Europe/Stockholm) from admission to discharge, `workflows.policy`.
    sa.Column("inpatient_days", sa.Integer),
    sa.Column("risk_level", sa.String(16)),
    sa.Column("listed_vardcentral", sa.String(64)),
    sa.Column("home_type", sa.String(32)),
    sa.Column("lmv_enrolled", sa.Boolean, nullable=False, default=False),
    sa.Column("support_ends_at", UtcDateTime()),
    sa.Column("first_lmv_contact_at", UtcDateTime()),
    sa.Column("hours_to_first_lmv_contact", sa.Float),
    sa.Column("support_days", sa.Float),
    sa.Column("extensions", sa.Integer, nullable=False, default=0),
    sa.Column("extension_days", sa.Integer, nullable=False, default=0),
    sa.Column("handed_over_at", UtcDateTime()),
    sa.Column("handover_within_period", sa.Boolean),
    sa.Column("vc_physician_visits", sa.Integer, nullable=False, default=0),
    sa.Column("reimbursable_visits", sa.Integer, nullable=False, default=0),
    sa.Column("readmitted", sa.Boolean),
    sa.Column("outcome", sa.String(32)),
    sa.Column("closed_at", UtcDateTime()),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
)

escalations = sa.Table(
    "escalations",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("pathway_key", sa.String(200), nullable=False, index=True),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("raised_at", UtcDateTime(), nullable=False),
)

#: Deliveries to receivers with a known outcome (issue 21): a `received` receipt (`delivery_received`) or
#: its escalation (`not_delivered`, `delivery_rejected`); a later receipt turns an escalated one `received`.
deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("message_id", sa.String(64), primary_key=True),
    sa.Column("receiver", sa.String(64), primary_key=True),
    sa.Column("pathway_key", sa.String(200), nullable=False, index=True),
    sa.Column("delivered_type", sa.String(64)),
    sa.Column("delivered_at", UtcDateTime()),
    sa.Column("received_at", UtcDateTime()),
    sa.Column("outcome", sa.String(32), nullable=False),  # received, not_delivered, delivery_rejected
)

#: Indicator 7: the score and who collected it; a free-text comment never reaches us (see events/).
experiences = sa.Table(
    "experiences",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("pathway_key", sa.String(200), nullable=False, index=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("collected_by", sa.String(64), nullable=False),
    sa.Column("reported_at", UtcDateTime(), nullable=False),
)

# ---- for the pages (issue 26): the inbox reads here instead of asking each pathway -----------------

#: An escalation's place among its pathway's escalations (``ordinal``: what an acknowledgement names, the
#: workflow's own index, since each escalation is published as it is raised) and, for a delivery's
#: escalation, which delivery it is about (a later `received` receipt resolves it: ``deliveries``).
#: A table beside ``escalations`` so that a store made before it needs no migration.
escalation_details = sa.Table(
    "escalation_details",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("pathway_key", sa.String(200), nullable=False, index=True),
    sa.Column("ordinal", sa.Integer, nullable=False),
    sa.Column("receiver", sa.String(64)),
    sa.Column("message_id", sa.String(64)),
)

#: Who took an escalation on, as the web page recorded it once the workflow's update accepted it (the
#: acknowledgement is no outbound event; the web page is its only door: workflows/actor.py). No note here:
#: it is free text, read on the patient's page from the workflow.
acknowledgements = sa.Table(
    "acknowledgements",
    metadata,
    sa.Column("pathway_key", sa.String(200), primary_key=True),
    sa.Column("ordinal", sa.Integer, primary_key=True),
    sa.Column("acknowledged_by", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("acknowledged_at", UtcDateTime(), nullable=False),
)

#: Joint-planning confirmations sent from the web page (its physicians' action), as the page recorded them
#: once the event was stored for the gateway: a confirmation is no outbound event, so the patient page knows
#: of it only from here, or from a later ``planning_not_confirmed`` escalation naming who is still missing.
planning_confirmations = sa.Table(
    "planning_confirmations",
    metadata,
    sa.Column("pathway_key", sa.String(200), primary_key=True),
    sa.Column("party", sa.String(16), primary_key=True),  # lmv, vardcentral
    sa.Column("confirmed_at", UtcDateTime(), nullable=False),
)

#: How current the store is, per consumer: ``caught_up_at`` is the last moment it had applied everything
#: on its stream (the page shows it); ``last_lag_ms`` the last applied event's lag from its ``time``.
freshness = sa.Table(
    "freshness",
    metadata,
    sa.Column("consumer", sa.String(64), primary_key=True),
    sa.Column("caught_up_at", UtcDateTime()),
    sa.Column("last_applied_at", UtcDateTime()),
    sa.Column("last_lag_ms", sa.Float),
)
