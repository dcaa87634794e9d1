"""One outbound CloudEvent -> the facts it carries about its pathway (pure: no database here).

The outbound events were written for LMV, the VC and coordinators; each also says something the
indicators need. Fields added for the read model (``discharged_at`` on ``support_started``, the
``physician_contact_recorded`` type, ...) are read when present, so events published before they
existed still count with what they carry; ``pathway_closed`` then gives the final figures. Each event is
read into its type's model (events/outbound/): what is not one of the pathway's events is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from events.outbound.data import OutboundData
from events.outbound.escalation import EscalationRaised
from events.outbound.event import OutboundEvent
from events.outbound.handover import (
    HandoverCompleted,
    HandoverRequested,
    HandoverSummary,
    ReimbursableVisitRecorded,
)
from events.outbound.pathway import PathwayClosed, PathwayStarted
from events.outbound.receipts import DeliveryReceived
from events.outbound.support import (
    ExtensionGranted,
    PatientExperienceRecorded,
    PhysicianContactRecorded,
    SupportStarted,
)


class NotAnOutboundEvent(ValueError):
    """A message on the outbound stream that is not one of our CloudEvents (kept out of the model)."""


@dataclass
class Facts:
    event_id: str
    type: str  # the short type: "support_started"
    at: datetime  # when the pathway took the step
    patient_key: str
    episode_id: str | None
    set: dict[str, Any] = field(default_factory=dict)  # columns to set
    set_if_empty: dict[str, Any] = field(default_factory=dict)  # columns set only while still empty
    add: dict[str, int] = field(default_factory=dict)  # counters to increase
    escalation: str | None = None  # an escalation reason
    escalation_index: int | None = None  # its index in the workflow (None: published before it was sent)
    routed_to: str | None = None  # a concern routed out of office hours: the on-call unit that has it
    experience: tuple[int, str] | None = None  # (score, collected_by)
    delivery: dict[str, Any] | None = None  # a delivery's outcome (discharge/readmodel/schema.py)
    data: OutboundData | None = None  # the event's data, for where the pathway stands now (phases.py)

    @property
    def pathway_key(self) -> str:
        return pathway_key(self.patient_key, self.episode_id)


def pathway_key(patient_key: str, episode_id: str | None) -> str:
    return f"{patient_key}/{episode_id or '-'}"


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def facts_of(cloudevent: dict[str, Any]) -> Facts:
    """The facts of one outbound CloudEvent, or ``NotAnOutboundEvent``."""
    try:
        event = OutboundEvent.from_cloudevent(cloudevent)
    except ValueError as error:  # pydantic's ValidationError is one
        raise NotAnOutboundEvent(f"not an outbound event of the pathway: {_first_line(error)}") from None
    if event.time.tzinfo is None:
        raise NotAnOutboundEvent("not an outbound event of the pathway: a time without an offset")
    data = event.data
    facts = Facts(event.id, event.type, event.time, data.patient_key, data.episode_id, data=data)
    _read(facts, data)
    return facts


def _first_line(error: ValueError) -> str:
    return str(error).splitlines()[0]


def _read(f: Facts, data: OutboundData) -> None:
    match data:
        case PathwayStarted():
            f.set_if_empty["started_at"] = f.at
        case SupportStarted():
            f.set["lmv_enrolled"] = True
            f.set_if_empty["support_ends_at"] = data.support_ends_at
            _stay(f, data, data.listed_vardcentral)
        case ExtensionGranted():
            f.add.update({"extensions": 1, "extension_days": data.days})
        case HandoverRequested():
            _stay(f, data.summary, data.to)
        case HandoverCompleted():
            f.set["handed_over_at"] = data.accepted_at or f.at
            if data.within_support_period is not None:
                f.set["handover_within_period"] = data.within_support_period
        case ReimbursableVisitRecorded():
            f.add["reimbursable_visits"] = 1
        case PhysicianContactRecorded():
            _contact(f, data)
        case EscalationRaised():
            f.escalation, f.escalation_index = data.reason, data.escalation_index
            f.routed_to = data.routed_to
            if data.reason in ("not_delivered", "delivery_rejected") and data.receiver and data.message_id:
                f.delivery = _delivery(data.message_id, data.receiver, data.delivered_type, data.reason)
        case DeliveryReceived():
            f.delivery = _delivery(data.message_id, data.receiver, data.delivered_type, "received")
            f.delivery.update(delivered_at=data.delivered_at, received_at=data.received_at)
        case PatientExperienceRecorded():
            f.experience = (data.score, data.collected_by)
        case PathwayClosed():
            _closed(f, data)


def _delivery(message_id: str, receiver: str, delivered_type: str | None, outcome: str) -> dict[str, Any]:
    return dict(message_id=message_id, receiver=receiver, delivered_type=delivered_type, outcome=outcome)


def _stay(f: Facts, stay: SupportStarted | HandoverSummary, listed_vardcentral: str | None) -> None:
    """The stay's facts, as ``support_started`` and a handover's summary tell them (when they do)."""
    f.set.update(
        _present(
            discharged_at=stay.discharged_at,
            admitted_at=stay.admitted_at,
            risk_level=stay.risk_level,
            home_type=stay.home_type,
            listed_vardcentral=listed_vardcentral,
        )
    )


def _contact(f: Facts, d: PhysicianContactRecorded) -> None:
    if d.party == "vardcentral":
        f.add["vc_physician_visits"] = 1
    elif d.first_lmv_contact:
        f.set.update(
            _present(first_lmv_contact_at=d.contact_at, hours_to_first_lmv_contact=d.hours_since_discharge)
        )


def _closed(f: Facts, d: PathwayClosed) -> None:
    figures = d.indicators
    f.set.update(_present(outcome=d.outcome, closed_at=f.at))
    # The pathway's own final figures: they replace what was counted on the way.
    f.set.update(
        _present(
            risk_level=figures.risk_level,
            discharged_at=figures.discharged_at,
            admitted_at=figures.admitted_at,
            listed_vardcentral=figures.listed_vardcentral,
            lmv_enrolled=figures.lmv_enrolled,
            first_lmv_contact_at=figures.first_lmv_contact_at,
            hours_to_first_lmv_contact=figures.hours_to_first_lmv_contact,
            support_days=figures.support_days,
            extensions=figures.extensions,
            extension_days=figures.extension_days,
            handed_over_at=figures.handed_over_at,
            handover_within_period=figures.handover_within_original_period,
            vc_physician_visits=figures.vc_physician_visits,
            readmitted=figures.readmitted_within_window,
        )
    )
