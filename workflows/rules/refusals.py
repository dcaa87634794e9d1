"""What the ledger gives up on, and how it starts a derivation (workflows/rules/ledger.py).

An event the pathway cannot take is a `Refused`: the workflow dead-letters it with its kind and reason
(the rule, never a value of the event), and the worker counts it by kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from events.inbound.envelopes import InboundEvent
from workflows.policy import Policy
from workflows.rules.dispatch import apply_event
from workflows.rules.receipts import carried_escalations
from workflows.rules.state import PathwayState
from workflows.rules.step import RuleOutcome

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
        planning_events=live.planning_events,
        ordered=live.ordered,
        run_key=live.run_key,
        oncall_rota=live.oncall_rota,
        # What was delivered to whom is a fact of the run, not of the events (rules/receipts.py): kept.
        awaits_receipts=live.awaits_receipts,
        receipts_rederived=live.receipts_rederived,
        clinical_deliveries=live.clinical_deliveries,
        deliveries=[d.model_copy(deep=True) for d in live.deliveries],
    )
    if live.receipts_rederived:  # and their escalations, which no event of the ledger raises again
        state.escalations, state.resolved_escalations = carried_escalations(live, state.deliveries)
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


def apply_or_refuse(
    state: PathwayState, event: InboundEvent, now: datetime, policy: Policy
) -> tuple[PathwayState, RuleOutcome | Refused]:
    """For runs in arrival order (started before `any-arrival-order`, which have no ledger to re-derive
    from): ``event`` applied to a copy, so that a rule that raises leaves the state as it was; then the
    new state and outcome, or the state before and the event refused (``rule_failed``)."""
    trial = state.model_copy(deep=True)
    try:
        return trial, apply_event(trial, event, now, policy)
    except Exception as error:  # a rule's bug must not fail every workflow task from now on
        return state, Refused(event, RULE_FAILED, failure_reason(event, error))
