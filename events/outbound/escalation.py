"""``escalation_raised``: something is overdue or wrong, and ``to`` must act (``reason`` says what)."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar, Literal

from pydantic import Field

from events.outbound.data import Addressed, HsaIdText, Moment, Receives, Recipient
from events.outbound.names import EscalationReason, OutboundType


class EscalationRaised(Addressed):
    """An escalation: to the coordinator, LMV, the listed VC or an on-call rota (``to``); a municipal
    concern routed out of office hours goes to the on-call unit in ``routed_to`` instead."""

    TYPE: ClassVar[OutboundType] = "escalation_raised"
    RECEIVERS = (
        Receives("coordination", None),
        Receives("lmv", "lmv_unit"),
        Receives("vardcentral", "listed_vardcentral"),
        Receives("oncall", "to"),
        Receives("oncall", "routed_to", identity=True, acts=True),
    )
    #: Reasons that ask their receiver to act (a municipal concern, wherever it is routed): it then needs
    #: the patient's identity too, and its delivery awaits a receipt.
    ACTING_REASONS: ClassVar[tuple[EscalationReason, ...]] = ("municipal_concern",)

    reason: EscalationReason
    to: str = Field(description="who must act: lmv, vardcentral, coordinator or an on-call rota (HSA-id)")
    missing: list[Literal["lmv", "vardcentral"]] | None = Field(
        None, description="planning_not_confirmed: who has not confirmed"
    )
    due_at: Moment | None = Field(None, description="the overdue task's due time, where there is one")
    urgency: Literal["acute", "non_acute"] | None = None
    consult_id: str | None = Field(None, description="consult_not_answered: which consult")
    requested_at: Moment | None = Field(None, description="consult_not_answered: when it was asked for")
    repetition: int | None = Field(None, description="consult_not_answered: the how-manieth reminder")
    routed_to: HsaIdText | None = Field(
        None, description="(addition) the on-call unit a concern is routed to out of office hours"
    )
    overdue_since: Moment | None = Field(
        None, description="(addition) a deadline escalation: the deadline that was missed"
    )
    overdue_by: str | None = Field(
        None, description="(addition) a deadline escalation: how overdue, as an ISO 8601 duration (PT…S)"
    )
    lmv_unit: HsaIdText | None = Field(None, description="(addition) the LMV unit, when `to` is lmv")
    listed_vardcentral: HsaIdText | None = Field(
        None, description="(addition) the listed vårdcentral, when `to` is vardcentral"
    )
    receiver: HsaIdText | None = Field(
        None, description="(addition) not_delivered, delivery_rejected: the receiver of the delivery"
    )
    message_id: str | None = Field(
        None, description="(addition) not_delivered, delivery_rejected: the delivered event's id"
    )
    delivered_type: OutboundType | None = Field(
        None, description="(addition) not_delivered, delivery_rejected: the delivered event's type"
    )
    escalation_index: int | None = Field(
        None,
        ge=0,
        description="(addition) its index among the pathway's escalations (what an acknowledgement names)",
    )

    def addresses(self, rule: Receives) -> bool:
        if self.routed_to is not None:  # routed away from the responsible unit: only the on-call unit
            return rule.field == "routed_to"
        return rule.field != "routed_to" and super().addresses(rule)

    def receivers(self, lmv_unit: str | None = None) -> list[Recipient]:
        found = super().receivers(lmv_unit)
        if self.reason not in self.ACTING_REASONS:
            return found
        return [replace(r, identity=True, acts=True) for r in found]
