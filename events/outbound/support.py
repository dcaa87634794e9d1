"""LMV support at home: started, re-timed, reviewed, extended; a consult; contacts and experience."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from events.inbound.data import HomeType, Party
from events.outbound.data import Addressed, HsaIdText, Moment, OutboundData, Receives
from events.outbound.names import OutboundType
from events.outbound.pathway import RiskLevel

_LMV_UNIT = Field(None, description="(addition) the LMV unit taking part, when known: its deliveries")
_LISTED_VC = Field(
    None, description="(addition) the patient's listed vårdcentral, when known: its deliveries"
)
#: Fields added for the follow-up indicators (issue 15); absent in events published before them.
_ADDED = "(addition for the indicators; absent in events published before it)"


class SupportStarted(Addressed):
    """LMV support at home begins: LMV must know whom to visit, and until when."""

    TYPE: ClassVar[OutboundType] = "support_started"
    RECEIVERS = (Receives("lmv", "lmv_unit", identity=True, acts=True),)

    to: Literal["lmv"]
    support_ends_at: Moment
    discharged_at: Moment | None = Field(None, description=_ADDED)
    admitted_at: Moment | None = Field(None, description=_ADDED)
    risk_level: RiskLevel | None = Field(None, description=_ADDED)
    listed_vardcentral: HsaIdText | None = Field(None, description=_ADDED)
    home_type: HomeType | None = Field(None, description=_ADDED)
    lmv_unit: HsaIdText | None = _LMV_UNIT


class SupportRescheduled(Addressed):
    """The discharge time was corrected: LMV support now ends at ``support_ends_at``."""

    TYPE: ClassVar[OutboundType] = "support_rescheduled"
    RECEIVERS = (Receives("lmv", "lmv_unit"),)

    to: Literal["lmv"]
    support_ends_at: Moment
    discharged_at: Moment
    lmv_unit: HsaIdText | None = _LMV_UNIT


class ExtensionReviewRequested(OutboundData):
    """The coordinator's task: decide before ``due_at`` (the end of support) whether to extend it."""

    TYPE: ClassVar[OutboundType] = "extension_review_requested"
    RECEIVERS = (Receives("coordination", None),)

    due_at: Moment


class ExtensionGranted(OutboundData):
    """A coordinator extended LMV support by ``days``: it now ends at ``support_ends_at``."""

    TYPE: ClassVar[OutboundType] = "extension_granted"
    RECEIVERS = (Receives("lmv", "lmv_unit"), Receives("vardcentral", "listed_vardcentral"))

    days: int
    support_ends_at: Moment
    decided_by: HsaIdText
    lmv_unit: HsaIdText | None = _LMV_UNIT
    listed_vardcentral: HsaIdText | None = _LISTED_VC


# "Outbound": the inbound primarycare.consult_requested is `ConsultRequested`, and the contract documents
# name each schema by its class.
class ConsultRequestedOutbound(Addressed):
    """LMV or the VC called the discharging clinic's on-call specialist: the context, never free text."""

    TYPE: ClassVar[OutboundType] = "consult_requested"
    RECEIVERS = (Receives("oncall", "to", identity=True, acts=True),)

    to: str = Field(description="the on-call rota (an HSA-id) the consult is routed to")
    consult_id: str
    urgency: Literal["acute", "non_acute"]
    party: Party
    requested_by: HsaIdText
    risk_level: RiskLevel | None
    discharged_at: Moment | None
    support_ends_at: Moment | None


class PhysicianContactRecorded(OutboundData):
    """(Addition for the indicators) a physician contact after discharge."""

    TYPE: ClassVar[OutboundType] = "physician_contact_recorded"
    RECEIVERS = (Receives("coordination", None),)

    party: Party
    kind: Literal["home_visit", "phone", "video", "clinic"]
    contact_at: Moment
    first_lmv_contact: bool = Field(description="true for LMV's first contact after discharge")
    hours_since_discharge: float


class PatientExperienceRecorded(OutboundData):
    """(Addition for the indicators) the patient's experience score; never the comment."""

    TYPE: ClassVar[OutboundType] = "patient_experience_recorded"
    RECEIVERS = (Receives("coordination", None),)

    score: int = Field(ge=1, le=5)
    collected_by: HsaIdText
    reported_at: Moment
