"""Run a simulation: days of discharges split over processes, each pathway through the rules.

A process simulates a block of days and returns, per pathway, only what the results need (when it
was in LMV support, when a review opened, a handover completed, an escalation was raised), so the
traces never cross process boundaries. Patients are numbered by day, so the figures are the same for
a seed whatever the number of processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time

from discharge.simulate.engine import Trace, run_pathway
from discharge.simulate.params import SimulationParams
from discharge.simulate.patients import PER_DAY, patient_script, patients_on
from workflows.policy import STOCKHOLM, Policy
from workflows.rules.calendar import is_open
from workflows.rules.state import SUPPORT_PHASES

#: Days per task handed to a process: small enough for a smooth progress bar.
BLOCK_DAYS = 7


@dataclass
class PathwaySummary:
    """One pathway, in simulation days (local days since the first simulated midnight, as floats)."""

    support: list[tuple[float, float]] = field(default_factory=list)  # in lmv_support/extension_review
    awaiting_vc: list[tuple[float, float]] = field(default_factory=list)  # handover not yet accepted
    events: list[tuple[float, str, str | None]] = field(default_factory=list)  # (day, type, reason)
    # Each escalation: (day, as in ``events``; hour of the week, Monday 00-01 local is 0; reason; raised
    # while the vårdcentral was closed by the policy's calendar; routed to the on-call unit).
    escalations: list[tuple[float, int, str, bool, bool]] = field(default_factory=list)
    lmv_enrolled: bool = False
    readmitted: bool = False
    discharged_day: int = 0


def day_of(at: datetime, origin: datetime) -> float:
    """Local (Europe/Stockholm) days since ``origin``: noon of the 3rd day is 2.5, also across DST."""
    wall = at.astimezone(STOCKHOLM).replace(tzinfo=None)
    return (wall - origin.replace(tzinfo=None)).total_seconds() / 86400


def origin_of(params: SimulationParams) -> datetime:
    return datetime.combine(params.start, time(0), tzinfo=STOCKHOLM)


COUNTED = ("support_started", "extension_review_requested", "handover_completed", "escalation_raised")


def hour_of_week(at: datetime) -> int:
    """Monday 00:00-00:59 Europe/Stockholm is 0, Sunday 23:00-23:59 is 167."""
    local = at.astimezone(STOCKHOLM)
    return local.weekday() * 24 + local.hour


def summarise(trace: Trace, origin: datetime, policy: Policy) -> PathwaySummary:
    summary = PathwaySummary(readmitted=trace.readmitted)
    phases = [(day_of(at, origin), phase) for at, phase in trace.phases]
    for (start, phase), (end, _) in zip(phases, [*phases[1:], (float("inf"), "")], strict=True):
        if phase in SUPPORT_PHASES:
            _extend(summary.support, start, end)
        elif phase == "handover":
            summary.awaiting_vc.append((start, end))
    for at, type_, data in trace.outbound:
        if type_ == "support_started":
            summary.lmv_enrolled = True
        if type_ in COUNTED:
            reason = data.get("reason") if type_ == "escalation_raised" else None
            summary.events.append((day_of(at, origin), type_, reason))
        if type_ == "escalation_raised":
            closed = _closed(policy, at)
            escalation = (
                day_of(at, origin),
                hour_of_week(at),
                str(data["reason"]),
                closed,
                "routed_to" in data,
            )
            summary.escalations.append(escalation)
    return summary


def _closed(policy: Policy, at: datetime) -> bool:
    calendar = policy.calendars.get("vardcentral")
    return calendar is not None and not is_open(calendar, policy.closed_days, at)


def _extend(intervals: list[tuple[float, float]], start: float, end: float) -> None:
    """lmv_support -> extension_review -> lmv_support is one stay in support, not three."""
    if intervals and intervals[-1][1] == start:
        intervals[-1] = (intervals[-1][0], end)
    else:
        intervals.append((start, end))


def simulate_block(
    params: SimulationParams, policy: Policy, first_day: int, last_day: int
) -> list[PathwaySummary]:
    """Every patient discharged on days ``first_day`` to ``last_day - 1``."""
    origin = origin_of(params)
    summaries = []
    for day in range(first_day, last_day):
        for n in range(patients_on(day, params)):
            index = day * PER_DAY + n
            events = patient_script(index, day, params, policy)
            summary = summarise(run_pathway(f"sim_{index}", events, policy), origin, policy)
            summary.discharged_day = day
            summaries.append(summary)
    return summaries


def blocks(params: SimulationParams) -> Iterator[tuple[int, int]]:
    for first in range(0, params.days, BLOCK_DAYS):
        yield first, min(first + BLOCK_DAYS, params.days)


def simulate(
    params: SimulationParams,
    policy: Policy,
    *,
    progress: Callable[[int], None] | None = None,
) -> list[PathwaySummary]:
    """All pathways of the simulation; ``progress(days_done)`` after each block of days."""
    workers = params.workers or os.cpu_count() or 1
    results: list[PathwaySummary] = []
    if workers == 1:
        for first, last in blocks(params):
            results.extend(simulate_block(params, policy, first, last))
            if progress:
                progress(last - first)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            (last - first, pool.submit(simulate_block, params, policy, first, last))
            for first, last in blocks(params)
        ]
        for days, future in futures:  # in submission order: the results' order is the days' order
            results.extend(future.result())
            if progress:
                progress(days)
    return results
