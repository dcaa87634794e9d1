"""One synthetic patient's pathway as the inbound events the real systems would send, in clinical time.

The script is fixed before the rules run (so the same script can be sent to a real workflow): the
coordinator's decisions and the VC's acceptance are timed from the policy's own arithmetic (the review
opens ``extension_review_lead`` before ``add_local(discharge, support_period)``). An event the pathway
no longer expects (a decision after a readmission) is ignored by the rules, as in production.
Identities are synthetic: personnummer born in 1900-1909 with a valid check digit.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from discharge.simulate.params import SimulationParams
from events.cloudevent import cloudevent
from events.fields import PatientRef
from events.identity import luhn_check_digit
from events.inbound.envelopes import EVENT_CLASSES, InboundEvent
from workflows.policy import STOCKHOLM, Policy, UnitKind, add_local, sub_local
from workflows.rules.calendar import next_open

HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
LMV = "urn:hsa:SE2321000131-E000000000002"
COORDINATOR = "urn:hsa:SE2321000131-E000000000004"
KOMMUN = "urn:kommun:1380"
STAFF = "SE2321000131-E000000000010"
UNIT = "SE2321000131-E000000000020"
#: Halland's synthetic vårdcentraler (HSA-ids): the listed VC of each patient is one of these.
VARDCENTRALER = tuple(f"SE2321000131-E0000000001{n:02d}" for n in range(1, 31))
HOME_TYPES = ("own_home",) * 8 + ("nursing_home",) * 1 + ("lss_home",) * 1


def synthetic_personnummer(index: int) -> str:
    """A valid personnummer of someone born 1900-1909, different for each index below ~3.6 million."""
    born = date(1900, 1, 1) + timedelta(days=index // 997 % 3650)
    serial = f"{index % 997 + 1:03d}"
    nine = born.strftime("%y%m%d") + serial
    return f"{born:%Y%m%d}-{serial}{luhn_check_digit(nine)}"


def when_open(policy: Policy, kind: UnitKind, at: datetime) -> datetime:
    """``at``, or the next moment the unit opens when it is closed then (no calendar: ``at``)."""
    calendar = policy.calendars.get(kind)
    return at if calendar is None else next_open(calendar, policy.closed_days, at)


def _hours(h: float) -> timedelta:
    return timedelta(hours=h)


def _exp(rng: random.Random, mean_hours: float) -> timedelta:
    return _hours(rng.expovariate(1 / mean_hours)) if mean_hours > 0 else timedelta(0)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means used here."""
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class Script:
    """Collects one patient's events; ids are unique per patient and source."""

    def __init__(self, index: int) -> None:
        self.patient = synthetic_personnummer(index)
        self.index = index
        self.events: list[tuple[datetime, dict[str, Any]]] = []

    def add(self, type_: str, at: datetime, source: str, **data: Any) -> None:
        self.events.append((at, {"type": type_, "source": source, "data": data}))

    def build(self) -> list[InboundEvent]:
        """The events in time order, each validated by its type's model as the gateway would."""
        ordered = sorted(self.events, key=lambda item: item[0])
        patient = PatientRef(id=self.patient)  # validated once; an instance is not validated again
        return [
            EVENT_CLASSES[doc["type"]].model_validate(  # type: ignore[misc]
                cloudevent(
                    id=f"sim-{self.index}-{n}",
                    source=doc["source"],
                    type=doc["type"],
                    time=at,
                    data={"patient": patient, **doc["data"]},
                )
            )
            for n, (at, doc) in enumerate(ordered)
        ]


