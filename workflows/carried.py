"""What a pathway's run hands to the next when its history grows long (continue-as-new).

A run's history grows with every event, timer and publish; Temporal warns at 10,240 events and ends a run at
51,200. A pathway sent thousands of events (a burst, a sender in a loop) must not reach that, so a run in
clinical order (patch `any-arrival-order`) continues as new once its history holds ``policy.history_bound``
events or the server suggests it (patch `bounded-history`, workflows/pathway.py). The new run starts with
everything the old one knew, so it goes on as if nothing happened:

- the rules' state (deadlines are in it: the new run's timers come from it; deliveries awaiting receipts);
- the ledger: every accepted event, for re-deriving clinical order; what was published (no step twice);
  escalations still waiting for the late-event grace;
- the policy the pathway started with (not the worker's current settings: a pathway keeps its policy);
- the acknowledgements of escalations;
- the seen event keys and the events not taken yet go in `PathwayStart`'s own fields, as for a readmission.

The carried state is one JSON text (``PathwayStart.carried``): the workflow's input model lives in
workflows/api.py, which the rules' state depends on, so it cannot name these types itself. The text is a
payload like any other (encrypted by the codec), never a search attribute or memo.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from events.outbound.catalogue import outbound_data
from events.outbound.names import OutboundType
from workflows.api import AcknowledgementRecord
from workflows.policy import Policy
from workflows.rules.ledger import Ledger
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish


class HeldPublish(BaseModel):
    """An escalation's outbound event waiting for the grace: its ``data`` as published, so each type's
    own fields survive (a `Publish` names only the base model, which would keep only the shared ones)."""

    type: OutboundType
    step: str
    data: dict[str, Any]


class Carried(BaseModel):
    """Everything a run knows that its events alone would not give the next run."""

    state: PathwayState
    ledger: Ledger  # without its `held` (in ``held``)
    held: list[HeldPublish] = []
    policy: Policy
    acknowledgements: list[AcknowledgementRecord] = []

    @classmethod
    def of(
        cls,
        state: PathwayState,
        ledger: Ledger,
        policy: Policy,
        acknowledgements: list[AcknowledgementRecord],
    ) -> Carried:
        held = [
            HeldPublish(type=p.type, step=p.step, data=p.data.model_dump(mode="json")) for p in ledger.held
        ]
        return cls(
            state=state,
            ledger=replace(ledger, held=[]),
            held=held,
            policy=policy,
            acknowledgements=acknowledgements,
        )

    def restored_ledger(self) -> Ledger:
        held = [Publish(h.type, h.step, outbound_data(h.type, h.data)) for h in self.held]
        return replace(self.ledger, held=held)


def history_too_long(length: int, suggested: bool, policy: Policy) -> bool:
    """Whether a run should continue as new: the server suggests it, or the policy's bound is reached."""
    return suggested or (policy.history_bound is not None and length >= policy.history_bound)
