"""``OutboundData``: what every outbound event's ``data`` carries, and who receives it.

Each outbound type's model (events/outbound/catalogue.py) subclasses ``OutboundData`` and declares its
receivers in ``RECEIVERS``: which party (``Party``), in which of its own fields that party's HSA-id is,
whether the party needs the patient's identity, and whether the event asks it to act.
``receivers()`` turns the declaration into the HSA-ids of one event.

Published bytes stay as they were before the models: a model publishes the fields that were given to it
(or read from the wire), not every field it knows with ``null`` (``published()``), and times keep the
offset they were given (``Moment``). Unknown fields are kept, not refused: an event written by a newer
pathway (a field added) must still be read, and a pathway must never stall on its own output.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from events.fields import HSA_ID_PATTERN
from events.outbound.names import OutboundType

#: Who receives outbound events. ``coordination`` reads them in the coordinators' inbox and the read
#: model (it has no delivery subject); the others each have an HSA-id in the event.
Party = Literal["lmv", "vardcentral", "oncall", "coordination"]


def _iso(value: datetime) -> str:
    return value.isoformat()


#: A time as the pathway publishes it: RFC 3339 with the offset it was given (``+00:00``, not ``Z``).
Moment = Annotated[AwareDatetime, PlainSerializer(_iso, return_type=str)]
HsaIdText = Annotated[str, Field(description="an HSA-id, e.g. SE2321000131-E000000000001")]

_HSA_ID = re.compile(HSA_ID_PATTERN)


@dataclass(frozen=True)
class Receives:
    """One party's part in an outbound type (declared once per type, in ``RECEIVERS``).

    ``field`` names the event's field that holds the party's HSA-id (``None``: no delivery subject, as for
    coordination); ``identity``: the party needs the patient's identity to act; ``acts``: the event asks
    the party to act, so its delivery awaits a receipt.
    """

    party: Party
    field: str | None
    identity: bool = False
    acts: bool = False


@dataclass(frozen=True)
class Recipient:
    """One receiver of one event: its HSA-id and what its declaration says."""

    hsa_id: str
    party: Party
    identity: bool
    acts: bool


class PublishedModel(BaseModel):
    """A part of an outbound event: published as given (see the module docstring)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    @model_serializer(mode="wrap")
    def _as_given(self, handler: SerializerFunctionWrapHandler) -> Any:
        dumped = handler(self)
        if not isinstance(dumped, dict):
            return dumped
        given = self.model_fields_set | set(self.model_extra or {})
        return {name: value for name, value in dumped.items() if name in given}

    def published(self) -> dict[str, Any]:
        """The JSON object as receivers read it (times as strings, only the fields given)."""
        dumped: dict[str, Any] = self.model_dump(mode="json")
        return dumped

    # Read as a receiver reads the JSON: ``data["to"]``, ``"patient" in data``, ``dict(data)`` give the
    # published values (times as strings), so what a test or a reader checks is what goes on the wire.
    def __getitem__(self, name: str) -> Any:
        return self.published()[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.published().get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.published()

    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        yield from self.published().items()


class PatientIdentity(PublishedModel):
    id: str = Field(description="personnummer, samordningsnummer or reservnummer, canonical (12 characters)")


class OutboundData(PublishedModel):
    """What every outbound event's ``data`` carries; each type adds its own fields."""

    #: The outbound type this model is the ``data`` of (``discharge.<TYPE>`` on the wire).
    TYPE: ClassVar[OutboundType]
    #: Who receives this type, and what each needs: see ``Receives``.
    RECEIVERS: ClassVar[tuple[Receives, ...]] = ()

    patient_key: str = Field(description="keyed pseudonym of the patient (pk_ + 32 hex digits)")
    episode_id: str | None = Field(description="the hospital's care-episode id, when known")
    patient: PatientIdentity | None = Field(
        None, description="the patient's identity: only where a receiver must act on it"
    )

    def receivers(self, lmv_unit: str | None = None) -> list[Recipient]:
        """The receivers of this event, each once, in the order declared.

        A party is left out when the event does not hold its HSA-id (a VC not known yet) or does not
        address it (``addresses``). ``lmv_unit``, the region's LMV unit (``DISCHARGE_LMV_UNIT``), stands
        in for an event addressed to LMV that does not name the LMV unit itself.
        """
        found: list[Recipient] = []
        for rule in self.RECEIVERS:
            if not self.addresses(rule):
                continue
            hsa_id = self._hsa_id(rule, lmv_unit)
            if hsa_id is None or any(r.hsa_id == hsa_id for r in found):
                continue
            found.append(Recipient(hsa_id, rule.party, rule.identity, rule.acts))
        return found

    def addresses(self, rule: Receives) -> bool:
        """Whether this event is for ``rule``'s party; every declared party unless a type narrows it."""
        return True

    def _hsa_id(self, rule: Receives, lmv_unit: str | None) -> str | None:
        value = getattr(self, rule.field, None) if rule.field else None
        if value is None and rule.party == "lmv" and self.addressed_by_role("lmv"):
            value = lmv_unit
        return value if isinstance(value, str) and _HSA_ID.match(value) else None

    def addressed_by_role(self, role: str) -> bool:
        """Whether ``to`` names ``role`` (``lmv``, ``vardcentral``, ``coordinator``); no ``to``: no."""
        to = getattr(self, "to", None)
        return role in to if isinstance(to, list) else to == role


class Addressed(OutboundData):
    """A type whose ``to`` says which of its declared parties one event is for (one event per party).

    ``to`` is a role (``lmv``, ``vardcentral``, ``coordinator``), a list of roles, or an HSA-id (the
    listed VC, an on-call rota). A party read from ``to`` itself is addressed; another one when ``to``
    names its role (``coordination`` is named ``coordinator``).
    """

    def addresses(self, rule: Receives) -> bool:
        if rule.field == "to":
            return True
        return self.addressed_by_role("coordinator" if rule.party == "coordination" else rule.party)
