"""What the ledger gives up on, and how it starts a derivation (workflows/rules/ledger.py).

An event the pathway cannot take is a `Refused`: the workflow dead-letters it with its kind and reason
(the rule, never a value of the event), and the worker counts it by kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.inbound.envelopes import InboundEvent
from workflows.rules.state import PathwayState

#: Dead-letter kinds of the pathway's own (besides `no_pathway`, workflows/rules/intake.py).
NOT_APPLICABLE = "not_applicable"
RULE_FAILED = "rule_failed"
#: A signal whose sender may not send it (workflows/actor.py `signal_refusal`).
NOT_PERMITTED = "not_permitted"


@dataclass(frozen=True)
class Refused:
    """An event the pathway gives up on: dead-lettered (kind ``not_applicable`` or ``rule_failed``)."""

    event: InboundEvent
    kind: str
    reason: str


def fresh_like(live: PathwayState, registry_listing: str | None) -> PathwayState:
    """A state as a run starts: the run's flags and the look-ups already made, nothing from events."""
    state = PathwayState(
        patient_key=live.patient_key,
        indicator_events=live.indicator_events,
        ordered=live.ordered,
        run_key=live.run_key,
        oncall_rota=live.oncall_rota,
        # What was delivered to whom is a fact of the run, not of the events (rules/receipts.py): kept.
        awaits_receipts=live.awaits_receipts,
        deliveries=[d.model_copy(deep=True) for d in live.deliveries],
    )
    if registry_listing is not None:
        state.listed_vardcentral = registry_listing
        state.listed_from_registry = True
    return state


def failure_reason(event: InboundEvent, error: Exception) -> str:
    """A dead letter's reason for an event a rule failed on: the rule and the exception's kind, no values."""
    return (
        f"rule_failed: the pathway's rules raised {type(error).__name__} on {event.type}; the event was "
        "set aside and the pathway went on without it (a defect to report, or a value beyond the calendar)"
    )
