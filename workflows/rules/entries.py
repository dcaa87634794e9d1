"""The ledger's entries, and what a step of the ledger hands the workflow (workflows/rules/ledger.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from events.inbound.envelopes import InboundEvent
from workflows.api import Decision, LogEntry
from workflows.rules.records import DUPLICATE_SUMMARY
from workflows.rules.refusals import Refused
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish, StartNewPathway


def kept_across_derivation(entry: LogEntry) -> bool:
    """Log entries the rules cannot re-derive (acknowledgements, duplicates: not events of the ledger)."""
    return entry.kind == "acknowledged" or entry.summary == DUPLICATE_SUMMARY


@dataclass
class Entry:
    time: datetime  # clinical time; a decision's is when it was taken
    arrived: datetime  # workflow time of arrival
    order: int  # arrival number: ties in clinical time keep arrival order
    event: InboundEvent | None = None
    decision: Decision | None = None

    @property
    def place(self) -> tuple[datetime, int]:
        return (self.time, self.order)


@dataclass(frozen=True)
class Deliver:
    """Deliver an outbound step already published to receivers its published ``data`` did not name, but
    clinical order's does (a receiver made known by a clinically earlier event that arrived later).

    ``publish`` is the step as clinical order gives it now: the same step key, so the same event id; its
    ``data`` names the receivers, so each can check why it got the event (events/delivery.py)."""

    publish: Publish
    recipients: list[str]


@dataclass
class Taken:
    """What the workflow must carry out after an arrival, a decision or passing time."""

    state: PathwayState
    publish: list[Publish] = field(default_factory=list)
    restart: StartNewPathway | None = None
    # Accepted after the readmission in clinical order: the new run's (continue-as-new).
    rest: list[InboundEvent] = field(default_factory=list)
    # Events to dead-letter, each with its kind and reason (the rule, never a value of the event).
    dead: list[Refused] = field(default_factory=list)
    # Steps published before to be delivered to receivers clinical order gives them (`Deliver`).
    deliver: list[Deliver] = field(default_factory=list)


def replay_clock(ordered: list[Entry], state: PathwayState) -> list[datetime]:
    """When each entry is taken in a derivation: its arrival, but (patch `deliveries-in-clinical-order`) no
    later than any clinically later entry's. In clinical order it would have come before them; taken at its
    own late arrival, the deadlines they had met (a first contact) passed before it in the replay and
    escalated falsely once it arrived more than the grace after them."""
    arrivals = [entry.arrived for entry in ordered]
    if state.clinical_deliveries:
        for index in range(len(arrivals) - 2, -1, -1):
            arrivals[index] = min(arrivals[index], arrivals[index + 1])
    return arrivals
