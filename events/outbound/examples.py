"""One valid example of every outbound type (docs/examples/discharge.<type>.json), synthetic throughout.

A high-risk patient admitted, discharged two days later with 14 days of LMV support, and handed over to the
listed vårdcentral; each example is checked against its model when the documents are generated.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from events.examples import EXAMPLE_TIME, PERSONNUMMER
from events.outbound.event import OutboundEvent

PATIENT_KEY = "pk_" + "0123456789abcdef" * 2
EPISODE = "VE-2026-000123"
LMV_UNIT = "SE2321000131-E000000000200"
VARDCENTRAL = "SE2321000131-F000000000101"
ROTA = "SE2321000131-E000000000920"
WARD = "SE2321000131-E000000000010"  # the admitting hospital unit
DOCTOR = "SE2321000131-P000000000123"
COORDINATOR = "SE2321000131-P000000000789"
#: The ids are uuid5 of the workflow id and step, as the workflow makes them; these of a fixed name.
_IDS = uuid.UUID("0f5e8d3c-2b1a-4c6d-9e8f-7a6b5c4d3e2f")

_ADMITTED = EXAMPLE_TIME - timedelta(days=2)
_DISCHARGED = EXAMPLE_TIME
_ENDS = EXAMPLE_TIME + timedelta(days=14)
_IDENTITY = {"patient": {"id": PERSONNUMMER.replace("-", "")}}


def _at(days: float) -> str:
    return (_DISCHARGED + timedelta(days=days)).isoformat()


_STAY = {
    "risk_level": "high",
    "home_type": "own_home",
    "discharged_at": _at(0),
    "admitted_at": _ADMITTED.isoformat(),
}
#: Each type's own fields, and when (days from the discharge) the pathway took the step.
_FIELDS: dict[str, tuple[float, dict[str, Any]]] = {
    "pathway_started": (
        -2,
        {
            "opened_by": "hospital.patient_admitted",
            "phase": "inpatient",
            "listed_vardcentral": VARDCENTRAL,
            "admitting_unit": WARD,
        },
    ),
    "joint_planning_requested": (
        -2,
        {**_IDENTITY, "to": ["lmv", "vardcentral"], "listed_vardcentral": VARDCENTRAL, "lmv_unit": LMV_UNIT},
    ),
    "support_started": (
        0,
        {
            **_IDENTITY,
            "to": "lmv",
            "support_ends_at": _at(14),
            "discharged_at": _at(0),
            "admitted_at": _ADMITTED.isoformat(),
            "risk_level": "high",
            "listed_vardcentral": VARDCENTRAL,
            "home_type": "own_home",
            "lmv_unit": LMV_UNIT,
        },
    ),
    "physician_contact_recorded": (
        0.25,
        {
            "party": "lmv",
            "kind": "home_visit",
            "contact_at": _at(0.25),
            "first_lmv_contact": True,
            "hours_since_discharge": 6.0,
        },
    ),
    "consult_requested": (
        1,
        {
            **_IDENTITY,
            "to": ROTA,
            "consult_id": "consult_requested-0001",
            "urgency": "non_acute",
            "party": "lmv",
            "requested_by": DOCTOR,
            "risk_level": "high",
            "discharged_at": _at(0),
            "support_ends_at": _at(14),
        },
    ),
    "escalation_raised": (
        1.2,
        {
            "reason": "consult_not_answered",
            "to": ROTA,
            "consult_id": "consult_requested-0001",
            "urgency": "non_acute",
            "requested_at": _at(1),
            "repetition": 1,
        },
    ),
    "support_rescheduled": (
        2,
        {"to": "lmv", "support_ends_at": _at(14), "discharged_at": _at(0), "lmv_unit": LMV_UNIT},
    ),
    "extension_review_requested": (11, {"due_at": _at(14)}),
    "extension_granted": (
        12,
        {
            "days": 7,
            "support_ends_at": _at(21),
            "decided_by": COORDINATOR,
            "lmv_unit": LMV_UNIT,
            "listed_vardcentral": VARDCENTRAL,
        },
    ),
    "patient_experience_recorded": (15, {"score": 4, "collected_by": DOCTOR, "reported_at": _at(15)}),
    "delivery_received": (
        0.01,
        {
            "receiver": LMV_UNIT,
            "message_id": str(uuid.uuid5(_IDS, "support_started")),
            "delivered_type": "support_started",
            "delivered_at": _at(0),
            "received_at": _at(0.01),
        },
    ),
    "joint_planning_confirmed": (
        -0.5,
        {"party": "vardcentral", "unit": VARDCENTRAL, "confirmed_at": _at(-0.5), "complete": True},
    ),
    "handover_requested": (
        18,
        {
            **_IDENTITY,
            "to": VARDCENTRAL,
            "reason": "lmv proposed handover",
            "summary": {**_STAY, "lmv_enrolled": True, "extensions": 1},
        },
    ),
    "handover_completed": (
        19,
        {
            "accepted_by": DOCTOR,
            "accepted_at": _at(19),
            "within_support_period": False,
            "lmv_unit": LMV_UNIT,
            "listed_vardcentral": VARDCENTRAL,
        },
    ),
    "home_visit_requested": (0, {**_IDENTITY, "to": VARDCENTRAL}),
    "reimbursable_visit_recorded": (
        20,
        {"performed_by": DOCTOR, "visited_at": _at(20), "listed_vardcentral": VARDCENTRAL},
    ),
    "discharge_cancelled": (0.1, {**_IDENTITY, "to": "lmv", "lmv_unit": LMV_UNIT}),
    "pathway_withdrawn": (0.1, {**_IDENTITY, "to": VARDCENTRAL}),
    "pathway_closed": (
        30,
        {
            "outcome": "completed",
            "indicators": {
                "risk_level": "high",
                "discharged_at": _at(0),
                "lmv_enrolled": True,
                "hours_to_first_lmv_contact": 6.0,
                "support_days": 19.0,
                "extensions": 1,
                "extension_days": 7,
                "handover_within_original_period": False,
                "vc_physician_visits": 1,
                "readmitted_within_window": False,
                "outcome": "completed",
                "counted": True,
                "admitted_at": _ADMITTED.isoformat(),
                "inpatient_days": 3,
                "listed_vardcentral": VARDCENTRAL,
                "first_lmv_contact_at": _at(0.25),
                "handed_over_at": _at(19),
                "experience_scores": [4],
            },
            "lmv_unit": LMV_UNIT,
            "listed_vardcentral": VARDCENTRAL,
        },
    ),
}


def example_outbound(short_type: str) -> dict[str, Any]:
    """A valid ``discharge.<short_type>`` CloudEvent as the pathway publishes it (validated by its model)."""
    days, fields = _FIELDS[short_type]
    event = OutboundEvent.model_validate(
        {
            "id": str(uuid.uuid5(_IDS, short_type)),
            "type": short_type,
            "time": _at(days),
            "data": {"patient_key": PATIENT_KEY, "episode_id": EPISODE, **fields},
        }
    )
    return event.cloudevent()
