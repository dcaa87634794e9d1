"""The inbound events of the contract: one pydantic model per CloudEvents ``type``.

Every event is a CloudEvents 1.0 envelope in JSON structured mode whose ``data`` is the model
for its ``type``; ``InboundEvent`` parses any of them through a discriminated union on ``type``.
The JSON Schema and AsyncAPI documents under ``docs/`` are generated from these classes.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from events.fields import HsaId, KommunCode, PatientRef, StrictModel, Timestamp

HomeType = Literal["own_home", "nursing_home", "lss_home"]
Party = Literal["lmv", "vardcentral"]


class HospitalData(StrictModel):
    patient: PatientRef
    episode_id: str = Field(min_length=1, max_length=64, description="the hospital's care-episode id")


class PatientAdmittedData(HospitalData):
    unit: HsaId
    admission: Literal["planned", "unplanned"]
    listed_vardcentral: HsaId | None = None
    home_type: HomeType | None = None


class RiskAssessedData(HospitalData):
    level: Literal["high", "standard"]
    assessed_by: HsaId
    note: str | None = Field(None, max_length=2000)


class DischargePlannedData(HospitalData):
    planned_for: Timestamp


class PatientDischargedData(HospitalData):
    home_type: HomeType
    listed_vardcentral: HsaId | None = None


class PatientDeceasedData(StrictModel):
    patient: PatientRef
    episode_id: str | None = Field(None, min_length=1, max_length=64)


class PlanningConfirmedData(StrictModel):
    patient: PatientRef
    party: Party
    unit: HsaId
    confirmed_by: HsaId


class PhysicianContactData(StrictModel):
    patient: PatientRef
    party: Party
    kind: Literal["home_visit", "phone", "video", "clinic"]
    performed_by: HsaId


class HandoverProposedData(StrictModel):
    patient: PatientRef
    proposed_by: HsaId


class HandoverAcceptedData(StrictModel):
    patient: PatientRef
    unit: HsaId
    accepted_by: HsaId


class SupportDeclinedData(StrictModel):
    patient: PatientRef
    recorded_by: HsaId


class HomecareData(StrictModel):
    patient: PatientRef
    municipality: KommunCode


class ConcernRaisedData(StrictModel):
    patient: PatientRef
    urgency: Literal["acute", "non_acute"]
    summary: str = Field(min_length=1, max_length=4000)


class ExtensionDecidedData(StrictModel):
    patient: PatientRef
    decision: Literal["extend", "handover"]
    extend_days: int | None = Field(None, ge=1, le=14, description="1-14, required with decision=extend")
    reason: str = Field(min_length=1, max_length=2000)
    decided_by: HsaId

    @model_validator(mode="after")
    def _days_with_extend(self) -> ExtensionDecidedData:
        if self.decision == "extend" and self.extend_days is None:
            raise ValueError("extend_days (1-14) is required when decision is 'extend'")
        if self.decision == "handover" and self.extend_days is not None:
            raise ValueError("extend_days must be left out when decision is 'handover'")
        return self


class LmvEnrollmentDecidedData(StrictModel):
    patient: PatientRef
    reason: str = Field(min_length=1, max_length=2000)
    decided_by: HsaId


class CloudEvent(BaseModel):
    """The CloudEvents 1.0 attributes every event has. Extension attributes are allowed and kept."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: str = Field(min_length=1, max_length=256, description="unique per source")
    source: str = Field(min_length=1, max_length=512, description="the emitting system, a URI-reference")
    type: str
    time: Timestamp = Field(description="when it happened (clinical time), RFC 3339 with offset")
    datacontenttype: Literal["application/json"] | None = None


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
    | LmvEnrollmentDecided,
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
}
INBOUND_TYPES: tuple[str, ...] = tuple(EVENT_CLASSES)

INBOUND_ADAPTER: TypeAdapter[InboundEvent] = TypeAdapter(InboundEvent)


class InvalidEvent(ValueError):
    """An inbound event that cannot be accepted; ``reason`` is what a person can act on."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind  # not_json | unknown_type | schema_violation | clock_error
        self.reason = reason


#: An unknown field named like a field (letters and underscores) is named back; anything else is not.
_FIELD_NAME = re.compile(r"[A-Za-z_]{1,40}")


def describe_validation_error(error: ValidationError) -> str:
    """Name every failing field (``data.patient.id: not a valid personnummer: ...``).

    Pydantic's own message would echo the input value, which can be a personnummer: we never
    repeat input values in a reason, because reasons go to logs and dead-letter headers.
    """
    problems = []
    for problem in error.errors(include_url=False, include_input=False):
        # The discriminator puts the type name in the location: drop it, it is not a field.
        loc = [str(part) for part in problem["loc"] if str(part) not in EVENT_CLASSES]
        if problem["type"] == "extra_forbidden" and loc and not _FIELD_NAME.fullmatch(loc[-1]):
            # The name is the sender's text: repeated only when it looks like a (misspelt) field name.
            loc[-1] = "(a field not in the contract)"
        message = str(problem["msg"]).removeprefix("Value error, ")
        problems.append(f"{'.'.join(loc) or '(event)'}: {message}")
    return "; ".join(problems)


def parse_inbound(
    raw: bytes | str,
    *,
    now: datetime | None = None,
    future_tolerance: timedelta = timedelta(minutes=5),
) -> InboundEvent:
    """Parse and validate one inbound CloudEvent, or raise ``InvalidEvent`` with a specific reason."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise InvalidEvent("not_json", f"the message is not JSON ({error.__class__.__name__})") from None
    if not isinstance(document, dict):
        raise InvalidEvent("not_json", "the message is JSON but not an object")
    event_type = document.get("type")
    # Checked as a string first: a list or an object is unhashable. Never quoted: it can be anything.
    if not isinstance(event_type, str) or event_type not in EVENT_CLASSES:
        raise InvalidEvent(
            "unknown_type",
            f"type: not an event type of the contract; expected one of: {', '.join(INBOUND_TYPES)}",
        )
    try:
        event = INBOUND_ADAPTER.validate_python(document)
    except ValidationError as error:
        raise InvalidEvent("schema_violation", describe_validation_error(error)) from None
    if now is not None and event.time - now > future_tolerance:
        raise InvalidEvent(
            "clock_error",
            f"time: more than {future_tolerance} ahead of the gateway's clock: the sender's clock is wrong",
        )
    return event


def patient_of(event: InboundEvent) -> str:
    """The canonical patient identity of an inbound event (already validated)."""
    return event.data.patient.id


def episode_of(event: InboundEvent) -> str | None:
    return getattr(event.data, "episode_id", None)
