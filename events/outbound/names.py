"""The outbound vocabulary: the ``discharge.<type>`` names and the escalation reasons (add, don't rename)."""

from __future__ import annotations

from typing import Literal

#: The CloudEvent ``source`` of every outbound event.
OUTBOUND_SOURCE = "urn:discharge-orchestrator"

OutboundType = Literal[
    "pathway_started",
    "joint_planning_requested",
    "support_started",
    "extension_review_requested",
    "extension_granted",
    "handover_requested",
    "handover_completed",
    "home_visit_requested",
    "reimbursable_visit_recorded",
    "escalation_raised",
    "pathway_closed",
    "discharge_cancelled",
    "support_rescheduled",
    "pathway_withdrawn",
    "consult_requested",
    # Additions for the follow-up indicators (issue 15): facts as they happen, for the read model.
    "physician_contact_recorded",
    "patient_experience_recorded",
    # A receiver's `received` receipt (issue 21): for the read model's "received within 15 minutes".
    "delivery_received",
    # A party's joint-planning confirmation (issue 26): for the read model's "what is missing, from whom".
    "joint_planning_confirmed",
]

OUTBOUND_TYPES: tuple[str, ...] = OutboundType.__args__  # type: ignore[attr-defined]

EscalationReason = Literal[
    "discharged_without_risk_assessment",
    "discharged_before_planning_complete",
    "planning_not_confirmed",
    "first_contact_overdue",
    "extension_decision_overdue",
    "handover_not_accepted",
    "municipal_concern",
    "consult_not_answered",
    "not_delivered",
    "delivery_rejected",
]
