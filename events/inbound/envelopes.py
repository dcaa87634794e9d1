"""The CloudEvents envelope, one model per inbound ``type``, and the union that parses any of them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from events.fields import (
    Timestamp,
)
from events.inbound.corrections import (
    AdmissionCancelledData,
    ConsultAnsweredData,
    ConsultRequestedData,
    DischargeCancelledData,
    DischargeCorrectedData,
)
from events.inbound.data import (
    ConcernRaisedData,
    DischargePlannedData,
    ExtensionDecidedData,
    HandoverAcceptedData,
    HandoverProposedData,
    HomecareData,
    LmvEnrollmentDecidedData,
    PatientAdmittedData,
    PatientDeceasedData,
    PatientDischargedData,
    PhysicianContactData,
    PlanningConfirmedData,
    RiskAssessedData,
    SupportDeclinedData,
)
from events.inbound.experience import PatientExperienceReportedData
from events.inbound.receipts import MessageAcknowledgedData


class CloudEvent(BaseModel):
    """The CloudEvents 1.0 attributes every event has. Extension attributes are allowed and kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=256, description="unique per source")
    source: str = Field(min_length=1, max_length=512, description="the emitting system, a URI-reference")
    type: str
    time: Timestamp = Field(description="when it happened (clinical time), RFC 3339 with offset")
    datacontenttype: Literal["application/json"] | None = None


def dedup_key(source: str, event_id: str) -> str:
    """The contract's de-duplication key: CloudEvents makes ``source`` + ``id`` unique per event."""
    return f"{source} {event_id}"


class PatientAdmitted(CloudEvent):
    """The patient was admitted to inpatient care."""

    type: Literal["hospital.patient_admitted"]
    data: PatientAdmittedData


class RiskAssessed(CloudEvent):
    """The responsible doctor (PAL) judged the risk of unplanned readmission."""

    type: Literal["hospital.risk_assessed"]
    data: RiskAssessedData


class DischargePlanned(CloudEvent):
    """A discharge date was planned."""

    type: Literal["hospital.discharge_planned"]
    data: DischargePlannedData


class PatientDischarged(CloudEvent):
    """The patient left inpatient care."""

    type: Literal["hospital.patient_discharged"]
    data: PatientDischargedData


class PatientDeceased(CloudEvent):
    """The patient died."""

    type: Literal["hospital.patient_deceased"]
    data: PatientDeceasedData


class PlanningConfirmed(CloudEvent):
    """LMV or the listed VC joined the discharge planning."""

    type: Literal["primarycare.planning_confirmed"]
    data: PlanningConfirmedData


class PhysicianContact(CloudEvent):
    """An LMV or VC physician was in contact with the patient."""

    type: Literal["primarycare.physician_contact"]
    data: PhysicianContactData


class HandoverProposed(CloudEvent):
    """LMV proposes handing over to the VC before the period ends."""

    type: Literal["primarycare.handover_proposed"]
    data: HandoverProposedData


class HandoverAccepted(CloudEvent):
    """The VC took over medical responsibility."""

    type: Literal["primarycare.handover_accepted"]
    data: HandoverAcceptedData


class SupportDeclined(CloudEvent):
    """The patient declines LMV support."""

    type: Literal["primarycare.support_declined"]
    data: SupportDeclinedData


class HomecareEnrolled(CloudEvent):
    """The patient was enrolled in municipal care (hemsjukvård)."""

    type: Literal["municipality.homecare_enrolled"]
    data: HomecareData


class HomecareEnded(CloudEvent):
    """The patient's municipal care ended."""

    type: Literal["municipality.homecare_ended"]
    data: HomecareData


class ConcernRaised(CloudEvent):
    """Municipal staff raised a concern about the patient."""

    type: Literal["municipality.concern_raised"]
    data: ConcernRaisedData


class ExtensionDecided(CloudEvent):
    """A coordinator decided on extending LMV support, or on handover."""

    type: Literal["coordination.extension_decided"]
    data: ExtensionDecidedData


