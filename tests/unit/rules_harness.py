"""A harness for the rules' unit tests: feeds events and time into the rules, keeps what they publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from events.inbound.envelopes import InboundEvent
from tests.workflow.pathway_helpers import (
    UNIT,
    admitted,
    confirmed,
    discharged,
    hours,
    risk,
)
from workflows.api import Decision
from workflows.policy import Policy
from workflows.rules.deadlines import apply_time, next_deadline
from workflows.rules.decisions import apply_decision, validate_decision
from workflows.rules.dispatch import apply_event
from workflows.rules.state import PathwayState
from workflows.rules.step import Publish, RuleOutcome, StartNewPathway

POLICY = Policy()


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def seconds(n: int) -> timedelta:
    return timedelta(seconds=n)


T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
# Receivers who must act on the patient: LMV and the VC planning, LMV visiting, the VC taking over.
IDENTITY_TYPES = {"joint_planning_requested", "support_started", "handover_requested", "home_visit_requested"}


class Pathway:
    """Feeds events and time into the rules and keeps every published outbound event."""

    def __init__(self) -> None:
        self.state = PathwayState(patient_key="pk_test")
        self.published: list[Publish] = []
        self.restarts: list[StartNewPathway] = []

    def _keep(self, outcome: RuleOutcome) -> RuleOutcome:
        for command in outcome.commands:
            (self.published if isinstance(command, Publish) else self.restarts).append(command)  # type: ignore[arg-type]
        return outcome

    def on(self, *events: InboundEvent, now: datetime | None = None) -> Pathway:
        for evt in events:
            self._keep(apply_event(self.state, evt, now or evt.time, POLICY))
        return self

    def at(self, now: datetime) -> Pathway:
        """Let time pass to ``now``, firing every deadline on the way in order."""
        while (due := next_deadline(self.state)) is not None and due <= now:
            self._keep(apply_time(self.state, due, POLICY))
        return self

    def decide(self, decision: Decision, now: datetime) -> Pathway:
        validate_decision(self.state, decision)
        self._keep(apply_decision(self.state, decision, now, POLICY))
        return self

    def phase(self) -> str:  # a plain str: mypy would keep an earlier assert's narrowing of the Literal
        return self.state.phase

    def types(self) -> list[str]:
        return [p.type for p in self.published]

    def reasons(self) -> list[str]:
        return [str(p.data["reason"]) for p in self.published if p.type == "escalation_raised"]

    def data(self, type_: str) -> dict[str, Any]:
        return next(p.data for p in self.published if p.type == type_)


def high_risk_discharged(at: datetime | None = None) -> Pathway:
    return Pathway().on(
        admitted(T0, listed_vardcentral=UNIT),
        risk(T0 + hours(1)),
        confirmed(T0 + hours(2), "lmv"),
        confirmed(T0 + hours(2), "vardcentral"),
        discharged(at or T0 + hours(4)),
    )
