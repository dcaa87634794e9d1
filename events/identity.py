"""Swedish patient identities and their keyed pseudonym, ``patient_key``.

A patient reaches us as a personnummer, samordningsnummer or reservnummer. The identity is validated
here and then replaced, everywhere people without a care relationship can look (workflow IDs, search
attributes, memo, logs, metrics), by ``patient_key``: an HMAC of the canonical identity with a
configured secret. The same secret gives the same key in the gateway, the worker and the CLI, so every
source of events reaches the same pathway. Each kind has its own rule (docs/identity.md):

* personnummer (Skatteverket, SKV 704): ``YYYYMMDDNNNN`` or ``YYYYMMDD-NNNN``; a real calendar date;
  serial ``NNN`` not ``000`` (never issued); Luhn check digit over ``YYMMDDNNN``.
* samordningsnummer: the same, with 60 added to the day of birth (day 61-91).
* national reservnummer (Inera's NRID): ``XXYYMMDDNNGC``: ``XX`` is the century plus 3, 6 … 78 for a
  known date of birth (``00`` when unknown: then month 20-99, day 40-59), ``NN`` two letters A-Z without
  I, O, Q, V, W, ``G`` a digit (or such a letter for an unknown sex), ``C`` a digit. Inera's
  specification of ``C`` is not public, so it is checked as a digit only.
* Region Halland's local reservnummer: ``YYYYMMDDNNNN`` with the day 32-59 (never a date) and a Luhn
  check digit like a personnummer's (HL7 Sweden basprofiler's Halland invariant; Inera's local formats).
* a regional reservnummer in the older letter form ``YYYYMMDD-X999`` (a real date, a letter, three digits).

Kinds never overlap, so the kind is recognised from the number; ``system`` pins it when given: an OID
(``1.2.752.129.2.1.3.1``, optionally ``urn:oid:``-prefixed) or, as FHIR and HL7 Sweden's basprofiler name
the same kinds, an identifier URI (``http://electronichealth.se/identifier/personnummer``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

IdentityKind = Literal[
    "personnummer", "samordningsnummer", "national_reservnummer", "halland_reservnummer", "reservnummer"
]

OID_PERSONNUMMER = "1.2.752.129.2.1.3.1"
OID_SAMORDNINGSNUMMER = "1.2.752.129.2.1.3.3"
OID_NATIONAL_RESERVNUMMER = "1.2.752.74.9.1"
#: Region Halland's local reservnummer has the format Inera registers as 1.2.752.129.2.1.3.2 (local
#: reserve identities ``yyyymmxxNNNC``, day 32-59, Luhn); no separate Halland OID is published, so this
#: is the one we accept for it (docs/identity.md; configure here if the region registers its own).
OID_HALLAND_RESERVNUMMER = "1.2.752.129.2.1.3.2"
#: HL7 Sweden's identifier URIs (basprofiler: the preferred ``Identifier.system`` of each kind's NamingSystem,
#: whose other unique id is the OID above). No URI is published for a local reservnummer: Halland's is
#: named by its OID only (``urn:oid:1.2.752.129.2.1.3.2`` where a URI is needed).
URI_PERSONNUMMER = "http://electronichealth.se/identifier/personnummer"
URI_SAMORDNINGSNUMMER = "http://electronichealth.se/identifier/samordningsnummer"
URI_NATIONAL_RESERVNUMMER = "http://electronichealth.se/identifier/nationelltReservnummer"
SYSTEMS: dict[str, IdentityKind] = {
    OID_PERSONNUMMER: "personnummer",
    OID_SAMORDNINGSNUMMER: "samordningsnummer",
    OID_NATIONAL_RESERVNUMMER: "national_reservnummer",
    OID_HALLAND_RESERVNUMMER: "halland_reservnummer",
}
#: Every ``patient.system`` accepted on every door: the OIDs above and HL7 Sweden's URIs for the same kinds.
SYSTEM_URIS: dict[str, IdentityKind] = {
    URI_PERSONNUMMER: "personnummer",
    URI_SAMORDNINGSNUMMER: "samordningsnummer",
    URI_NATIONAL_RESERVNUMMER: "national_reservnummer",
}
ACCEPTED_SYSTEMS: tuple[str, ...] = (*SYSTEMS, *SYSTEM_URIS)

_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})-?(\d{4})$")
_NRID_LETTER = "[A-HJ-NPR-UX-Z]"  # A-Z without I, O, Q, V, W
_NATIONAL = re.compile(
    rf"^(\d{{2}})(\d{{2}})(\d{{2}})(\d{{2}})-?({_NRID_LETTER}{{2}})([0-9]|{_NRID_LETTER})(\d)$"
)
_LETTER_RESERVE = re.compile(r"^(\d{4})(\d{2})(\d{2})-?([A-Z])(\d{3})$")
_PATIENT_KEY = re.compile(r"^pk_[0-9a-f]{32}$")
#: An NRID's ``XX`` for a known date: the century plus 3, 6, ... 78 (26 series).
_NRID_CONSTANTS = range(3, 79, 3)


class InvalidIdentity(ValueError):
    """The text is not a valid identity of any accepted kind (the message never repeats the number)."""


@dataclass(frozen=True)
class PatientIdentity:
    kind: IdentityKind
    canonical: str  # 12 characters, no hyphen, upper case

    def __repr__(self) -> str:  # never print the identity by accident
        return f"PatientIdentity(kind={self.kind!r}, canonical=<redacted>)"

    __str__ = __repr__


def luhn_check_digit(nine_digits: str) -> int:
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def _real_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _digits_kind(day: int) -> IdentityKind | None:
    """A day past 60 is a samordningsnummer's (its date is checked next), 32-59 Halland's reservnummer."""
    if day > 60:
        return "samordningsnummer"
    if 32 <= day <= 59:
        return "halland_reservnummer"
    return None if day == 60 else "personnummer"


def _twelve_digits(year: str, month: str, day: str, tail: str) -> PatientIdentity:
    canonical = year + month + day + tail
    kind = _digits_kind(int(day))
    if kind is None:
        raise InvalidIdentity(
            "not a valid identity: the day is neither a date (personnummer), a date + 60 "
            "(samordningsnummer) nor 32-59 (Region Halland's reservnummer)"
        )
    if kind == "halland_reservnummer":
        if not (1700 <= int(year) <= 2099 and 1 <= int(month) <= 12):
            raise InvalidIdentity("not a valid halland_reservnummer: the year or month is out of range")
    else:
        birth_day = int(day) - (60 if kind == "samordningsnummer" else 0)
        if not _real_date(int(year), int(month), birth_day):
            raise InvalidIdentity(f"not a valid {kind}: the date of birth is not a real date")
        if tail[:3] == "000":
            raise InvalidIdentity(f"not a valid {kind}: serial number 000 is never issued")
    digits = canonical[2:]
    if luhn_check_digit(digits[:9]) != int(digits[9]):
        raise InvalidIdentity(f"not a valid {kind}: the check digit is wrong")
    return PatientIdentity(kind, canonical)


def _national(match: re.Match[str]) -> PatientIdentity:
    series, yy, month, day = (int(part) for part in match.groups()[:4])
    if series == 0:  # date of birth unknown: a running number in its place
        if not (20 <= month <= 99 and 40 <= day <= 59):
            raise InvalidIdentity(
                "not a valid national_reservnummer: an unknown date needs month 20-99, day 40-59"
            )
    elif not any(
        series - century in _NRID_CONSTANTS and _real_date(century * 100 + yy, month, day)
        for century in (18, 19, 20)
    ):
        raise InvalidIdentity("not a valid national_reservnummer: the series or the date of birth is invalid")
    return PatientIdentity("national_reservnummer", "".join(match.groups()))


def _recognise(value: str) -> PatientIdentity:
    if match := _DIGITS.match(value):
        return _twelve_digits(*match.groups())
    if match := _NATIONAL.match(value):
        return _national(match)
    if match := _LETTER_RESERVE.match(value):
        year, month, day, letter, serial = match.groups()
        if not _real_date(int(year), int(month), int(day)):
            raise InvalidIdentity("not a valid reservnummer: the date is not a real date")
        return PatientIdentity("reservnummer", year + month + day + letter + serial)
    raise InvalidIdentity(
        "not a personnummer/samordningsnummer/Halland reservnummer (YYYYMMDDNNNN or YYYYMMDD-NNNN), "
        "a national reservnummer (XXYYMMDDNNGC) nor a regional reservnummer (YYYYMMDD-X999)"
    )


def parse_identity(text: str, system: str | None = None) -> PatientIdentity:
    """Validate a patient identity and return its canonical form, or raise ``InvalidIdentity``.

    ``system`` (an OID, optionally ``urn:oid:``-prefixed, or an HL7 Sweden identifier URI) names the kind;
    the number must then be of it. The error messages never repeat the number itself: they end up in logs
    and dead letters.
    """
    identity = _recognise(text.strip().upper())
    if system is not None:
        expected = system_kind(system)
        if identity.kind != expected:
            raise InvalidIdentity(f"the number is a {identity.kind}, not a {expected} as patient.system says")
    return identity


def system_kind(system: str) -> IdentityKind:
    """The identity kind an OID or identifier URI names, or `InvalidIdentity` naming what is accepted."""
    name = system.strip()
    kind = SYSTEM_URIS.get(name) or SYSTEMS.get(name.removeprefix("urn:oid:"))
    if kind is None:
        # Not quoted: a sender that put the number in the wrong field would see it in a dead letter.
        raise InvalidIdentity(f"unknown patient.system: expected one of {', '.join(ACCEPTED_SYSTEMS)}")
    return kind


def patient_key(identity: PatientIdentity, secret: str) -> str:
    """The keyed pseudonym: ``pk_`` + 128 bits of HMAC-SHA256 over the canonical identity."""
    digest = hmac.new(secret.encode(), identity.canonical.encode(), hashlib.sha256).hexdigest()
    return "pk_" + digest[:32]


def is_patient_key(text: str) -> bool:
    return bool(_PATIENT_KEY.match(text.strip()))


def resolve_patient(text: str, secret: str) -> str:
    """A CLI argument (an identity or an existing ``patient_key``) to its ``patient_key``."""
    if is_patient_key(text):
        return text.strip()
    return patient_key(parse_identity(text), secret)


def workflow_id_for(key: str) -> str:
    """One running pathway per patient: every source knows the patient, not always the episode."""
    return f"pathway-{key}"
