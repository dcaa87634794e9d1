"""The demo patients' scripts, as data: who they are, and each event of their story and when it happened.

Times are given as "ago" relative to the demo's anchor time, so the pathways are at once in interesting
states with the default durations. The identities are synthetic: valid-format personnummer born before
1910. `discharge/demo/loader.py` turns these scripts into CloudEvents and publishes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from events.cloudevent import cloudevent
from events.identity import luhn_check_digit

HOSPITAL = "urn:hsa:SE2321000131-E000000000001"  # Hallands sjukhus
WARD = "SE2321000131-E000000000010"
PAL = "SE2321000131-E000000000011"  # patientansvarig läkare
LMV = "SE2321000131-E000000000200"
LMV_DOCTOR = "SE2321000131-E000000000201"
COORDINATOR = "SE2321000131-E000000000300"
VC_CENTRUM = "SE2321000131-E000000000101"
VC_ANDERSBERG = "SE2321000131-E000000000102"
VC_VARBERG = "SE2321000131-E000000000103"
VC_DOCTOR = "SE2321000131-E000000000111"
KOMMUN_HALMSTAD = "1380"
MUNICIPALITY = f"urn:kommun:{KOMMUN_HALMSTAD}"


def personnummer(birth_date: str, serial: str) -> str:
    """A valid-format personnummer ``YYYYMMDD-NNNC`` with its Luhn check digit."""
    digits = (birth_date + serial)[2:]
    return f"{birth_date}-{serial}{luhn_check_digit(digits)}"


def _src(hsa_id: str) -> str:
    return f"urn:hsa:{hsa_id}"


@dataclass(frozen=True)
class Step:
    """One event of a demo patient: ``ago`` before the demo's anchor time, sent by ``source``."""

    ago: timedelta
    type: str
    source: str
    data: dict[str, Any]
    second_wave: bool = False


@dataclass(frozen=True)
class DemoPatient:
    slug: str
    phase: str  # the phase the pathway is in right after the demo is loaded (default durations)
    identity: str
    shows: str  # what a newcomer sees on this pathway
    steps: Sequence[Step] = field(default_factory=tuple)

    def events(self, anchor: datetime) -> list[tuple[Step, dict[str, Any]]]:
        result = []
        for number, step in enumerate(self.steps, start=1):
            event = cloudevent(
                # Deterministic per patient and step: a second run is recognised as a duplicate.
                id=f"demo-{self.slug}-{number:02d}",
                source=step.source,
                type=step.type,
                time=anchor - step.ago,
                # A timedelta in the data is a time "ago", like the step's own (a corrected discharge).
                data={"patient": {"id": self.identity}, **{k: _ago(anchor, v) for k, v in step.data.items()}},
            )
            result.append((step, event))
        return result


def _ago(anchor: datetime, value: Any) -> Any:
    return (anchor - value).isoformat() if isinstance(value, timedelta) else value


def _d(days: float, hours: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours)


def _admitted(ago: timedelta, episode: str, vc: str, home: str = "own_home", how: str = "unplanned") -> Step:
    data = {"episode_id": episode, "unit": WARD, "admission": how}
    data |= {"listed_vardcentral": vc, "home_type": home}
    return Step(ago, "hospital.patient_admitted", HOSPITAL, data)


def _risk(ago: timedelta, episode: str, level: str) -> Step:
    data = {"episode_id": episode, "level": level, "assessed_by": PAL}
    return Step(ago, "hospital.risk_assessed", HOSPITAL, data)


def _confirmed(ago: timedelta, party: str, unit: str) -> Step:
    doctor = LMV_DOCTOR if party == "lmv" else VC_DOCTOR
    data = {"party": party, "unit": unit, "confirmed_by": doctor}
    return Step(ago, "primarycare.planning_confirmed", _src(unit), data)


def _discharged(ago: timedelta, episode: str, vc: str, home: str = "own_home") -> Step:
    data = {"episode_id": episode, "home_type": home, "listed_vardcentral": vc}
    return Step(ago, "hospital.patient_discharged", HOSPITAL, data)


def _contact(ago: timedelta, party: str, kind: str) -> Step:
    unit, doctor = (LMV, LMV_DOCTOR) if party == "lmv" else (VC_CENTRUM, VC_DOCTOR)
    data = {"party": party, "kind": kind, "performed_by": doctor}
    return Step(ago, "primarycare.physician_contact", _src(unit), data)


def _accepted(ago: timedelta, vc: str) -> Step:
    return Step(ago, "primarycare.handover_accepted", _src(vc), {"unit": vc, "accepted_by": VC_DOCTOR})


def _experience(ago: timedelta, unit: str, by: str, score: int) -> Step:
    # The comment is accepted and dropped by the gateway (indicator 7 keeps the score only).
    data = {"score": score, "collected_by": by, "comment": "Tryggt att läkaren kom hem."}
    return Step(ago, "primarycare.patient_experience_reported", _src(unit), data)


def _planned_high_risk(episode: str, vc: str, admitted: float, discharged: float, home: str) -> list[Step]:
    """Admission, a high-risk assessment, joint planning confirmed by both, discharge, first contact."""
    return [
        _admitted(_d(admitted), episode, vc, home),
        _risk(_d(admitted - 1), episode, "high"),
        _confirmed(_d(admitted - 1, -3), "lmv", LMV),
        _confirmed(_d(admitted - 1, -6), "vardcentral", vc),
        _discharged(_d(discharged), episode, vc, home),
        _contact(_d(discharged, -5), "lmv", "home_visit"),
    ]


PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient(
        "review-due",
        "extension_review",
        personnummer("19050317", "238"),
        "high risk, discharged 12 days ago: extension review open, due in 2 days",
        _planned_high_risk("HS-DEMO-1001", VC_CENTRUM, admitted=17, discharged=12, home="own_home"),
    ),
    DemoPatient(
        "extended",
        "lmv_support",
        personnummer("19021108", "417"),
        "high risk, discharged 13 days ago, support extended by 7 days with a reason at the review",
        [
            *_planned_high_risk("HS-DEMO-1002", VC_ANDERSBERG, admitted=19, discharged=13, home="own_home"),
            Step(
                _d(1),
                "coordination.extension_decided",
                _src(COORDINATOR),
                {
                    "decision": "extend",
                    "extend_days": 7,
                    "reason": "Oxygen weaning not finished; LMV keeps following up at home",
                    "decided_by": COORDINATOR,
                },
                second_wave=True,
            ),
        ],
    ),
    DemoPatient(
        "early-handover",
        "follow_up",
        personnummer("19080624", "552"),
        "high risk, LMV proposed an early handover after 5 days and the VC accepted: follow-up",
        [
            *_planned_high_risk("HS-DEMO-1003", VC_VARBERG, admitted=13, discharged=8, home="own_home"),
            Step(_d(3), "primarycare.handover_proposed", _src(LMV), {"proposed_by": LMV_DOCTOR}),
            _accepted(_d(2), VC_VARBERG),
            _experience(_d(2, -1), LMV, LMV_DOCTOR, 5),
        ],
    ),
    DemoPatient(
        "handover-overdue",
        "handover",
        personnummer("19031230", "664"),
        "high risk, handover proposed 4 days ago, the VC has not accepted: overdue and escalated",
        [
            *_planned_high_risk("HS-DEMO-1004", VC_CENTRUM, admitted=14, discharged=9, home="own_home"),
            Step(_d(4), "primarycare.handover_proposed", _src(LMV), {"proposed_by": LMV_DOCTOR}),
        ],
    ),
    DemoPatient(
        "standard-risk",
        "follow_up",
        personnummer("19060409", "771"),
        "standard risk: responsibility passed to the listed VC at discharge, accepted the same day",
        [
            _admitted(_d(6), "HS-DEMO-1005", VC_ANDERSBERG, how="planned"),
            _risk(_d(5), "HS-DEMO-1005", "standard"),
            _discharged(_d(3), "HS-DEMO-1005", VC_ANDERSBERG),
            _accepted(_d(3, -4), VC_ANDERSBERG),
            _experience(_d(1), VC_ANDERSBERG, VC_DOCTOR, 4),
        ],
    ),
    DemoPatient(
        "no-risk-assessment",
        "handover",
        personnummer("19010215", "826"),
        "discharged yesterday without a risk assessment: escalated, handover to the VC waiting",
        [
            _admitted(_d(4), "HS-DEMO-1006", VC_VARBERG),
            _discharged(_d(1), "HS-DEMO-1006", VC_VARBERG),
        ],
    ),
    DemoPatient(
        "nursing-home",
        "lmv_support",
        personnummer("19071019", "943"),
        "nursing-home resident (SäBo), high risk: home visit requested, VC home visit reimbursable",
        [
            *_planned_high_risk("HS-DEMO-1007", VC_CENTRUM, admitted=8, discharged=3, home="nursing_home"),
            Step(_d(3, -2), "municipality.homecare_enrolled", MUNICIPALITY, {"municipality": "1380"}),
            _contact(_d(2), "vardcentral", "home_visit"),
        ],
    ),
    DemoPatient(
        "readmitted",
        "joint_planning",
        personnummer("19040522", "135"),
        "standard risk, discharged 10 days ago, readmitted unplanned yesterday: a new pathway in planning",
        [
            _admitted(_d(16), "HS-DEMO-1008", VC_CENTRUM),
            _risk(_d(15), "HS-DEMO-1008", "standard"),
            _discharged(_d(10), "HS-DEMO-1008", VC_CENTRUM),
            _accepted(_d(10, -6), VC_CENTRUM),
            _admitted(_d(1), "HS-DEMO-1009", VC_CENTRUM),
            _risk(_d(0, 20), "HS-DEMO-1009", "high"),
        ],
    ),
    DemoPatient(
        "deceased",
        "closed",
        personnummer("19090801", "246"),
        "high risk, died at home 6 days after discharge: pathway closed",
        [
            *_planned_high_risk("HS-DEMO-1010", VC_VARBERG, admitted=11, discharged=7, home="own_home"),
            Step(_d(1), "hospital.patient_deceased", HOSPITAL, {"episode_id": "HS-DEMO-1010"}),
        ],
    ),
    DemoPatient(
        "planning-stuck",
        "joint_planning",
        personnummer("19000912", "357"),
        "inpatient, high risk: LMV confirmed joint planning, the VC has not for 30 hours: escalated",
        [
            _admitted(_d(3), "HS-DEMO-1011", VC_ANDERSBERG),
            _risk(_d(1, 6), "HS-DEMO-1011", "high"),
            _confirmed(_d(1, 4), "lmv", LMV),
        ],
    ),
)
