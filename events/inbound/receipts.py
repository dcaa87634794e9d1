"""A receiver's receipt: ``primarycare.message_acknowledged``, the answer to each delivered event.

``message_id`` is the delivered CloudEvent's ``id`` (the outbound one's), ``recipient`` the receiver's own
HSA-id (the one in the delivery's ``recipient``). ``received`` means the receiving system took the message in
and a person will act on it; ``rejected`` means it could not (unknown patient, not theirs), which raises
``delivery_rejected`` at once. ``detail`` is free text: validated for its length, then dropped, never
forwarded, stored or logged (it can describe the patient).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from events.fields import HsaId, PatientRef, StrictModel

ReceiptOutcome = Literal["received", "rejected"]


class MessageAcknowledgedData(StrictModel):
    patient: PatientRef
    message_id: str = Field(min_length=1, max_length=256, description="the delivered CloudEvent's id")
    recipient: HsaId = Field(description="the receiver's HSA-id, as in the delivery's `recipient`")
    outcome: ReceiptOutcome
    detail: str | None = Field(
        None,
        max_length=4000,
        description="free text: accepted, never forwarded, stored or logged (always empty once received)",
    )

    @field_validator("detail", mode="after")
    @classmethod
    def _drop_detail(cls, value: Any) -> None:
        return None
