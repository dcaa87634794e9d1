"""Events that reach a pathway before it can take them: held, then applied in clinical-time order.

Another system's event can reach us before the hospital's (LMV confirms the planning before the delayed
admission arrives), and a gateway killed while draining a backlog can redeliver a patient's first events
after their later ones. An event that cannot open a pathway (a confirmation, a contact, a handover) and
arrives when none is open is therefore *held*, not acted on:

- once an event that opens a pathway arrives, it is applied first, then everything held, in clinical-time
  order (``time``; arrival order among equal times);
- if no such event arrives within ``policy.early_event_hold`` (``DISCHARGE_EARLY_EVENT_HOLD``, P2D) of the
  first held event, the held events are dead-lettered (reason ``no_pathway``) so an integrator can fix and
  replay them, and the run ends;
- with ``policy.reorder_window`` (``DISCHARGE_REORDER_WINDOW``) above zero, every event also waits until
  none of the patient's events has arrived for that long, and a burst (a backlog after an outage) is
  applied in clinical-time order as a whole: any arrival order of a pathway's events then gives the
  same pathway as the order in which they happened (tests/unit/test_intake_orders.py).

Pure: no Temporal. The workflow keeps an `Intake` in its state, feeds it arrivals and the clock, and
applies what `release` returns (workflows/taking_in.py).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from events.inbound.envelopes import InboundEvent
from workflows.api import LogEntry
from workflows.policy import Policy
from workflows.rules.dispatch import apply_event
from workflows.rules.state import PathwayState
from workflows.rules.step import RuleOutcome

#: Events that open a pathway when none is open (what the rules act on in a fresh state). Any other type
#: is only meaningful inside a pathway and is held until one opens.
OPENING_TYPES = frozenset(
    {
        "hospital.patient_admitted",
        "hospital.risk_assessed",
        "hospital.discharge_planned",
        "hospital.patient_discharged",
        "hospital.patient_deceased",
        "municipality.homecare_enrolled",
        "municipality.homecare_ended",
        "municipality.concern_raised",
        "coordination.lmv_enrollment_decided",
    }
)


#: Events after which the listed VC is looked up when neither it nor an earlier event named one (the
#: workflow's activity `lookup_listing`, before the rules see the event).
LISTING_TYPES = ("hospital.patient_admitted", "hospital.risk_assessed", "hospital.patient_discharged")


def can_open(event: InboundEvent) -> bool:
    return event.type in OPENING_TYPES


class HeldEvent(BaseModel):
    event: InboundEvent
    held_at: datetime  # workflow time of arrival
    order: int  # arrival number: ties in clinical time keep arrival order


class Intake(BaseModel):
    """Events received but not applied yet, and when the last one arrived."""

    held: list[HeldEvent] = []
    # Held before the pathway opened, released when it did, but not meaningful yet (an LMV confirmation
    # before the high-risk assessment that asks for it): retried after every event the pathway takes.
    waiting: list[HeldEvent] = []
    last_arrival: datetime | None = None
    arrivals: int = 0

    def receive(self, event: InboundEvent, now: datetime) -> None:
        self.arrivals += 1
        self.held.append(HeldEvent(event=event, held_at=now, order=self.arrivals))
        self.last_arrival = now

    def release(self, now: datetime, policy: Policy, *, opened: bool) -> list[InboundEvent]:
        """The events to apply now, in the order to apply them; they leave the hold.

        Nothing while the reorder window is still open. With no pathway open (``opened`` false), nothing
        until an opening event is held: then the earliest opening event first (a pathway must open with
        an event that can open it), then the rest in clinical-time order. In an open pathway with no
        reorder window, events are applied as they arrive (in arrival order).
        """
        if not self.held or not self._settled(now, policy):
            return []
        if opened and not policy.reorder_window:
            ordered = sorted(self.held, key=lambda h: h.order)  # applied as they arrive, as always
        else:
            ordered = sorted(self.held, key=lambda h: (h.event.time, h.order))
        if not opened:
            first = next((h for h in ordered if can_open(h.event)), None)
            if first is None:
                return []
            ordered.remove(first)
            ordered.insert(0, first)
        self.held.clear()
        return [h.event for h in ordered]

    def drain(self) -> list[InboundEvent]:
        """Everything still held or waiting, in arrival order (the run is ending: next run, or ignored)."""
        events = [h.event for h in sorted(self.held + self.waiting, key=lambda h: h.order)]
        self.held.clear()
        self.waiting.clear()
        return events

    def wait(self, event: InboundEvent, now: datetime) -> None:
        self.arrivals += 1
        self.waiting.append(HeldEvent(event=event, held_at=now, order=self.arrivals))

    def expire(self, now: datetime, policy: Policy, *, opened: bool) -> list[InboundEvent]:
        """With no pathway open: every held event, once the first has waited ``early_event_hold``."""
        due = self.expires_at(policy, opened=opened)
        if due is None or now < due:
            return []
        expired = [h.event for h in sorted(self.held, key=lambda h: h.order)]
        self.held.clear()
        return expired

    def expires_at(self, policy: Policy, *, opened: bool) -> datetime | None:
        if opened or not self.held:
            return None
        return min(h.held_at for h in self.held) + policy.early_event_hold

    def wake_at(self, policy: Policy, *, opened: bool) -> datetime | None:
        """When `release` or `expire` may next have something to do (None: only a new arrival helps)."""
        times = []
        if self.held and self.last_arrival is not None and policy.reorder_window:
            if opened or any(can_open(h.event) for h in self.held):
                times.append(self.last_arrival + policy.reorder_window)
        expiry = self.expires_at(policy, opened=opened)
        if expiry is not None:
            times.append(expiry)
        return min(times, default=None)

    def _settled(self, now: datetime, policy: Policy) -> bool:
        return self.last_arrival is None or now >= self.last_arrival + policy.reorder_window


def close_unopened(state: PathwayState, expired: list[InboundEvent], now: datetime, policy: Policy) -> None:
    """No pathway opened within the hold: the run ends, each held event recorded as dead-lettered."""
    for event in expired:
        held = format_hold(policy)
        summary = f"{event.type} held {held} for a pathway that never opened: dead-lettered (no_pathway)"
        state.log.append(
            LogEntry(at=now, kind="ignored", summary=summary, actor=event.source, event_type=event.type)
        )
    state.phase = "closed"
    state.outcome = "no_pathway"
    state.closed_at = now


def format_hold(policy: Policy) -> str:
    return f"{policy.early_event_hold.total_seconds() / 3600:g} h"


def no_pathway_reason(policy: Policy) -> str:
    """The dead letter's reason: the rule, never a value of the event."""
    return (
        f"no pathway opened for this patient within {format_hold(policy)} (DISCHARGE_EARLY_EVENT_HOLD) of "
        "this event's arrival: the event that opens one (an admission, risk assessment or discharge of the "
        "patient) never arrived; send it, then replay this event"
    )


def try_event(
    state: PathwayState, event: InboundEvent, now: datetime, policy: Policy
) -> tuple[PathwayState, RuleOutcome] | None:
    """Apply ``event`` to a copy of ``state``: the new state and outcome, or None (nothing changed) when
    the rules would ignore it. For early events, which wait instead of being recorded as ignored."""
    trial = state.model_copy(deep=True)
    try:
        outcome = apply_event(trial, event, now, policy)
    except Exception:  # a rule's bug: the event waits, then is dead-lettered, instead of failing every task
        return None
    return None if outcome.ignored else (trial, outcome)


def retry_waiting(
    state: PathwayState, intake: Intake, now: datetime, policy: Policy
) -> tuple[PathwayState, list[RuleOutcome]]:
    """Apply the waiting early events that now make sense, in clinical-time order, until none does."""
    outcomes: list[RuleOutcome] = []
    progress = True
    while progress and state.phase != "closed":
        progress = False
        for held in sorted(intake.waiting, key=lambda h: (h.event.time, h.order)):
            tried = try_event(state, held.event, now, policy)
            if tried is not None:
                state, outcome = tried
                intake.waiting.remove(held)
                outcomes.append(outcome)
                progress = True
                break
    return state, outcomes
