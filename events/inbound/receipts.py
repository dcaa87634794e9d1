"""A receiver's receipt: ``primarycare.message_acknowledged``, the answer to each delivered event.

``message_id`` is the delivered CloudEvent's ``id`` (the outbound one's), ``recipient`` the receiver's own
HSA-id (the one in the delivery's ``recipient``). ``received`` means the receiving system took the message in
and a person will act on it; ``rejected`` means it could not (unknown patient, not theirs), which raises
``delivery_rejected`` at once. ``detail`` is free text: validated for its length, then dropped, never
forwarded, stored or logged (it can describe the patient).

A receipt comes from the receiver it names: its ``source`` is ``urn:hsa:<recipient>``. A receiver cannot
acknowledge (nor reject) another receiver's delivery, so ``foreign_receipt`` refuses any other ``source`` at
every door, before the event is stored or signalled (`events.inbound.parsing.parse_inbound`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from events.fields import HsaId, PatientRef, StrictModel

ReceiptOutcome = Literal["received", "rejected"]

#: The dead-letter kind (and HTTP 400 reason) of a receipt whose ``source`` is not its ``recipient``.
WRONG_SENDER = "wrong_sender"


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


def foreign_receipt(source: str, recipient: str) -> str | None:
    """Why a receipt with this ``source`` cannot be ``recipient``'s own, or None when it is.

    Names the rule, never either value: both are HSA-ids, but a reason must not become a way to echo input.
    """
    if source == f"urn:hsa:{recipient}":
        return None
    return (
        "source: a receipt must come from the receiver it names: source must be urn:hsa:<data.recipient> "
        "(a receiver acknowledges only its own deliveries)"
    )
