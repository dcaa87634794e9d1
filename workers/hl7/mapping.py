"""HL7 v2 ADT messages to the contract's hospital events (contract.md, "HL7 v2 ADT over MLLP").

* ``ADT^A01`` → ``hospital.patient_admitted``: ``episode_id`` PV1-19, ``unit`` PV1-3.4, ``admission``
  PV1-4 (``E`` → unplanned, else planned), ``listed_vardcentral`` PD1-3;
* ``ADT^A03`` → ``hospital.patient_discharged``: ``episode_id`` PV1-19, ``home_type`` PV1-37.1,
  ``listed_vardcentral`` PD1-3;
* ``ADT^A11`` → ``hospital.admission_cancelled``, ``ADT^A13`` → ``hospital.discharge_cancelled``:
  ``episode_id`` PV1-19.

Every event: ``patient`` from the PID-3 repetition whose assigning authority (CX-4, any of its components)
is a Swedish identifier OID or HL7 Sweden URI; ``time`` from EVN-6, else EVN-2; ``id`` = MSH-10; ``source`` =
``urn:hl7:<MSH-3>:<MSH-4>`` (components joined with ``.``). Values are unescaped (``\\F\\``, ``\\S\\``,
``\\T\\``, ``\\R\\``, ``\\E\\``, ``\\X..\\``) by python-hl7 before use. The document built here is then
validated by the contract's models like any other door's (workers/doors/intake.py).
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import hl7

from events.cloudevent import cloudevent
from events.identity import ACCEPTED_SYSTEMS

STOCKHOLM = ZoneInfo("Europe/Stockholm")
TRIGGERS = {
    "A01": "hospital.patient_admitted",
    "A03": "hospital.patient_discharged",
    "A11": "hospital.admission_cancelled",
    "A13": "hospital.discharge_cancelled",
}
#: Where each field of the event comes from, for ERR-2 (error location) of an AE.
LOCATIONS = {
    "time": "EVN^1^6",
    "id": "MSH^1^10",
    "source": "MSH^1^3",
    "data.patient": "PID^1^3",
    "data.episode_id": "PV1^1^19",
    "data.unit": "PV1^1^3^1^4",
    "data.admission": "PV1^1^4",
    "data.listed_vardcentral": "PD1^1^3",
    "data.home_type": "PV1^1^37^1^1",
}
_DTM = re.compile(r"^\d{12}")  # at least YYYYMMDDHHMM: a clinical time to the minute
#: PID-3 repetitions looked at: a patient has a handful of identifiers (local ids, personnummer, ...).
MAX_IDENTIFIERS = 20

# python-hl7 logs a value it cannot unescape, quoting the message (an identity, possibly) at warning level,
# under loggers named by its files' paths: silenced, the ACK's reason says what is wrong instead.
for _module in (hl7.util, hl7.containers):
    logging.getLogger(_module.__file__).disabled = True


class Refused(ValueError):
    """The message cannot become an event: AE (``code`` from HL7 table 0357), or AR when ``reject``."""

    def __init__(self, reason: str, *, code: str = "207", location: str = "", reject: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.code, self.location, self.reject = reason, code, location, reject


@dataclass(frozen=True)
class Header:
    """What an ACK needs from MSH, read before anything else can fail."""

    control_id: str
    trigger: str
    message_type: str


@contextmanager
def _library_deprecations_quiet() -> Iterator[None]:
    """python-hl7 reports a value it cannot unescape with ``Logger.warn``, which itself warns that it is
    deprecated: under ``-W error`` a hostile escape would then fail the whole parse. Values are read in the
    door's one event loop thread, so the filter's process-wide change is not seen by another reader."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="The 'warn' method is deprecated", category=DeprecationWarning
        )
        yield


def _value(message: hl7.Message, segment: str, field: int, rep: int = 1, comp: int = 1, sub: int = 1) -> str:
    with _library_deprecations_quiet():
        try:
            raw = message.segment(segment).extract_field(1, field, rep, comp, sub)
        except (KeyError, IndexError):
            return ""
        return str(message.unescape(str(raw))).strip() if raw else ""


def _components(message: hl7.Message, segment: str, field: int) -> list[str]:
    parts = []
    for comp in range(1, 11):
        value = _value(message, segment, field, 1, comp)
        if value:
            parts.append(value)
    return parts


def header(message: hl7.Message) -> Header:
    return Header(
        control_id=_value(message, "MSH", 10),
        trigger=_value(message, "MSH", 9, 1, 2).upper(),
        message_type=_value(message, "MSH", 9, 1, 1).upper(),
    )


