"""``OpenConsult``: a call to the on-call specialist that has not been answered yet."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from events.inbound.corrections import ConsultUrgency
from events.inbound.data import Party


class OpenConsult(BaseModel):
    """One open consult; its ``due_at`` is its own durable deadline (several may be open at once)."""

    id: str  # the CloudEvent id of the primarycare.consult_requested: what an answer may name
    party: Party
    requested_by: str
    urgency: ConsultUrgency
    requested_at: datetime
    rota: str  # the on-call rota called, and escalated to when no answer comes
    due_at: datetime  # clinical time: the answer is due; moves on by the timeout at each escalation
    escalations: int = 0
