"""Field types shared by the event models: HSA-ids, kommun codes, patient identities, times."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from events.bounds import check_year
from events.identity import ACCEPTED_SYSTEMS, InvalidIdentity, parse_identity

# An HSA-id: "SE", the organisation number (10 digits), a hyphen, then up to 31 letters/digits.
HSA_ID_PATTERN = r"^SE\d{10}-[A-Za-z0-9]{1,31}$"
HsaId = Annotated[
    str,
    StringConstraints(pattern=HSA_ID_PATTERN),
    Field(
        description="HSA-id of a unit or a member of staff, e.g. SE2321000131-E000000000001",
        examples=["SE2321000131-E000000000001"],
    ),
]

_KOMMUN = re.compile(r"^(0[1-9]|1\d|2[0-5])\d{2}$")


def _kommun_code(value: str) -> str:
    if not _KOMMUN.match(value):
        raise ValueError("expected a 4-digit kommun code whose first two digits are a county (01-25)")
    return value


KommunCode = Annotated[
    str,
    AfterValidator(_kommun_code),
    Field(
        description="4-digit Swedish kommun code (SCB), e.g. 1380 for Halmstad",
        examples=["1380"],
        # For integrators' validators only: the AfterValidator above is what the gateway applies.
        json_schema_extra={"pattern": _KOMMUN.pattern},
    ),
]


# RFC 3339: date, "T" (or a space), time with optional fraction, and an offset ("Z" or ±hh:mm).
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: object) -> object:
    """Only an RFC 3339 string from the wire (pydantic's lax mode would read 1700000000 as a date in 2023,
    and "2026-03-02" as midnight). A `datetime` passes: only our own code builds one, never JSON."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError(
            "expected an RFC 3339 timestamp string with an offset (YYYY-MM-DDThh:mm:ss+hh:mm, or Z)"
        )
    return value


# RFC 3339 with an explicit offset: a naive time is ambiguous across summer time and refused.
Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(_rfc3339),
    AfterValidator(check_year),
    Field(description="RFC 3339 timestamp with offset", examples=["2026-03-02T10:00:00+01:00"]),
]


def _patient_id(value: str) -> str:
    try:
        return parse_identity(value).canonical
    except InvalidIdentity as error:
        raise ValueError(str(error)) from None


PatientId = Annotated[
    str,
    AfterValidator(_patient_id),
    Field(
        description=(
            "personnummer or samordningsnummer (YYYYMMDDNNNN or YYYYMMDD-NNNN, check digit verified, "
            "serial 000 refused), national reservnummer (XXYYMMDDNNGC), Region Halland's reservnummer "
            "(YYYYMMDDNNNN, day 32-59, check digit verified) or regional reservnummer (YYYYMMDD-X999)"
        ),
        examples=["19091231-9803", "98240301AA06", "198108320014"],
        # The shape only; the date and check digit are verified by the gateway (docs/identity.md).
        json_schema_extra={"pattern": r"^\d{8}-?(\d{4}|[A-Za-z]\d{3}|[A-Za-z]{2}[0-9A-Za-z]\d)$"},
    ),
]


class StrictModel(BaseModel):
    """Unknown fields in `data` are refused, so a misspelt optional field is not silently lost."""

    model_config = ConfigDict(extra="forbid", frozen=True)


PatientSystem = Annotated[
    str,
    Field(
        description=(
            "optional: the identifier's kind as an OID (personnummer 1.2.752.129.2.1.3.1, samordningsnummer "
            "1.2.752.129.2.1.3.3, national reservnummer 1.2.752.74.9.1, Region Halland's reservnummer "
            "1.2.752.129.2.1.3.2), or HL7 Sweden's identifier URI for it "
            "(http://electronichealth.se/identifier/personnummer, .../samordningsnummer, "
            ".../nationelltReservnummer); when given, the number must be of that kind"
        ),
        examples=["1.2.752.129.2.1.3.1", "http://electronichealth.se/identifier/personnummer"],
        json_schema_extra={"enum": list(ACCEPTED_SYSTEMS)},
    ),
]


class PatientRef(StrictModel):
    id: PatientId
    system: PatientSystem | None = None

    @model_validator(mode="after")
    def _number_of_its_system(self) -> PatientRef:
        if self.system is not None:
            try:
                parse_identity(self.id, self.system)
            except InvalidIdentity as error:
                raise ValueError(str(error)) from None
        return self


# A coordinator extends LMV support by whole days, within these bounds (the contract's rule): the
# event, the update, the rules and the CLI all check against these two numbers.
MIN_EXTENSION_DAYS = 1
MAX_EXTENSION_DAYS = 14
EXTENSION_DAYS_RANGE = f"{MIN_EXTENSION_DAYS}-{MAX_EXTENSION_DAYS}"
ExtensionDays = Annotated[int, Field(ge=MIN_EXTENSION_DAYS, le=MAX_EXTENSION_DAYS)]
