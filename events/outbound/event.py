"""``OutboundEvent``: one outbound CloudEvent as the workflow hands it to the publish activity.

Its JSON (in the activity's input, in saved histories) is ``{"id", "type", "time", "data"}`` with ``type``
the short name and ``data`` as published; ``data`` is read into the type's model
(events/outbound/catalogue.py).
The ``id`` is chosen by the workflow deterministically, so a retried activity publishes the same event, and
JetStream de-duplicates it by ``Nats-Msg-Id``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, model_validator

from events.cloudevent import cloudevent
from events.outbound.catalogue import outbound_data
from events.outbound.data import OutboundData, Recipient
from events.outbound.names import OUTBOUND_SOURCE, OutboundType


class OutboundEvent(BaseModel):
    """One outbound CloudEvent. ``type`` is the short name; on the wire it is ``discharge.<type>``."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, description="deterministic per workflow step")
    type: OutboundType
    time: datetime
    data: SerializeAsAny[OutboundData] = Field(description="the type's model: patient_key, episode_id, ...")

    @model_validator(mode="before")
    @classmethod
    def _typed_data(cls, value: Any) -> Any:
        """``data`` as the model of ``type`` (a dict from JSON, or a model built by the rules)."""
        if isinstance(value, dict) and isinstance(value.get("type"), str) and "data" in value:
            return {**value, "data": outbound_data(value["type"], value["data"])}
        return value

    @property
    def subject(self) -> str:
        return f"discharge.{self.type}"

    def cloudevent(self) -> dict[str, Any]:
        return cloudevent(
            id=self.id,
            source=OUTBOUND_SOURCE,
            type=f"discharge.{self.type}",
            time=self.time,
            data=self.data.published(),
        )

    @classmethod
    def from_cloudevent(cls, document: dict[str, Any]) -> OutboundEvent:
        """An outbound CloudEvent as read from the stream (``ValueError`` when it is not one of ours)."""
        full_type = document.get("type")
        if not isinstance(full_type, str) or not full_type.startswith("discharge."):
            raise ValueError("not an outbound event of the pathway (discharge.<type>)")
        return cls.model_validate({**document, "type": full_type.removeprefix("discharge.")})


class OutboundPublisher(Protocol):
    """Publishes outbound events with an ack; idempotent by ``OutboundEvent.id``."""

    async def publish(self, event: OutboundEvent) -> None: ...


@runtime_checkable
class DeliveryPublisher(Protocol):
    """Delivers an outbound event to receivers (``deliver.<HSA-id>.<type>``), once per receiver and id."""

    async def deliver(self, event: OutboundEvent, receivers: list[Recipient]) -> None: ...
