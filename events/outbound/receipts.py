"""``delivery_received``: a receiver's ``received`` receipt, as the read model counts it (issue 21)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from events.outbound.data import HsaIdText, Moment, OutboundData, Receives
from events.outbound.names import OutboundType


class DeliveryReceived(OutboundData):
    """A receiver acknowledged a delivery as ``received``: the indicator "received within 15 minutes"."""

    TYPE: ClassVar[OutboundType] = "delivery_received"
    RECEIVERS = (Receives("coordination", None),)

    receiver: HsaIdText = Field(description="the receiver's HSA-id")
    message_id: str = Field(description="the delivered event's id")
    delivered_type: OutboundType = Field(description="the delivered event's type")
    delivered_at: Moment = Field(description="when the pathway published the delivered event")
    received_at: Moment = Field(description="the receipt's time")
