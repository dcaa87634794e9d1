"""The commands the rules give the workflow, and ``Step``, which collects them while a rule runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from events.inbound.envelopes import InboundEvent
from events.outbound.catalogue import OUTBOUND_MODELS, outbound_data
from events.outbound.data import OutboundData
from events.outbound.names import EscalationReason, OutboundType
from workflows.api import LogEntry
from workflows.names import PendingTask
from workflows.rules.state import PathwayState


@dataclass(frozen=True)
class Publish:
    """Publish one outbound event. ``step`` makes its id deterministic (see the workflow)."""

    type: OutboundType
    step: str
    data: OutboundData  # the type's model (events/outbound/catalogue.py)


@dataclass(frozen=True)
class StartNewPathway:
    """Close this run and continue as a new pathway opened by ``opening_event`` (a readmission)."""

    opening_event: InboundEvent


@dataclass
class RuleOutcome:
    """What applying an event, a decision or passing time asks the workflow to do."""

    commands: list[Publish | StartNewPathway] = field(default_factory=list)
    # Why an event was not acted on (recorded in the log as "ignored"), for the worker's own log.
    ignored: str | None = None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Step:
    """Collects the commands of one rule application; helpers keep the rules short."""

    def __init__(self, state: PathwayState, now: datetime, cause: str = "") -> None:
        self.s = state
        self.now = now
        self.out = RuleOutcome()
        # What this step answers (an event's key, a deadline, a decision): with `state.ordered`, the
        # outbound step keys are made of it, so the same cause gives the same ids in any arrival order.
        self.cause = cause
        self._keys: set[str] = set()

    def log(
        self,
        kind: str,
        summary: str,
        actor: str | None = None,
        event_type: str | None = None,
        occurred_at: datetime | None = None,
    ) -> None:
        entry = LogEntry(
            at=self.now,
            kind=kind,
            summary=summary,
            actor=actor,
            event_type=event_type,
            occurred_at=occurred_at,
        )
        self.s.log.append(entry)

    def ignore(self, event: InboundEvent, why: str) -> None:
        """Record an event that is not acted on: in the log as "ignored", and for the worker's own log."""
        self.out.ignored = f"{event.type} {why}"
        self.log("ignored", self.out.ignored, event.source, event.type)

    def publish(
        self, type_: OutboundType, *, identity: bool = False, cause: str | None = None, **fields: Any
    ) -> None:
        """Publish the type's model (events/outbound/) with ``fields`` (times as datetimes), the patient's
        identity when ``identity``, and the receivers' HSA-ids the state knows; ``cause`` names the step
        (the event, the deadline, the decision) that makes its id."""
        self.s.outbound_seq += 1
        if identity:
            self._note_told(fields.get("to"))
        data: dict[str, Any] = {"patient_key": self.s.patient_key, "episode_id": self.s.episode_id}
        if identity and self.s.patient_id is not None:
            data["patient"] = {"id": self.s.patient_id}
        data.update(fields)
        data.update(self._receiver_units(type_, data))
        typed = outbound_data(type_, data)
        self.out.commands.append(Publish(type_, self._step_key(type_, cause), typed))
        self.log("outbound", f"published {type_}", event_type=type_)

    def _receiver_units(self, type_: OutboundType, data: dict[str, Any]) -> dict[str, str]:
        """The receivers' HSA-ids the type's model has a field for and the state knows (added fields)."""
        known = {"listed_vardcentral": self.s.listed_vardcentral, "lmv_unit": self.s.lmv_unit}
        fields = OUTBOUND_MODELS[type_].model_fields
        return {name: unit for name, unit in known.items() if unit and name in fields and name not in data}

    def _step_key(self, type_: str, cause: str | None) -> str:
        if not self.s.ordered:
            return f"{self.s.opened_by}:{self.s.outbound_seq}:{type_}"
        base = f"{self.s.run_key}:{self.cause if cause is None else cause}:{type_}"
        key, n = base, 1
        while key in self._keys:  # the same cause publishing one type twice (an escalation to two parties)
            n += 1
            key = f"{base}:{n}"
        self._keys.add(key)
        return key

    def _note_told(self, to: Any) -> None:
        """Remember LMV or the VC being given the identity: a cancellation must reach each of them."""
        vc = ("vardcentral", self.s.listed_vardcentral)
        for receiver in to if isinstance(to, list) else [to]:
            party = "lmv" if receiver == "lmv" else "vardcentral" if receiver and receiver in vc else None
            if party is None:
                continue
            for told in [self.s.told, self.s.told_of_discharge] if self.s.discharged_at else [self.s.told]:
                if party not in told:
                    told.append(party)

    def escalate(self, reason: EscalationReason, to: str, **fields: Any) -> None:
        self.s.escalations.append(reason)
        # Its index: a held escalation is published after later ones, so the stream's order is not it.
        index = len(self.s.escalations) - 1
        self.publish("escalation_raised", reason=reason, to=to, escalation_index=index, **fields)

    def open_task(self, task: PendingTask, due: datetime) -> None:
        self.s.pending_task = task
        self.s.task_due_at = due

    def close_task(self) -> None:
        self.s.pending_task = None
        self.s.task_due_at = None
