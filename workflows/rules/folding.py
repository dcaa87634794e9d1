"""A bounded ledger: the events a pathway applied folded into the state it carries to its next run.

A ledger (workflows/rules/ledger.py) keeps every accepted event so that a clinically earlier arrival can
re-derive the state in clinical order; continuing as new (workflows/carried.py) carries it whole, about 1 KiB
per applied event with the log, and Temporal refuses a payload over 2 MiB. So a run that continues as new
with more than ``FOLD_AT`` events kept **folds** them (patch `folded-ledger`):

- the state as it is becomes the ledger's ``base``: a later derivation starts from it instead of from a fresh
  state, and replays only the events taken since;
- every applied event and decision leaves the ledger (events not applicable yet stay, to apply or expire);
  so do the step keys published for them (their causes are in the base: no derivation gives them again);
- the log keeps its latest ``LOG_KEPT`` entries (the earlier ones are in the earlier runs' histories);
- ``folded_until``, the clinical time of the latest folded event, is the horizon: an event clinically older
  that arrives afterwards is applied after the base, as a late event is in arrival order (the rules' own
  "Out of order" handling, docs/pathway.md), not in its clinical place among the folded ones.

What a derivation from a base keeps from the live state is what `fresh_like` keeps from it: the deliveries
(facts of the run) and the escalations the clock raised for them since the fold.
"""

from __future__ import annotations

from datetime import datetime

from workflows.api import LogEntry
from workflows.rules.refusals import fresh_like
from workflows.rules.state import PathwayState

#: A run continuing as new with more events than this in its ledger folds them (~0.5 MiB carried at most).
FOLD_AT = 500
#: Log entries a fold keeps (the latest); the view says how many earlier ones are in earlier runs.
LOG_KEPT = 500


def folded_state(state: PathwayState) -> PathwayState:
    """The base a fold keeps: ``state`` with its log cut to the latest ``LOG_KEPT`` entries."""
    base = state.model_copy(deep=True)
    if len(base.log) > LOG_KEPT:
        dropped = len(base.log) - LOG_KEPT + 1
        note = LogEntry(
            at=base.log[dropped - 1].at,
            kind="ledger",
            summary=f"{dropped} earlier log entries are in this pathway's earlier runs (folded ledger)",
        )
        base.log = [note, *base.log[dropped:]]
    return base


def derivation_start(live: PathwayState, base: PathwayState | None, registry: str | None) -> PathwayState:
    """Where a derivation starts: a fresh state like ``live``'s start, or a copy of the folded ``base`` with
    ``live``'s deliveries and the escalations raised for them since the fold (each delivery pointing at its
    own, resolved as before)."""
    if base is None:
        return fresh_like(live, registry)
    state = base.model_copy(deep=True)
    state.deliveries = [d.model_copy(deep=True) for d in live.deliveries]
    state.oncall_rota = state.oncall_rota or live.oncall_rota
    state.awaits_receipts, state.receipts_rederived = live.awaits_receipts, live.receipts_rederived
    state.clinical_deliveries = live.clinical_deliveries
    known = len(base.escalations)
    for delivery in state.deliveries:
        was = delivery.escalation
        if was is None or was < known or was >= len(live.escalations):
            continue
        delivery.escalation = len(state.escalations)
        state.escalations.append(live.escalations[was])
        if was in live.resolved_escalations:
            state.resolved_escalations.append(delivery.escalation)
    return state


def latest_folded(times: list[datetime], folded_until: datetime | None) -> datetime | None:
    """The clinically latest of ``times`` and the fold's horizon."""
    everything = [*times, *([folded_until] if folded_until is not None else [])]
    return max(everything, default=None)
