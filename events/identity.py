"""Swedish patient identities and their keyed pseudonym, ``patient_key``.

A patient reaches us as a personnummer, samordningsnummer or regional reservnummer. The identity
is validated here and then replaced, everywhere people without a care relationship can look
(workflow IDs, search attributes, memo, logs, metrics), by ``patient_key``: an HMAC of the
canonical identity with a configured secret. The same secret gives the same key in the gateway,
the worker and the CLI, so every source of events reaches the same pathway.

Rules accepted (see docs/identity.md):

* personnummer: ``YYYYMMDDNNNN`` or ``YYYYMMDD-NNNN``; a real calendar date; Luhn check digit
  over the ten digits ``YYMMDDNNN`` + check.
* samordningsnummer: the same, with 60 added to the day of birth (day 61-91).
* reservnummer: ``YYYYMMDD`` + a letter + three digits, with or without a hyphen
  (``19450101-R123``). The date is a real date, the letter marks it as a reserve number so it can
  never be mistaken for a personnummer; it has no check digit. Regions issue these for patients
  whose identity is not (yet) known.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

IdentityKind = Literal["personnummer", "samordningsnummer", "reservnummer"]

_NUMBER = re.compile(r"^(\d{4})(\d{2})(\d{2})-?(\d{4})$")
_RESERVE = re.compile(r"^(\d{4})(\d{2})(\d{2})-?([A-Z])(\d{3})$")
_PATIENT_KEY = re.compile(r"^pk_[0-9a-f]{32}$")


class InvalidIdentity(ValueError):
    """The text is not a valid personnummer, samordningsnummer or reservnummer."""


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


def _real_date(year: str, month: str, day: int) -> bool:
    try:
        date(int(year), int(month), day)
    except ValueError:
        return False
    return True


def parse_identity(text: str) -> PatientIdentity:
    """Validate a patient identity and return its canonical form, or raise ``InvalidIdentity``.

    The error messages never repeat the number itself: they end up in logs and dead letters.
    """
    value = text.strip().upper()
    if match := _NUMBER.match(value):
        year, month, day, tail = match.groups()
        day_number = int(day)
        kind: IdentityKind = "personnummer"
        if day_number > 60:
            kind, day_number = "samordningsnummer", day_number - 60
        if not _real_date(year, month, day_number):
            raise InvalidIdentity(f"not a valid {kind}: the date of birth is not a real date")
        digits = (year + month + day + tail)[2:]
        if luhn_check_digit(digits[:9]) != int(digits[9]):
            raise InvalidIdentity(f"not a valid {kind}: the check digit is wrong")
        return PatientIdentity(kind, year + month + day + tail)
    if match := _RESERVE.match(value):
        year, month, day, letter, serial = match.groups()
        if not _real_date(year, month, int(day)):
            raise InvalidIdentity("not a valid reservnummer: the date is not a real date")
        return PatientIdentity("reservnummer", year + month + day + letter + serial)
    raise InvalidIdentity(
        "not a personnummer/samordningsnummer (YYYYMMDDNNNN or YYYYMMDD-NNNN) "
        "nor a reservnummer (YYYYMMDD-X999)"
    )


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
