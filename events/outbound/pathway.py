"""The pathway's own course: opened, joint planning asked for, withdrawn or a discharge cancelled, closed."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from events.outbound.data import Addressed, HsaIdText, Moment, OutboundData, PublishedModel, Receives
from events.outbound.names import OutboundType

RiskLevel = Literal["high", "standard"]

_LMV_UNIT = Field(None, description="(addition) the LMV unit taking part, when known: its deliveries")
_LISTED_VC = Field(
    None, description="(addition) the patient's listed vårdcentral, when known: its deliveries"
)


class PathwayStarted(OutboundData):
    """The pathway opened: the LMV unit (when taking part) and the listed VC know of the patient's stay."""

    TYPE: ClassVar[OutboundType] = "pathway_started"
    RECEIVERS = (Receives("lmv", "lmv_unit"), Receives("vardcentral", "listed_vardcentral"))

    opened_by: str = Field(description="the inbound type that opened it, e.g. hospital.patient_admitted")
    phase: str = Field(description="the phase it opened in (DischargePhase), e.g. inpatient")
    lmv_unit: HsaIdText | None = _LMV_UNIT
    listed_vardcentral: HsaIdText | None = _LISTED_VC
    admitting_unit: HsaIdText | None = Field(
        None,
        description="(addition) the hospital unit that admitted the patient, when known (FHIR's care team)",
    )


class JointPlanningRequested(Addressed):
    """A high-risk patient: LMV and the listed VC are asked to confirm joint planning before discharge."""

    TYPE: ClassVar[OutboundType] = "joint_planning_requested"
    RECEIVERS = (
        Receives("lmv", "lmv_unit", identity=True, acts=True),
        Receives("vardcentral", "listed_vardcentral", identity=True, acts=True),
    )

    to: list[str] = Field(description='["lmv", "vardcentral"]')
    listed_vardcentral: HsaIdText | None = Field(description="the listed vårdcentral, when known")
    lmv_unit: HsaIdText | None = _LMV_UNIT


class JointPlanningConfirmed(OutboundData):
    """LMV or the listed VC confirmed joint planning (addition, issue 26): the read model's "what is
    missing, and from whom" without asking the pathway. Delivered to no receiver (the party that confirmed
    knows; the coordinators read the page). Published by runs from patch `one-patch-marker` on."""

    TYPE: ClassVar[OutboundType] = "joint_planning_confirmed"

    party: Literal["lmv", "vardcentral"] = Field(description="who confirmed: `lmv` or `vardcentral`")
    unit: HsaIdText = Field(description="the confirming unit's HSA-id")
    confirmed_at: Moment = Field(description="the confirmation's time (its inbound event's `time`)")
    complete: bool = Field(description="both parties have now confirmed")


# "Outbound": the inbound hospital.discharge_cancelled is `DischargeCancelled`, and the contract documents
# name each schema by its class.
class DischargeCancelledOutbound(Addressed):
    """The hospital cancelled the discharge: each party told of it must stop (one event per party)."""

    TYPE: ClassVar[OutboundType] = "discharge_cancelled"
    RECEIVERS = (Receives("lmv", "lmv_unit", identity=True), Receives("vardcentral", "to", identity=True))

    to: str | None = Field(description="`lmv`, or the listed vårdcentral's HSA-id")
    lmv_unit: HsaIdText | None = _LMV_UNIT


class PathwayWithdrawn(Addressed):
    """The admission was entered in error: each party told of the pathway drops it (one event per party)."""

    TYPE: ClassVar[OutboundType] = "pathway_withdrawn"
    RECEIVERS = (Receives("lmv", "lmv_unit", identity=True), Receives("vardcentral", "to", identity=True))

    to: str | None = Field(description="`lmv`, or the listed vårdcentral's HSA-id")
    lmv_unit: HsaIdText | None = _LMV_UNIT


class Indicators(PublishedModel):
    """The follow-up figures of a closed pathway (docs/indicators.md); later additions may be absent in
    events published before them."""

    risk_level: RiskLevel | None
    discharged_at: Moment | None
    lmv_enrolled: bool
    hours_to_first_lmv_contact: float | None
    support_days: float | None
    extensions: int
    extension_days: int
    handover_within_original_period: bool | None
    vc_physician_visits: int
    readmitted_within_window: bool
    outcome: str | None
    counted: bool | None = Field(None, description="false when the indicators must leave the pathway out")
    admitted_at: Moment | None = None
    inpatient_days: int | None = None
    listed_vardcentral: HsaIdText | None = None
    first_lmv_contact_at: Moment | None = None
    handed_over_at: Moment | None = None
    experience_scores: list[int] | None = None


class PathwayClosed(OutboundData):
    """The pathway closed, with its outcome and the figures the follow-up indicators need."""

    TYPE: ClassVar[OutboundType] = "pathway_closed"
    RECEIVERS = (
        Receives("lmv", "lmv_unit"),
        Receives("vardcentral", "listed_vardcentral"),
        Receives("coordination", None),
    )

    outcome: str = Field(
        description="e.g. handed_over, deceased, readmitted, entered_in_error (an admission entered in error)"
    )
    indicators: Indicators
    lmv_unit: HsaIdText | None = _LMV_UNIT
    listed_vardcentral: HsaIdText | None = _LISTED_VC
