"""The workflow's loop around a `Ledger`, without Temporal: arrivals, the clock, what is published."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import accepted, admitted, confirmed, contact, days, discharged, event, hours, risk
from workflows.policy import Policy
from workflows.rules.ledger import Ledger, Taken
from workflows.rules.refusals import Refused
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish

T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
GRACE = timedelta(minutes=1)
POLICY = Policy(late_event_grace=GRACE)
#: State that says how the events arrived, not what they did: left out when two runs are compared.
ARRIVAL_FIELDS = {"log", "settle_until", "outbound_seq", "opened_by"}


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
    """Arrivals into a ledger, its commands kept; the clock moved by `tick`."""

    def __init__(self, policy: Policy = POLICY) -> None:
        self.policy = policy
        self.state = PathwayState(patient_key="k", ordered=True, indicator_events=True)
        self.ledger = Ledger()
        self.published: list[Publish] = []
        self.dead: list[Refused] = []

    def arrive(self, events: list[InboundEvent], now: datetime) -> LedgerRun:
        self._carry(self.ledger.take(self.state, events, now, self.policy))
        return self.tick(now)

    def tick(self, now: datetime) -> LedgerRun:
        self.dead += self.ledger.expire(self.state, now, self.policy)
        self._carry(self.ledger.tick(self.state, now, self.policy))
        return self

    def _carry(self, taken: Taken) -> None:
        self.state = taken.state
        self.published += taken.publish
        self.dead += taken.dead

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
