"""One valid example of every inbound event type, for the contract documents, the tests and the benchmark.

Identities are synthetic: born before 1910, with valid check digits, so they cannot be a living patient.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from events.cloudevent import cloudevent
from events.identity import luhn_check_digit

#: Synthetic identities (born 1905-1909) of each kind the contract accepts.
PERSONNUMMER = "19091231-9803"
PERSONNUMMER_NO_HYPHEN = "190812241230"
SAMORDNINGSNUMMER = "190803722719"
RESERVNUMMER = "19050101-R123"

HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
PRIMARY_CARE = "urn:hsa:SE2321000131-F000000000101"
MUNICIPALITY = "urn:kommun:1380"
COORDINATION = "urn:hsa:SE2321000131-K000000000001"

_UNIT = "SE2321000131-E000000000011"
_VARDCENTRAL = "SE2321000131-F000000000101"
_DOCTOR = "SE2321000131-P000000000123"
_NURSE = "SE2321000131-P000000000456"
_COORDINATOR = "SE2321000131-P000000000789"
_ONCALL = "SE2321000131-P000000000321"

#: A fixed clinical time, so the committed documents are stable (Swedish winter time, +01:00).
EXAMPLE_TIME = datetime(2026, 3, 2, 10, 0, tzinfo=timezone(timedelta(hours=1)))

_SOURCES = {"hospital": HOSPITAL, "primarycare": PRIMARY_CARE, "municipality": MUNICIPALITY}


def _data(event_type: str, patient: str, episode: str) -> dict[str, Any]:
    ref = {"id": patient}
    planned_for = (EXAMPLE_TIME + timedelta(days=2)).isoformat()
    by_type: dict[str, dict[str, Any]] = {
        "hospital.patient_admitted": {
            "patient": ref,
            "episode_id": episode,
            "unit": _UNIT,
            "admission": "unplanned",
            "listed_vardcentral": _VARDCENTRAL,
            "home_type": "own_home",
        },
        "hospital.risk_assessed": {
            "patient": ref,
            "episode_id": episode,
            "level": "high",
            "assessed_by": _DOCTOR,
            "note": "hjärtsvikt, tre inläggningar senaste halvåret",
        },
        "hospital.discharge_planned": {"patient": ref, "episode_id": episode, "planned_for": planned_for},
        "hospital.patient_discharged": {
            "patient": ref,
            "episode_id": episode,
            "home_type": "own_home",
            "listed_vardcentral": _VARDCENTRAL,
        },
        "hospital.patient_deceased": {"patient": ref, "episode_id": episode},
        "primarycare.planning_confirmed": {
            "patient": ref,
            "party": "lmv",
            "unit": _VARDCENTRAL,
            "confirmed_by": _DOCTOR,
        },
        "primarycare.physician_contact": {
            "patient": ref,
            "party": "lmv",
            "kind": "home_visit",
            "performed_by": _DOCTOR,
        },
        "primarycare.handover_proposed": {"patient": ref, "proposed_by": _DOCTOR},
        "primarycare.handover_accepted": {"patient": ref, "unit": _VARDCENTRAL, "accepted_by": _DOCTOR},
        "primarycare.support_declined": {"patient": ref, "recorded_by": _DOCTOR},
        "primarycare.patient_experience_reported": {"patient": ref, "score": 4, "collected_by": _DOCTOR},
        "primarycare.message_acknowledged": {
            "patient": ref,
            "message_id": "3f1c5a0e-8d2b-5c6e-9a47-1b2c3d4e5f60",
            "recipient": _VARDCENTRAL,
            "outcome": "received",
        },
        "municipality.homecare_enrolled": {"patient": ref, "municipality": "1380"},
        "municipality.homecare_ended": {"patient": ref, "municipality": "1380"},
        "municipality.concern_raised": {
            "patient": ref,
            "urgency": "non_acute",
            "summary": "ökad andfåddhet senaste dygnet, väger 2 kg mer",
        },
        "coordination.extension_decided": {
            "patient": ref,
            "decision": "extend",
            "extend_days": 7,
            "reason": "fortsatt instabil vikt",
            "decided_by": _COORDINATOR,
        },
        "hospital.discharge_cancelled": {
            "patient": ref,
            "episode_id": episode,
            "reason": "utskrivning registrerad på fel patient",
        },
        "hospital.discharge_corrected": {
            "patient": ref,
            "episode_id": episode,
            "discharged_at": (EXAMPLE_TIME - timedelta(hours=3)).isoformat(),
        },
        "hospital.admission_cancelled": {"patient": ref, "episode_id": episode},
        "primarycare.consult_requested": {
            "patient": ref,
            "party": "lmv",
            "requested_by": _DOCTOR,
            "urgency": "acute",
        },
        "hospital.consult_answered": {
            "patient": ref,
            "answered_by": _ONCALL,
            "request_id": "consult_requested-0001",
        },
        "coordination.lmv_enrollment_decided": {
            "patient": ref,
            "reason": "ensamboende, nyligen insatt på diuretika",
            "decided_by": _NURSE,
        },
    }
    return by_type[event_type]


def example_event(
    event_type: str,
    *,
    patient: str = PERSONNUMMER,
    event_id: str | None = None,
    time: datetime = EXAMPLE_TIME,
    episode: str = "VE-2026-000123",
) -> dict[str, Any]:
    """A valid CloudEvent of ``event_type`` as the JSON object a sender would publish."""
    domain = event_type.split(".", 1)[0]
    return cloudevent(
        id=event_id or f"{event_type.split('.', 1)[1]}-0001",
        source=_SOURCES.get(domain, COORDINATION),
        type=event_type,
        time=time,
        data=_data(event_type, patient, episode),
    )


def synthetic_patient(number: int) -> str:
    """A valid personnummer born 1900-1909 (never a living person), distinct per number < 119 880.

    The serial runs 001-999: 000 is never issued, and refused."""
    year, month, serial = 1900 + number // 999 % 10, 1 + number // 9_990 % 12, 1 + number % 999
    nine = f"{year % 100:02d}{month:02d}01{serial:03d}"
    return f"{year}{month:02d}01-{serial:03d}{luhn_check_digit(nine)}"


def pathway_events(number: int, run: str, now: datetime) -> list[dict[str, Any]]:
    """One patient's pathway from admission to discharge, as a same-day discharge sends it.

    Dated in the last six hours, so that every deadline (planning, first contact) lies ahead and the
    pathway's outbound events do not depend on how fast the machine is: ``pathway_started``,
    ``joint_planning_requested`` and, last, ``support_started``."""
    patient, episode = synthetic_patient(number), f"VE-{run}-{number}"
    ref = {"patient": {"id": patient}}
    steps: list[tuple[timedelta, str, str, dict[str, Any]]] = [
        # No listed VC from the hospital: the pathway looks it up in the listing registry.
        (
            timedelta(hours=6),
            "hospital.patient_admitted",
            HOSPITAL,
            {"episode_id": episode, "unit": _UNIT, "admission": "unplanned", "home_type": "own_home"},
        ),
        (
            timedelta(hours=5),
            "hospital.risk_assessed",
            HOSPITAL,
            {"episode_id": episode, "level": "high", "assessed_by": _DOCTOR},
        ),
        (
            timedelta(hours=4),
            "hospital.discharge_planned",
            HOSPITAL,
            {"episode_id": episode, "planned_for": (now - timedelta(hours=1)).isoformat()},
        ),
        (
            timedelta(hours=3),
            "primarycare.planning_confirmed",
            PRIMARY_CARE,
            {"party": "lmv", "unit": _VARDCENTRAL, "confirmed_by": _DOCTOR},
        ),
        (
            timedelta(hours=2),
            "primarycare.planning_confirmed",
            PRIMARY_CARE,
            {"party": "vardcentral", "unit": _VARDCENTRAL, "confirmed_by": _DOCTOR},
        ),
        (
            timedelta(hours=1),
            "hospital.patient_discharged",
            HOSPITAL,
            {"episode_id": episode, "home_type": "own_home"},
        ),
    ]
    return [
        cloudevent(
            id=f"bench-{run}-{number}-{step}",
            source=source,
            type=event_type,
            time=now - ago,
            data={**ref, **data},
        )
        for step, (ago, event_type, source, data) in enumerate(steps)
    ]


EVENTS_PER_PATHWAY = len(pathway_events(0, "x", EXAMPLE_TIME))
