"""Responsibility passes to the listed vårdcentral: the handover, a home visit, a reimbursable visit."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from events.inbound.data import HomeType
from events.outbound.data import Addressed, HsaIdText, Moment, OutboundData, PublishedModel, Receives
from events.outbound.names import OutboundType
from events.outbound.pathway import RiskLevel

_LMV_UNIT = Field(None, description="(addition) the LMV unit taking part, when known: its deliveries")
_LISTED_VC = Field(
    None, description="(addition) the patient's listed vårdcentral, when known: its deliveries"
)


class HandoverSummary(PublishedModel):
    """What the vårdcentral needs to know of the stay; ``admitted_at`` is absent in older events."""

    risk_level: RiskLevel | None
    home_type: HomeType | None
    discharged_at: Moment | None
    lmv_enrolled: bool
    extensions: int
    admitted_at: Moment | None = None


class HandoverRequested(Addressed):
    """The listed vårdcentral is asked to take over the patient's care (and to accept the handover)."""

    TYPE: ClassVar[OutboundType] = "handover_requested"
    RECEIVERS = (Receives("vardcentral", "to", identity=True, acts=True),)

    to: str | None = Field(description="the listed vårdcentral's HSA-id (null when none is known)")
    reason: str = Field(description="why the handover starts, e.g. 'lmv proposed handover'")
    summary: HandoverSummary
    due_at: Moment | None = Field(
        None,
        description="(addition) when the acceptance is due: after it, `handover_not_accepted` is escalated",
    )


class HandoverCompleted(OutboundData):
    """The vårdcentral accepted the handover: it is responsible for the patient now."""

    TYPE: ClassVar[OutboundType] = "handover_completed"
    RECEIVERS = (Receives("lmv", "lmv_unit"), Receives("vardcentral", "listed_vardcentral"))

    accepted_by: HsaIdText
    accepted_at: Moment | None = Field(None, description="(addition for the indicators) when it accepted")
    within_support_period: bool | None = Field(
        None,
        description="(addition) true when the VC accepted before the original end of LMV support; "
        "null without LMV support",
    )
    lmv_unit: HsaIdText | None = _LMV_UNIT
    listed_vardcentral: HsaIdText | None = _LISTED_VC


class HomeVisitRequested(Addressed):
    """A nursing-home resident after discharge: the listed vårdcentral is asked for a home visit."""

    TYPE: ClassVar[OutboundType] = "home_visit_requested"
    RECEIVERS = (Receives("vardcentral", "to", identity=True, acts=True),)

    to: str | None = Field(description="the listed vårdcentral's HSA-id (null when none is known)")


class ReimbursableVisitRecorded(OutboundData):
    """A VC doctor's home visit to a patient in municipal care: reimbursable by the region."""

    TYPE: ClassVar[OutboundType] = "reimbursable_visit_recorded"
    RECEIVERS = (Receives("vardcentral", "listed_vardcentral"), Receives("coordination", None))

    performed_by: HsaIdText
    visited_at: Moment
    listed_vardcentral: HsaIdText | None = _LISTED_VC
