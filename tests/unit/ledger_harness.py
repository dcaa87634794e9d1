"""The workflow's loop around a `Ledger`, without Temporal: arrivals, the clock, what is published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import (
    REGISTRY_VC,
    accepted,
    admitted,
    confirmed,
    contact,
    days,
    discharged,
    event,
    hours,
    risk,
)
from workflows.policy import Policy
from workflows.rules.entries import Taken
from workflows.rules.intake import LISTING_TYPES
from workflows.rules.ledger import Ledger
from workflows.rules.receipts import expect_receipts
from workflows.rules.refusals import Refused
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
GRACE = timedelta(minutes=1)
#: The region's LMV unit (`DISCHARGE_LMV_UNIT`): receives what goes to LMV before an LMV unit confirmed.
REGION_LMV = "SE2321000131-E000000000200"
#: Receipts are awaited (so deliveries are recorded, as the workflow does), none is ever overdue here.
POLICY = Policy(late_event_grace=GRACE, lmv_unit=REGION_LMV, delivery_receipt_timeout=days(1000))
#: State that says how the events arrived, not what they did: left out when two runs are compared (the
#: deliveries are compared without their times: `LedgerRun.deliveries`).
ARRIVAL_FIELDS = {"log", "settle_until", "outbound_seq", "opened_by", "deliveries"}


def high_risk_pathway() -> list[InboundEvent]:
    """A full high-risk pathway in clinical order: admission to a handover accepted within the period."""
    return [
        admitted(T0),
        risk(T0 + hours(1)),
        confirmed(T0 + hours(2), "lmv"),
        confirmed(T0 + hours(3), "vardcentral"),
        discharged(T0 + days(1)),
        contact(T0 + days(1) + hours(2)),
        contact(T0 + days(3), party="vardcentral", kind="home_visit"),
        event("primarycare.handover_proposed", T0 + days(5), proposed_by="SE2321000131-E000000000010"),
        accepted(T0 + days(5) + hours(1)),
    ]


class LedgerRun:
    """Arrivals into a ledger, its commands kept; the clock moved by `tick`. Like the workflow, it looks the
    listed VC up in the registry and records each delivery (workflows/pathway.py); a step's key stands for
    its event id."""

    def __init__(self, policy: Policy = POLICY) -> None:
        self.policy = policy
        self.state = PathwayState(
            patient_key="k",
            ordered=True,
            indicator_events=True,
            awaits_receipts=True,
            receipts_rederived=True,
            clinical_deliveries=True,
        )
        self.ledger = Ledger()
        self.published: list[Publish] = []
        self.dead: list[Refused] = []
        self.delivered: list[tuple[str, str]] = []  # (step, receiver), as the fan-out and `Deliver` make them

    def arrive(self, events: list[InboundEvent], now: datetime) -> LedgerRun:
        unnamed = [e for e in events if getattr(e.data, "listed_vardcentral", None) is None]
        listing = any(e.type in LISTING_TYPES for e in unnamed)
        if listing and self.state.listed_vardcentral is None and self.ledger.registry_listing is None:
            self.ledger.registry_listing = self.state.listed_vardcentral = REGISTRY_VC
            self.state.listed_from_registry = True
        self._carry(self.ledger.take(self.state, events, now, self.policy), now)
        return self.tick(now)

    def tick(self, now: datetime) -> LedgerRun:
        self.dead += self.ledger.expire(self.state, now, self.policy)
        self._carry(self.ledger.tick(self.state, now, self.policy), now)
        return self

    def _carry(self, taken: Taken, now: datetime) -> None:
        self.state = taken.state
        self.published += taken.publish
        self.dead += taken.dead
        for p in taken.publish:
            self.delivered += [(p.step, r.hsa_id) for r in p.data.receivers(self.policy.lmv_unit)]
            expect_receipts(self.state, p.data, p.step, now, self.policy)
        for d in taken.deliver:
            self.delivered += [(d.publish.step, receiver) for receiver in d.recipients]
            expect_receipts(self.state, d.publish.data, d.publish.step, now, self.policy)

    def deliveries(self) -> list[tuple[str, str, str, str, bool]]:
        """What the pathway recorded as delivered to whom, without times: (message, receiver, type,
        status, awaits a receipt); and each delivery made once."""
        assert len(set(self.delivered)) == len(self.delivered), self.delivered
        recorded: list[tuple[str, str, str, str, bool]] = sorted(
            (d.message_id, d.recipient, d.event_type, d.status, d.due_at is not None)
            for d in self.state.deliveries
        )
        assert sorted((m, r) for m, r, *_ in recorded) == sorted(self.delivered)
        return recorded

    def end(self) -> dict[str, Any]:
        return self.state.model_dump(exclude=ARRIVAL_FIELDS)

    def outbound(self) -> dict[str, dict[str, Any]]:
        """Step key → data; `pathway_started` says which event opened the run first, so only its key."""
        return {p.step: ({} if p.type == "pathway_started" else p.data.published()) for p in self.published}

    def escalations(self) -> dict[str, dict[str, Any]]:
        return {step: data for step, data in self.outbound().items() if "escalation_raised" in step}


def run(order: list[InboundEvent], policy: Policy = POLICY, batch: int = 1) -> LedgerRun:
    """A backlog: ``batch`` events arrive each second, long after the last happened; then time passes
    (past the grace, and past the pathway's readmission window)."""
    r = LedgerRun(policy)
    now = T0 + days(6)
    for start in range(0, len(order), batch):
        r.arrive(order[start : start + batch], now)
        now += timedelta(seconds=1)
    for later in (now + GRACE, now + days(2), now + days(40)):
        r.tick(later)
    return r
