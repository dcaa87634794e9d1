"""The payloads of the hospital's corrections and of the on-call specialist's consults.

Hospital systems correct themselves (MedCom's HospitalNotification has revise and cancel codes, HL7 v2
has A11 and A13): a discharge can be cancelled or its time corrected, an admission can be entered in
error. And the doctors caring for these patients at home may call the discharging clinic's on-call
specialist. Their CloudEvents are in ``envelopes``;
import from ``events.inbound``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from events.fields import HsaId, PatientRef, StrictModel, Timestamp
from events.inbound.data import HospitalData, Party

#: A consult's urgency decides how long the on-call specialist has to answer before it is escalated.
ConsultUrgency = Literal["acute", "non_acute"]


class DischargeCancelledData(HospitalData):
    # Free text from the hospital: validated, then never serialised (``exclude``), so it is not signalled
    # to the workflow, kept in its history or log, forwarded or logged.
    reason: str | None = Field(
        None, max_length=2000, exclude=True, description="free text; never forwarded, stored or logged"
    )


class DischargeCorrectedData(HospitalData):
    discharged_at: Timestamp = Field(description="when the discharge really happened (RFC 3339)")


class AdmissionCancelledData(HospitalData):
    pass


class ConsultRequestedData(StrictModel):
    patient: PatientRef
    party: Party
    requested_by: HsaId
    urgency: ConsultUrgency


class ConsultAnsweredData(StrictModel):
    patient: PatientRef
    answered_by: HsaId
    request_id: str | None = Field(
        None,
        min_length=1,
        max_length=256,
        description="the `id` of the primarycare.consult_requested event answered; "
        "without it, the patient's oldest open consult",
    )
