"""The simulation's parameters, each with its default and what it stands for (docs/indicators.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SimulationParams:
    #: Days of discharges to simulate (the pathways then run to their end).
    days: int = 365
    #: Mean discharges from Hallands sjukhus per day (Poisson): ~45,000 a year.
    discharges_per_day: float = 125.0
    #: Share of discharged patients the responsible doctor judges at high risk (LMV support).
    high_risk_share: float = 0.15
    #: Seed of the random choices: the same seed gives the same patients and figures.
    seed: int = 1
    #: The first simulated day of discharge (Europe/Stockholm).
    start: date = date(2027, 1, 4)
    #: LMV support from discharge, in days (DISCHARGE_SUPPORT_PERIOD).
    support_days: int = 14
    #: Share of LMV patients whose support the coordinator extends at the review.
    extension_rate: float = 0.20
    #: Days each extension adds (1-14).
    extension_days: int = 7
    #: Share of discharged patients readmitted unplanned within the readmission window.
    readmission_rate: float = 0.12
    #: Mean hours from a handover request to the VC's acceptance (exponential).
    vc_acceptance_hours: float = 20.0
    #: Mean hours from discharge to LMV's first physician contact (exponential).
    first_contact_hours: float = 10.0
    #: Mean hours for LMV and the VC each to confirm joint planning (exponential).
    planning_confirm_hours: float = 10.0
    #: Mean hours from the opening of an extension review to the coordinator's decision (at least 1 h).
    review_decision_hours: float = 30.0
    #: Mean VC physician contacts per patient in the weeks after the handover (Poisson).
    vc_contacts_per_patient: float = 0.8
    #: Mean municipal concerns per patient in the 30 days after discharge (Poisson), at any hour: those
    #: raised while the responsible unit is closed go to the on-call unit (docs/policy.md).
    concerns_per_patient: float = 0.3
    #: Days excluded from the census's peak and 95th percentile while the first patients fill it.
    warm_up_days: int = 28
    #: Processes to simulate in (0: one per CPU).
    workers: int = 0