class LmvEnrollmentDecided(CloudEvent):
    """A coordinator gave a standard-risk patient LMV support (individual decision)."""

    type: Literal["coordination.lmv_enrollment_decided"]
    data: LmvEnrollmentDecidedData


class DischargeCancelled(CloudEvent):
    """The discharge did not happen (the patient is still admitted)."""

    type: Literal["hospital.discharge_cancelled"]
    data: DischargeCancelledData


class DischargeCorrected(CloudEvent):
    """The discharge happened at another time than first sent."""

    type: Literal["hospital.discharge_corrected"]
    data: DischargeCorrectedData


class AdmissionCancelled(CloudEvent):
    """The admission was entered in error."""

    type: Literal["hospital.admission_cancelled"]
    data: AdmissionCancelledData


class ConsultRequested(CloudEvent):
    """LMV or the VC calls the discharging clinic's on-call specialist."""

    type: Literal["primarycare.consult_requested"]
    data: ConsultRequestedData


class ConsultAnswered(CloudEvent):
    """The on-call specialist answered a consult."""

    type: Literal["hospital.consult_answered"]
    data: ConsultAnsweredData


class PatientExperienceReported(CloudEvent):
    """LMV or the VC reports the patient's own experience of the support (indicator 7)."""

    type: Literal["primarycare.patient_experience_reported"]
    data: PatientExperienceReportedData


class MessageAcknowledged(CloudEvent):
    """A receiver's receipt for a delivered event (events/inbound/receipts.py)."""

    type: Literal["primarycare.message_acknowledged"]
    data: MessageAcknowledgedData


InboundEvent = Annotated[
    PatientAdmitted
    | RiskAssessed
    | DischargePlanned
    | PatientDischarged
    | PatientDeceased
    | PlanningConfirmed
    | PhysicianContact
    | HandoverProposed
    | HandoverAccepted
    | SupportDeclined
    | HomecareEnrolled
    | HomecareEnded
    | ConcernRaised
    | ExtensionDecided
    | LmvEnrollmentDecided
    | DischargeCancelled
    | DischargeCorrected
    | AdmissionCancelled
    | ConsultRequested
    | ConsultAnswered
    | PatientExperienceReported
    | MessageAcknowledged,
    Field(discriminator="type"),
]

#: Every inbound type, in the contract's order.
EVENT_CLASSES: dict[str, type[CloudEvent]] = {
    "hospital.patient_admitted": PatientAdmitted,
    "hospital.risk_assessed": RiskAssessed,
    "hospital.discharge_planned": DischargePlanned,
    "hospital.patient_discharged": PatientDischarged,
    "hospital.patient_deceased": PatientDeceased,
    "primarycare.planning_confirmed": PlanningConfirmed,
    "primarycare.physician_contact": PhysicianContact,
    "primarycare.handover_proposed": HandoverProposed,
    "primarycare.handover_accepted": HandoverAccepted,
    "primarycare.support_declined": SupportDeclined,
    "municipality.homecare_enrolled": HomecareEnrolled,
    "municipality.homecare_ended": HomecareEnded,
    "municipality.concern_raised": ConcernRaised,
    "coordination.extension_decided": ExtensionDecided,
    "coordination.lmv_enrollment_decided": LmvEnrollmentDecided,
    "hospital.discharge_cancelled": DischargeCancelled,
    "hospital.discharge_corrected": DischargeCorrected,
    "hospital.admission_cancelled": AdmissionCancelled,
    "primarycare.consult_requested": ConsultRequested,
    "hospital.consult_answered": ConsultAnswered,
    "primarycare.patient_experience_reported": PatientExperienceReported,
    "primarycare.message_acknowledged": MessageAcknowledged,
}
INBOUND_TYPES: tuple[str, ...] = tuple(EVENT_CLASSES)

INBOUND_ADAPTER: TypeAdapter[InboundEvent] = TypeAdapter(InboundEvent)