def discharge_time(params: SimulationParams, day: int, rng: random.Random) -> datetime:
    local_day = params.start + timedelta(days=day)
    minutes = rng.randrange(8 * 60, 18 * 60)  # discharges happen in the daytime
    return datetime.combine(local_day, time(minutes // 60, minutes % 60), tzinfo=STOCKHOLM)


#: Patients per day are numbered ``day * PER_DAY + n``: unique, and independent of how days are split
#: between processes, so a seed gives the same patients however many workers run.
PER_DAY = 10_000


def patients_on(day: int, params: SimulationParams) -> int:
    """How many patients are discharged on ``day`` (Poisson around ``discharges_per_day``)."""
    rng = random.Random(f"{params.seed}:day:{day}")
    # Normal approximation of the Poisson: the means here are large (~125).
    mean = params.discharges_per_day
    if mean < 30:
        return _poisson(rng, mean)
    return min(PER_DAY - 1, max(0, round(rng.gauss(mean, mean**0.5))))


def patient_script(index: int, day: int, params: SimulationParams, policy: Policy) -> list[InboundEvent]:
    """The inbound events of patient ``index``, discharged on simulation day ``day``."""
    rng = random.Random(f"{params.seed}:{index}")
    s = Script(index)
    episode = f"sim-ep-{index}"
    vc = rng.choice(VARDCENTRALER)
    home = rng.choice(HOME_TYPES)
    discharged_at = discharge_time(params, day, rng)
    stay = timedelta(days=min(1 + int(rng.expovariate(1 / 4)), 40), hours=rng.uniform(0, 10))
    admitted_at = discharged_at - stay
    hospital: dict[str, Any] = {"episode_id": episode}
    s.add(
        "hospital.patient_admitted",
        admitted_at,
        HOSPITAL,
        **hospital,
        unit=UNIT,
        admission="unplanned",
        listed_vardcentral=vc,
        home_type=home,
    )
    high = rng.random() < params.high_risk_share
    risk_at = admitted_at + min(_hours(rng.uniform(2, 24)), stay / 2)
    s.add(
        "hospital.risk_assessed",
        risk_at,
        HOSPITAL,
        **hospital,
        level="high" if high else "standard",
        assessed_by=STAFF,
    )
    s.add(
        "hospital.patient_discharged",
        discharged_at,
        HOSPITAL,
        **hospital,
        home_type=home,
        listed_vardcentral=vc,
    )
    vc_source = f"urn:hsa:{vc}"
    if high:
        for party, source in (("lmv", LMV), ("vardcentral", vc_source)):
            s.add(
                "primarycare.planning_confirmed",
                risk_at + _exp(rng, params.planning_confirm_hours),
                source,
                party=party,
                unit=UNIT,
                confirmed_by=STAFF,
            )
        s.add(
            "primarycare.physician_contact",
            discharged_at + _exp(rng, params.first_contact_hours),
            LMV,
            party="lmv",
            kind=rng.choice(("home_visit", "phone", "video")),
            performed_by=STAFF,
        )
        handover_at = _decisions(s, rng, params, policy, discharged_at)
    else:
        handover_at = discharged_at
    # The VC accepts while it is open (the policy's calendar): a delay that ends at night or at a weekend
    # ends when it opens next.
    accepted_at = when_open(policy, "vardcentral", handover_at + _exp(rng, params.vc_acceptance_hours))
    s.add("primarycare.handover_accepted", accepted_at, vc_source, unit=vc, accepted_by=STAFF)
    for _ in range(_poisson(rng, params.vc_contacts_per_patient)):
        s.add(
            "primarycare.physician_contact",
            accepted_at + _hours(rng.uniform(1, 20 * 24)),
            vc_source,
            party="vardcentral",
            kind=rng.choice(("home_visit", "clinic", "phone")),
            performed_by=STAFF,
        )
    _concerns(s, params, discharged_at)
    if rng.random() < params.readmission_rate:
        readmitted_at = discharged_at + _hours(rng.uniform(12, policy.readmission_window.days * 24 - 1))
        s.events = [(at, doc) for at, doc in s.events if at < readmitted_at]
        s.add(
            "hospital.patient_admitted",
            readmitted_at,
            HOSPITAL,
            episode_id=f"{episode}-r",
            unit=UNIT,
            admission="unplanned",
            listed_vardcentral=vc,
            home_type=home,
        )
    return s.build()


def _concerns(s: Script, params: SimulationParams, discharged_at: datetime) -> None:
    """Municipal nurses' concerns at any hour of the 30 days after discharge (a random source of their own,
    so the rest of the script is the same whatever their rate)."""
    rng = random.Random(f"{params.seed}:{s.index}:concerns")
    for _ in range(_poisson(rng, params.concerns_per_patient)):
        s.add(
            "municipality.concern_raised",
            discharged_at + _hours(rng.uniform(0, 30 * 24)),
            KOMMUN,
            urgency=rng.choice(("acute", "non_acute")),
            summary="synthetic concern",
        )


def _decisions(
    s: Script, rng: random.Random, params: SimulationParams, policy: Policy, discharged_at: datetime
) -> datetime:
    """The coordinator's review decisions; returns when the handover was decided."""
    support_end = add_local(discharged_at, policy.support_period)
    extend = rng.random() < params.extension_rate
    while True:
        review_opens = sub_local(support_end, policy.extension_review_lead)
        # At least an hour after the review opens: the task must be open when the decision comes.
        decided_at = review_opens + _hours(1) + _exp(rng, params.review_decision_hours)
        if extend:
            s.add(
                "coordination.extension_decided",
                decided_at,
                COORDINATOR,
                decision="extend",
                extend_days=params.extension_days,
                reason="needs continued physician support",
                decided_by=STAFF,
            )
            support_end = add_local(support_end, timedelta(days=params.extension_days))
            extend = False  # one extension, then handover at the next review
            continue
        s.add(
            "coordination.extension_decided",
            decided_at,
            COORDINATOR,
            decision="handover",
            reason="stable: back to the listed VC",
            decided_by=STAFF,
        )
        return decided_at
