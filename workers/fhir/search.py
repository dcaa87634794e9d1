"""A FHIR search's query string to the criteria the read model answers, or `BadSearch` with the reason.

Search parameters follow the FHIR RESTful API (https://hl7.org/fhir/R4/search.html): tokens as
``system|code``, several values of one parameter comma-separated (OR), dates with a prefix (``ge2026-12-01``).
Every parameter the door does not support is refused (as ``Prefer: handling=strict`` asks): a reader must
not take a wider answer for the one it asked. A reason never quotes the value sent: a patient identifier
in the wrong field would end up in the caller's logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from events.identity import InvalidIdentity, parse_identity, patient_key, system_kind

#: Statuses an EpisodeOfCare may have, and those of a Task (R4's value sets).
EPISODE_STATUSES = ("planned", "waitlist", "active", "onhold", "finished", "cancelled", "entered-in-error")
TASK_STATUSES = ("requested", "completed", "cancelled")
DEFAULT_COUNT = 20
MAX_COUNT = 100
#: Dates without a time are days in Sweden.
LOCAL = ZoneInfo("Europe/Stockholm")
_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb")

Resource = Literal["EpisodeOfCare", "Task"]
_PARAMETERS: dict[str, tuple[str, ...]] = {
    "EpisodeOfCare": ("patient.identifier", "_id", "status", "date", "_count", "_offset"),
    "Task": ("patient.identifier", "_id", "status", "_count", "_offset"),
}


class BadSearch(ValueError):
    """The search cannot be answered; the message says which parameter and why (``invalid`` or
    ``not-supported`` as the OperationOutcome's issue code)."""

    def __init__(self, reason: str, code: str = "invalid") -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class DateBound:
    prefix: str
    start: datetime  # the value's precision as a range: a day is [00:00, next day 00:00) in Stockholm
    end: datetime


@dataclass
class Criteria:
    resource: Resource
    patient_key: str | None = None
    #: (system, value) as searched: the answer names the patient the same way.
    identifier: tuple[str, str] | None = None
    ids: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    dates: list[DateBound] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0


def parse_search(resource: Resource, query: list[tuple[str, str]], secret: str) -> Criteria:
    criteria = Criteria(resource)
    allowed = _PARAMETERS[resource]
    seen: set[str] = set()
    for name, value in query:
        if name not in allowed:
            raise BadSearch(
                f"the search parameter {name!r} is not supported on {resource}: use {', '.join(allowed)}",
                "not-supported",
            )
        if name in seen and name != "date":
            raise BadSearch(f"{name} is given twice: give several values comma-separated in one")
        seen.add(name)
        _read(criteria, name, value, secret)
    return criteria


def _read(c: Criteria, name: str, value: str, secret: str) -> None:
    if name == "patient.identifier":
        c.identifier, c.patient_key = _identifier(value, secret)
    elif name == "_id":
        c.ids = [v for v in value.split(",") if v]
    elif name == "status":
        allowed = EPISODE_STATUSES if c.resource == "EpisodeOfCare" else TASK_STATUSES
        c.statuses = value.split(",")
        if not c.statuses or any(s not in allowed for s in c.statuses):
            raise BadSearch(f"status: one or more of {', '.join(allowed)}")
    elif name == "date":
        c.dates.append(_date(value))
    elif name == "_count":
        c.count = _integer(name, value, 0, MAX_COUNT)
    elif name == "_offset":
        c.offset = _integer(name, value, 0, 10**9)


def _identifier(token: str, secret: str) -> tuple[tuple[str, str], str]:
    """``system|value`` (or a bare value, whose kind is recognised) -> (as searched, patient_key)."""
    system, bar, value = token.partition("|")
    if not bar:
        system, value = "", token
    if not value:
        raise BadSearch(
            "patient.identifier: give system|value, e.g. urn:oid:1.2.752.129.2.1.3.1|<personnummer>"
        )
    try:
        if system:
            system_kind(system)
        identity = parse_identity(value, system or None)
    except InvalidIdentity as invalid:
        raise BadSearch(f"patient.identifier: {invalid}") from None
    return (system or _default_system(identity.kind), value), patient_key(identity, secret)


def _default_system(kind: str) -> str:
    from events.identity import SYSTEM_URIS, SYSTEMS

    for uri, named in SYSTEM_URIS.items():
        if named == kind:
            return uri
    for oid, named in SYSTEMS.items():
        if named == kind:
            return f"urn:oid:{oid}"
    return "urn:discharge:reservnummer"


def _integer(name: str, value: str, low: int, high: int) -> int:
    if not value.isdigit() or not low <= int(value) <= high:
        raise BadSearch(f"{name}: a whole number from {low} to {high}")
    return int(value)


def _date(value: str) -> DateBound:
    prefix = value[:2] if value[:2] in _PREFIXES else "eq"
    text = value[2:] if value[:2] in _PREFIXES else value
    if prefix in ("ne", "sa", "eb"):
        raise BadSearch(f"date: the prefix {prefix} is not supported (eq, gt, lt, ge, le)", "not-supported")
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime(day.year, day.month, day.day, tzinfo=LOCAL).astimezone(UTC)
            following = day + timedelta(days=1)
            end = datetime(following.year, following.month, following.day, tzinfo=LOCAL).astimezone(UTC)
        else:
            moment = datetime.fromisoformat(text)
            if moment.tzinfo is None:
                raise ValueError("no offset")
            start = end = moment.astimezone(UTC)
    except ValueError:
        raise BadSearch(
            "date: a day (YYYY-MM-DD) or a time with an offset, after an optional prefix"
        ) from None
    return DateBound(prefix, start, end)
