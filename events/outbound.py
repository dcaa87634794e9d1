"""Outbound events: what the pathway tells LMV, the VC and coordinators, on ``discharge.<type>``.

Each is a CloudEvent whose ``data`` carries ``patient_key`` and ``episode_id``; the patient's
identity (``patient``) only where the receiver must act on it (joint planning, handover, home visit).
The ``id`` is chosen by the workflow deterministically, so a retried activity publishes the same
event, and JetStream de-duplicates it by ``Nats-Msg-Id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

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


class OutboundEvent(BaseModel):
    """One outbound CloudEvent. ``type`` is the short name; on the wire it is ``discharge.<type>``."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, description="deterministic per workflow step")
    type: OutboundType
    time: datetime
    data: dict[str, Any] = Field(description="patient_key, episode_id and the type's own fields")

    @property
    def subject(self) -> str:
        return f"discharge.{self.type}"

    def cloudevent(self) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": self.id,
            "source": OUTBOUND_SOURCE,
            "type": f"discharge.{self.type}",
            "time": self.time.isoformat(),
            "datacontenttype": "application/json",
            "data": self.data,
        }


class OutboundPublisher(Protocol):
    """Publishes outbound events with an ack; idempotent by ``OutboundEvent.id``."""

    async def publish(self, event: OutboundEvent) -> None: ...
