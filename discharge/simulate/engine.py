"""Synthetic pathways through the pathway's own rules, driven the way the workflow drives them.

The workflow waits for the next event or ``next_deadline``, whichever comes first, and then calls
``apply_time`` or ``apply_event`` with its clock; here the clock is the clinical time of each event
(events arrive on time) and the deadlines fall due exactly. Nothing of the rules is copied: a change
to ``workflows.rules`` or ``workflows.policy`` changes the simulation with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from discharge.settings import Settings
from discharge.settings_policy import policy_from_settings
from discharge.simulate.params import SimulationParams
from events.inbound.envelopes import InboundEvent
from workflows.policy import Policy
from workflows.rules.deadlines import apply_time, next_deadline
from workflows.rules.dispatch import apply_event
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish, RuleOutcome, StartNewPathway

#: A pathway that has not closed this long after its last event is stopped (a guard, never reached by
#: the scripts: every pathway closes at the end of its readmission window).
HORIZON = timedelta(days=400)


@dataclass
class Trace:
    """What one pathway did: its phases over time and the outbound events it published."""

    patient_key: str
    phases: list[tuple[datetime, str]] = field(default_factory=list)
    outbound: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    readmitted: bool = False

    @property
    def final_phase(self) -> str:
        return self.phases[-1][1]


def simulation_policy(params: SimulationParams, settings: Settings | None = None) -> Policy:
    """The policy the workflow would load, with the simulated support period."""
    # The region's calendar for the simulated years (closed days from the first simulated day on).
    base = policy_from_settings(settings or Settings(), today=params.start)
    support = timedelta(days=params.support_days)
    return base.model_copy(
        update={"support_period": support, "reminder_interval": min(timedelta(days=1), support)}
    )


def _record(trace: Trace, state: PathwayState, outcome: RuleOutcome, now: datetime) -> bool:
    """Note the phase and the published events; True when the pathway continues as a new one."""
    for command in outcome.commands:
        if isinstance(command, Publish):
            trace.outbound.append((now, command.type, command.data.published()))
        elif isinstance(command, StartNewPathway):
            trace.readmitted = True
    if not trace.phases or trace.phases[-1][1] != state.phase:
        trace.phases.append((now, state.phase))
    return trace.readmitted


def run_pathway(patient_key: str, events: list[InboundEvent], policy: Policy) -> Trace:
    """One pathway from its first event to its close (or to a readmission, which opens a new one)."""
    # As a run of today's workflow (patches `indicator-events`, `any-arrival-order`).
    state = PathwayState(patient_key=patient_key, indicator_events=True, planning_events=True, ordered=True)
    trace = Trace(patient_key)
    for event in events:
        if _deadlines_until(trace, state, policy, event.time):
            return trace
        if _record(trace, state, apply_event(state, event, event.time, policy), event.time):
            return trace
        if state.phase == "closed":
            return trace
    last = events[-1].time if events else None
    if last is not None:
        _deadlines_until(trace, state, policy, last + HORIZON)
    return trace


def _deadlines_until(trace: Trace, state: PathwayState, policy: Policy, until: datetime) -> bool:
    """Act on every deadline due before ``until``, as the workflow's timer would; True on a restart."""
    while state.phase != "closed":
        due = next_deadline(state)
        if due is None or due > until:
            return False
        if _record(trace, state, apply_time(state, due, policy), due):
            return True
    return False
