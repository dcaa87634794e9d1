"""Synthetic patients and their inbound events, as the gateway delivers them to the rules: the tests' one
event factory. Light on purpose: pydantic's inbound models and nothing else (no worker, no Temporal, no
NATS), so the rules' unit tests load in a blink; the workflow's helpers (a worker, a recording publisher)
are tests/workflow/pathway_helpers.py.

Events are validated inbound models; times are clinical times chosen by each test.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from events.cloudevent import cloudevent
from events.inbound.envelopes import INBOUND_ADAPTER, InboundEvent

#: Synthetic identities (born before 1910, valid check digits); the first is in the listing registry.
PATIENT = "19091231-9803"
OTHER_PATIENT = "19080101-1230"
REGISTRY_VC = "SE2321000131-E000000000101"  # PATIENT's listed VC in activities/data
DEFAULT_VC = "SE2321000131-E000000000100"  # the registry's documented default
EVENT_VC = "SE2321000131-E000000000555"
HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
LMV = "urn:hsa:SE2321000131-E000000000002"
VC = "urn:hsa:SE2321000131-E000000000003"
KOMMUN = "urn:kommun:1380"
COORDINATOR = "urn:hsa:SE2321000131-E000000000004"
STAFF = "SE2321000131-E000000000010"
UNIT = "SE2321000131-E000000000020"

_ids = itertools.count(1)


def event(
    type_: str,
    at: datetime,
    patient: str = PATIENT,
    source: str | None = None,
    id_: str | None = None,
    **data: Any,
) -> InboundEvent:
    """One validated inbound event of ``type_`` at clinical time ``at``."""
    default_source = {"hospital": HOSPITAL, "municipality": KOMMUN, "coordination": COORDINATOR}
    prefix = type_.split(".")[0]
    src = source or default_source.get(prefix, LMV if data.get("party") != "vardcentral" else VC)
    return INBOUND_ADAPTER.validate_python(
        cloudevent(
            id=id_ or f"evt-{next(_ids)}",
            source=src,
            type=type_,
            time=at,
            data={"patient": {"id": patient}, **data},
        )
    )


def admitted(at: datetime, episode: str = "ep-1", **extra: Any) -> InboundEvent:
    return event(
        "hospital.patient_admitted", at, episode_id=episode, unit=UNIT, admission="unplanned", **extra
    )


def risk(at: datetime, level: str = "high", episode: str = "ep-1") -> InboundEvent:
    return event("hospital.risk_assessed", at, episode_id=episode, level=level, assessed_by=STAFF)


def discharged(
    at: datetime, home_type: str = "own_home", episode: str = "ep-1", **extra: Any
) -> InboundEvent:
    return event("hospital.patient_discharged", at, episode_id=episode, home_type=home_type, **extra)


def confirmed(at: datetime, party: str) -> InboundEvent:
    return event("primarycare.planning_confirmed", at, party=party, unit=UNIT, confirmed_by=STAFF)


def contact(at: datetime, party: str = "lmv", kind: str = "phone") -> InboundEvent:
    return event("primarycare.physician_contact", at, party=party, kind=kind, performed_by=STAFF)


def accepted(at: datetime) -> InboundEvent:
    return event("primarycare.handover_accepted", at, source=VC, unit=UNIT, accepted_by=STAFF)


def extension_decided(at: datetime, decision: str = "extend", days: int | None = 7) -> InboundEvent:
    extra: dict[str, Any] = {"extend_days": days} if decision == "extend" else {}
    return event(
        "coordination.extension_decided",
        at,
        decision=decision,
        reason="needs more time",
        decided_by=STAFF,
        **extra,
    )


def discharge_cancelled(at: datetime, episode: str = "ep-1", **extra: Any) -> InboundEvent:
    return event("hospital.discharge_cancelled", at, episode_id=episode, **extra)


def discharge_corrected(at: datetime, discharged_at: datetime, episode: str = "ep-1") -> InboundEvent:
    return event(
        "hospital.discharge_corrected", at, episode_id=episode, discharged_at=discharged_at.isoformat()
    )


def admission_cancelled(at: datetime, episode: str = "ep-1") -> InboundEvent:
    return event("hospital.admission_cancelled", at, episode_id=episode)


def consult_requested(
    at: datetime, urgency: str = "acute", party: str = "lmv", id_: str | None = None
) -> InboundEvent:
    return event(
        "primarycare.consult_requested", at, id_=id_, party=party, requested_by=STAFF, urgency=urgency
    )


def consult_answered(at: datetime, request_id: str | None = None) -> InboundEvent:
    extra = {} if request_id is None else {"request_id": request_id}
    return event("hospital.consult_answered", at, answered_by=STAFF, **extra)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def days(n: float) -> timedelta:
    return timedelta(days=n)
