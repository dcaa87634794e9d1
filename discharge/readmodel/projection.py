"""One outbound CloudEvent -> the facts it carries about its pathway (pure: no database here).

The outbound events were written for LMV, the VC and coordinators; each also says something the
indicators need. Fields added for the read model (``discharged_at`` on ``support_started``, the
``physician_contact_recorded`` type, ...) are read when present, so events published before they
existed still count with what they carry; ``pathway_closed`` then gives the final figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: Every outbound type this projection reads; the others (joint planning, home visit, ...) are recorded
#: as applied and change nothing.
PROJECTED_TYPES = (
    "pathway_started",
    "support_started",
    "extension_granted",
    "handover_requested",
    "handover_completed",
    "reimbursable_visit_recorded",
    "physician_contact_recorded",
    "escalation_raised",
    "patient_experience_recorded",
    "pathway_closed",
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
    experience: tuple[int, str] | None = None  # (score, collected_by)

    @property
    def pathway_key(self) -> str:
        return pathway_key(self.patient_key, self.episode_id)


def pathway_key(patient_key: str, episode_id: str | None) -> str:
    return f"{patient_key}/{episode_id or '-'}"


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def facts_of(cloudevent: dict[str, Any]) -> Facts:
    """The facts of one outbound CloudEvent, or ``NotAnOutboundEvent``."""
    event_id, full_type, at = cloudevent.get("id"), cloudevent.get("type"), _time(cloudevent.get("time"))
    data = cloudevent.get("data")
    if not (isinstance(event_id, str) and isinstance(full_type, str) and at and isinstance(data, dict)):
        raise NotAnOutboundEvent("not a CloudEvent with id, type, time and data")
    if not full_type.startswith("discharge.") or not isinstance(data.get("patient_key"), str):
        raise NotAnOutboundEvent("not an outbound event of the pathway (discharge.<type> with patient_key)")
    short = full_type.removeprefix("discharge.")
    episode = data.get("episode_id")
    facts = Facts(event_id, short, at, data["patient_key"], episode if isinstance(episode, str) else None)
    reader = _READERS.get(short)
    if reader is not None:
        reader(facts, data)
    return facts


def _started(f: Facts, d: dict[str, Any]) -> None:
    f.set_if_empty["started_at"] = f.at


def _support_started(f: Facts, d: dict[str, Any]) -> None:
    f.set["lmv_enrolled"] = True
    f.set_if_empty.update(_present(support_ends_at=_time(d.get("support_ends_at"))))
    f.set.update(
        _present(
            discharged_at=_time(d.get("discharged_at")),
            admitted_at=_time(d.get("admitted_at")),
            risk_level=d.get("risk_level"),
            listed_vardcentral=d.get("listed_vardcentral"),
            home_type=d.get("home_type"),
        )
    )


def _extension(f: Facts, d: dict[str, Any]) -> None:
    days = d.get("days")
    f.add.update({"extensions": 1, "extension_days": days if isinstance(days, int) else 0})


def _handover_requested(f: Facts, d: dict[str, Any]) -> None:
    summary = d.get("summary") if isinstance(d.get("summary"), dict) else {}
    assert isinstance(summary, dict)
    to = d.get("to")
    f.set.update(
        _present(
            discharged_at=_time(summary.get("discharged_at")),
            admitted_at=_time(summary.get("admitted_at")),
            risk_level=summary.get("risk_level"),
            home_type=summary.get("home_type"),
            listed_vardcentral=to if isinstance(to, str) else None,
        )
    )


def _handover_completed(f: Facts, d: dict[str, Any]) -> None:
    f.set["handed_over_at"] = _time(d.get("accepted_at")) or f.at
    within = d.get("within_support_period")
    if isinstance(within, bool):
        f.set["handover_within_period"] = within


def _reimbursable(f: Facts, d: dict[str, Any]) -> None:
    f.add["reimbursable_visits"] = 1


def _contact(f: Facts, d: dict[str, Any]) -> None:
    if d.get("party") == "vardcentral":
        f.add["vc_physician_visits"] = 1
    elif d.get("first_lmv_contact") is True:
        f.set.update(
            _present(
                first_lmv_contact_at=_time(d.get("contact_at")),
                hours_to_first_lmv_contact=d.get("hours_since_discharge"),
            )
        )


def _escalation(f: Facts, d: dict[str, Any]) -> None:
    reason = d.get("reason")
    f.escalation = reason if isinstance(reason, str) else "unknown"


def _experience(f: Facts, d: dict[str, Any]) -> None:
    score, by = d.get("score"), d.get("collected_by")
    if isinstance(score, int) and 1 <= score <= 5 and isinstance(by, str):
        f.experience = (score, by)


def _closed(f: Facts, d: dict[str, Any]) -> None:
    figures = d.get("indicators") if isinstance(d.get("indicators"), dict) else {}
    assert isinstance(figures, dict)
    f.set.update(_present(outcome=d.get("outcome"), closed_at=f.at))
    # The pathway's own final figures: they replace what was counted on the way.
    f.set.update(
        _present(
            risk_level=figures.get("risk_level"),
            discharged_at=_time(figures.get("discharged_at")),
            admitted_at=_time(figures.get("admitted_at")),
            listed_vardcentral=figures.get("listed_vardcentral"),
            lmv_enrolled=figures.get("lmv_enrolled"),
            first_lmv_contact_at=_time(figures.get("first_lmv_contact_at")),
            hours_to_first_lmv_contact=figures.get("hours_to_first_lmv_contact"),
            support_days=figures.get("support_days"),
            extensions=figures.get("extensions"),
            extension_days=figures.get("extension_days"),
            handed_over_at=_time(figures.get("handed_over_at")),
            handover_within_period=figures.get("handover_within_original_period"),
            vc_physician_visits=figures.get("vc_physician_visits"),
            readmitted=figures.get("readmitted_within_window"),
        )
    )


_READERS = {
    "pathway_started": _started,
    "support_started": _support_started,
    "extension_granted": _extension,
    "handover_requested": _handover_requested,
    "handover_completed": _handover_completed,
    "reimbursable_visit_recorded": _reimbursable,
    "physician_contact_recorded": _contact,
    "escalation_raised": _escalation,
    "patient_experience_recorded": _experience,
    "pathway_closed": _closed,
}
