"""Every outbound type's ``data`` model by type: the one place that maps ``discharge.<type>`` to its model."""

from __future__ import annotations

from typing import Any

from events.outbound.data import OutboundData
from events.outbound.escalation import EscalationRaised
from events.outbound.handover import (
    HandoverCompleted,
    HandoverRequested,
    HomeVisitRequested,
    ReimbursableVisitRecorded,
)
from events.outbound.pathway import (
    DischargeCancelledOutbound,
    JointPlanningConfirmed,
    JointPlanningRequested,
    PathwayClosed,
    PathwayStarted,
    PathwayWithdrawn,
)
from events.outbound.receipts import DeliveryReceived
from events.outbound.support import (
    ConsultRequestedOutbound,
    ExtensionGranted,
    ExtensionReviewRequested,
    PatientExperienceRecorded,
    PhysicianContactRecorded,
    SupportRescheduled,
    SupportStarted,
)

OUTBOUND_MODELS: dict[str, type[OutboundData]] = {
    model.TYPE: model
    for model in (
        PathwayStarted,
        JointPlanningRequested,
        SupportStarted,
        ExtensionReviewRequested,
        ExtensionGranted,
        HandoverRequested,
        HandoverCompleted,
        HomeVisitRequested,
        ReimbursableVisitRecorded,
        EscalationRaised,
        PathwayClosed,
        DischargeCancelledOutbound,
        SupportRescheduled,
        PathwayWithdrawn,
        ConsultRequestedOutbound,
        PhysicianContactRecorded,
        PatientExperienceRecorded,
        DeliveryReceived,
        JointPlanningConfirmed,
    )
}


def outbound_data(type_: str, data: dict[str, Any] | OutboundData) -> OutboundData:
    """The typed ``data`` of an outbound event of ``type_``: ``ValueError`` when it is not that type's."""
    model = OUTBOUND_MODELS.get(type_)
    if model is None:
        raise ValueError(f"{type_!r} is not an outbound type")
    if isinstance(data, OutboundData):
        if not isinstance(data, model):
            raise ValueError(f"data of {type(data).__name__} is not the data of {type_}")
        return data
    return model.model_validate(data)
