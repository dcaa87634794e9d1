"""The ``data`` of each inbound event type: what the sender tells, field by field."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from events.fields import (
    EXTENSION_DAYS_RANGE,
    ExtensionDays,
    HsaId,
    KommunCode,
    PatientRef,
    StrictModel,
    Timestamp,
)

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
    extend_days: ExtensionDays | None = Field(
        None, description=f"{EXTENSION_DAYS_RANGE}, required with decision=extend"
    )
    reason: str = Field(min_length=1, max_length=2000)
    decided_by: HsaId

    @model_validator(mode="after")
    def _days_with_extend(self) -> ExtensionDecidedData:
        if self.decision == "extend" and self.extend_days is None:
            raise ValueError(f"extend_days ({EXTENSION_DAYS_RANGE}) is required when decision is 'extend'")
        if self.decision == "handover" and self.extend_days is not None:
            raise ValueError("extend_days must be left out when decision is 'handover'")
        return self


class LmvEnrollmentDecidedData(StrictModel):
    patient: PatientRef
    reason: str = Field(min_length=1, max_length=2000)
    decided_by: HsaId
