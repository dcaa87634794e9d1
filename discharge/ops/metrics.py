"""Every metric the worker, the gateway and the delivery export, defined once.

Labels only ever take values from closed sets (event types of the contract, dead-letter kinds,
escalation reasons, phases, decisions): a label value is a new time series, and an open-ended one
(a patient key, an event id, a subject a sender made up) would both leak and grow without bound.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

#: A value outside a label's known set is counted under this one instead.
OTHER = "other"

EVENTS_RECEIVED = Counter(
    "discharge_events_received",
    "Inbound messages taken from DISCHARGE_EVENTS by the gateway (each delivery), by event type",
    ["type"],
)
EVENTS_REDELIVERED = Counter(
    "discharge_events_redelivered",
    "Inbound messages delivered again after a failed or unacknowledged try, by event type",
    ["type"],
)
EVENTS_ACCEPTED = Counter(
    "discharge_events_accepted",
    "Inbound events Temporal accepted (signal-with-start done, message acked), by event type",
    ["type"],
)
EVENTS_DEAD_LETTERED = Counter(
    "discharge_events_dead_lettered",
    "Inbound messages parked on deadletter.> by reason kind (e.g. invalid_json, delivery_failed)",
    ["kind"],
)
DELIVERIES_STORED = Counter(
    "discharge_deliveries_stored",
    "Copies of outbound events stored for their receivers on deliver.<HSA-id>.<type> (discharge delivery)",
)
DELIVERIES_RETRIED = Counter(
    "discharge_deliveries_retried",
    "Outbound events whose copies JetStream did not all take: handed back to come again (discharge delivery)",
)
INGEST_LATENCY = Histogram(
    "discharge_ingest_latency_seconds",
    "From the event stored in JetStream to Temporal accepting its signal",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
OUTBOUND_PUBLISHED = Counter(
    "discharge_outbound_published",
    "Outbound events stored in DISCHARGE_OUTBOUND (not counting a retry JetStream recognised), by type",
    ["type"],
)
PATHWAYS_OPENED = Counter(
    "discharge_pathways_opened",
    "Pathways opened (their pathway_started event published)",
)
ESCALATIONS = Counter(
    "discharge_escalations",
    "Escalations raised, by reason",
    ["reason"],
)
DECISIONS = Counter(
    "discharge_decisions",
    "Coordinator decisions on extension reviews carried out (extension granted or handover started)",
    ["decision"],
)
PATHWAYS_BY_PHASE = Gauge(
    "discharge_pathways_open",
    "Running pathways per phase (Temporal's count API, refreshed periodically)",
    ["phase"],
)


def bounded(value: object, known: Iterable[str]) -> str:
    """``value`` as a label if it is one of ``known``, else ``other``."""
    text = str(value)
    return text if text in set(known) else OTHER


#: The handover reason the rules give when a coordinator decided it (workflows/rules/decisions.py).
COORDINATOR_HANDOVER = "coordinator decided handover"


def record_outbound(event_type: str, data: dict[str, object]) -> None:
    """Count one outbound event newly stored, and what it means for the pathway metrics.

    Counted where the event is published (the worker's activity), not in workflow code: a workflow
    replays, an activity's effect happens once (a retry JetStream de-duplicates is not counted).
    """
    from events.outbound.names import OUTBOUND_TYPES, EscalationReason

    OUTBOUND_PUBLISHED.labels(bounded(event_type, OUTBOUND_TYPES)).inc()
    if event_type == "pathway_started":
        PATHWAYS_OPENED.inc()
    elif event_type == "escalation_raised":
        ESCALATIONS.labels(bounded(data.get("reason"), EscalationReason.__args__)).inc()  # type: ignore[attr-defined]
    elif event_type == "extension_granted":
        DECISIONS.labels("extend").inc()
    elif event_type == "handover_requested" and data.get("reason") == COORDINATOR_HANDOVER:
        DECISIONS.labels("handover").inc()