def hl7_time(value: str) -> str:
    """An HL7 DTM as RFC 3339. Without an offset it is Swedish time (Europe/Stockholm): in the autumn's
    repeated hour the earlier (summer-time) one, in the spring's missing hour the time a clock still on
    winter time would show (fold=0 both times; docs/doors.md)."""
    if not _DTM.match(value):
        raise ValueError("not an HL7 time to the minute (YYYYMMDDHHMM[SS][+/-ZZZZ])")
    parsed: datetime = hl7.parse_datetime(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=STOCKHOLM, fold=0)
    return parsed.isoformat()


def _subcomponents(message: hl7.Message, repetition: object, component: int) -> list[str]:
    """One component of a parsed repetition, its subcomponents unescaped ('' where absent)."""
    if not isinstance(repetition, list) or len(repetition) < component:
        return [str(repetition)] if component == 1 and not isinstance(repetition, list) else []
    value = repetition[component - 1]
    parts = value if isinstance(value, list) else [value]
    with _library_deprecations_quiet():
        return [str(message.unescape(str(part))).strip() for part in parts]


def _patient(message: hl7.Message) -> dict[str, str]:
    """The first PID-3 repetition named by a Swedish identifier system; read once, in order, and only the
    first `MAX_IDENTIFIERS` (a message with thousands of repetitions costs no more than one with ten)."""
    try:
        repetitions = list(message.segment("PID")(3))[:MAX_IDENTIFIERS]
    except (KeyError, IndexError):
        raise Refused("PID-3: no patient identifier", code="101", location="PID^1^3") from None
    for repetition in repetitions:
        authority = set(_subcomponents(message, repetition, 4))
        systems = [s for s in ACCEPTED_SYSTEMS if s in authority or f"urn:oid:{s}" in authority]
        if systems:
            return {"id": (_subcomponents(message, repetition, 1) or [""])[0], "system": systems[0]}
    raise Refused(
        f"PID-3: none of its first {MAX_IDENTIFIERS} identifiers has a Swedish identifier OID or HL7 Sweden "
        "URI as its assigning authority (CX-4)",
        code="101",
        location="PID^1^3",
    )


def _hsa_of_pd1(message: hl7.Message) -> str | None:
    """The listed vårdcentral: PD1-3's XON-10 (organisation identifier), else XON-3 (v2.3-style id)."""
    return _value(message, "PD1", 3, 1, 10) or _value(message, "PD1", 3, 1, 3) or None


def to_event(message: hl7.Message) -> dict[str, Any]:
    """The CloudEvent (as a JSON object) of one ADT message, or `Refused`."""
    head = header(message)
    event_type = TRIGGERS.get(head.trigger)
    if head.message_type != "ADT" or event_type is None:
        raise Refused(
            f"MSH-9: only ADT^{'/'.join(TRIGGERS)} are taken", code="201", location="MSH^1^9", reject=True
        )
    when = _value(message, "EVN", 6) or _value(message, "EVN", 2)
    if not when:
        raise Refused("EVN-6 and EVN-2: no event time", code="101", location="EVN^1^2")
    try:
        time = hl7_time(when)
    except ValueError as error:
        raise Refused(f"EVN-6/EVN-2: {error}", code="102", location="EVN^1^6") from None
    data: dict[str, Any] = {"patient": _patient(message), "episode_id": _value(message, "PV1", 19) or None}
    if head.trigger == "A01":
        data["unit"] = _value(message, "PV1", 3, 1, 4) or None
        data["admission"] = "unplanned" if _value(message, "PV1", 4).upper() == "E" else "planned"
        data["listed_vardcentral"] = _hsa_of_pd1(message)
    elif head.trigger == "A03":
        data["home_type"] = _value(message, "PV1", 37) or None
        data["listed_vardcentral"] = _hsa_of_pd1(message)
    application = ".".join(_components(message, "MSH", 3))
    facility = ".".join(_components(message, "MSH", 4))
    return cloudevent(
        id=head.control_id,
        source=f"urn:hl7:{application}:{facility}",
        type=event_type,
        time=time,
        data={key: value for key, value in data.items() if value is not None},
    )


def location_of(reason: str) -> str:
    """ERR-2 for a validation reason (``data.unit: ...``): the HL7 field the event's field came from."""
    for field, location in LOCATIONS.items():
        if reason.startswith(field):
            return location
    return ""
