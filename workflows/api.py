"""The pathway workflow's messages: what it is signalled, asked and answers (its names: ``workflows.names``).

Everything outside the workflow (the gateway, the CLI, tests) talks to it through these models and the
names in ``workflows.names``, never by importing the workflow class, so that no process but the worker
loads workflow code. What needs only the names (the CLI's listings) imports ``workflows.names`` alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events.fields import ExtensionDays, HsaId
from events.inbound.envelopes import InboundEvent
from events.inbound.parsing import describe_validation_error
from workflows.actor import Actor, Sender
from workflows.names import PendingTask, Phase


class PathwayEvent(BaseModel):
    """What the gateway signals: a validated inbound event and its patient's pseudonym.

    The event keeps the patient's identity because some receivers of outbound events (the VC
    taking over) must know who the patient is; it lives only in the workflow's payloads, never in
    the workflow ID, search attributes, memo or logs.
    """

    model_config = ConfigDict(frozen=True)

    patient_key: str
    event: InboundEvent
    received_at: datetime | None = None
    # Who signals it, for whom (workflows/actor.py): checked where the workflow takes the signal; None in
    # histories before it, and on events the workflow carries itself (a readmission's, continue-as-new).
    actor: Sender | None = None


class PathwayStart(BaseModel):
    """The workflow's input: empty for a new pathway, carried state after continue-as-new."""

    patient_key: str
    # Event de-duplication keys (`events.inbound.dedup_key`) seen by earlier runs of this pathway: the
    # server's own signal de-duplication does not survive continue-as-new.
    seen_event_keys: list[str] = Field(default_factory=list)
    # The readmission that opened this run, replayed into the new pathway as its first event.
    opening_event: PathwayEvent | None = None
    # Events that arrived after the readmission but before this run started, in arrival order.
    pending_events: list[PathwayEvent] = Field(default_factory=list)
    # A run continued because its history grew long: everything it knew, as JSON (workflows/carried.py).
    carried: str | None = None


class Decision(BaseModel):
    """A coordinator's decision on an open extension review: extend LMV support, or hand over to the VC.

    A handover acceptance is the VC's own answer (`primarycare.handover_accepted`), not a coordinator's.
    """

    decision: Literal["extend", "handover"]
    extend_days: ExtensionDays | None = None
    reason: str = Field(min_length=1, max_length=2000)
    decided_by: HsaId
    # Set when the decision was typed into an ops tool (`discharge decide`): the person at the terminal
    # (`--as`), so the history shows who recorded a decision on whose behalf (``decided_by`` is then typed).
    recorded_by: str | None = Field(None, max_length=200)
    # Who sends it (workflows/actor.py): checked by the update's validator; None in histories before it.
    actor: Actor | None = None


def parse_decision(raw: dict[str, Any]) -> Decision:
    """A ``Decision`` from its JSON form, or ``ValueError`` naming each failing field (no input echoed)."""
    try:
        return Decision.model_validate(raw)
    except ValidationError as error:
        raise ValueError(f"invalid decision: {describe_validation_error(error)}") from None


class DecisionResult(BaseModel):
    decision: Literal["extend", "handover"]
    support_ends_at: datetime | None = None
    message: str


class LogEntry(BaseModel):
    """One line of a pathway's story: an event received, a decision taken, a deadline passed."""

    at: datetime
    kind: str  # e.g. "event", "decision", "escalation", "timer", "outbound", "ignored"
    summary: str
    actor: str | None = None  # HSA-id or source, never a patient identity
    event_type: str | None = None
    # Clinical time: when an inbound event says it happened (its ``time``); ``at`` is when it was applied.
    occurred_at: datetime | None = None


class DeliveryRecord(BaseModel):
    """One outbound event delivered to one receiver, and its receipt (workflows/rules/receipts.py)."""

    message_id: str  # the delivered CloudEvent's id (the outbound one's)
    recipient: str  # the receiver's HSA-id
    event_type: str  # the outbound type, e.g. "handover_requested"
    delivered_at: datetime  # when the pathway published it (workflow time)
    due_at: datetime | None = None  # a receipt is awaited by then; None once answered or escalated
    status: Literal["sent", "received", "rejected", "not_delivered"] = "sent"
    received_at: datetime | None = None  # the receipt's time (`received` only)
    escalation: int | None = None  # its escalation's position in `escalations`, if one was raised
    # The receipts applied to it (their `source id` keys): a re-derivation of the state meets them again
    # and finds them applied already, instead of ignoring them (workflows/rules/receipts.py).
    receipts: list[str] = []


class Acknowledgement(BaseModel):
    """Someone has taken an escalation on: ``escalation`` is its position in ``PathwayView.escalations``."""

    escalation: int = Field(ge=0)
    note: str = Field(min_length=1, max_length=2000)
    acknowledged_by: HsaId
    name: str | None = Field(None, max_length=200)  # the person's display name, from their sign-in
    # Who sends it (workflows/actor.py): checked by the update's validator; None in histories before it.
    actor: Actor | None = None


def parse_acknowledgement(raw: dict[str, Any]) -> Acknowledgement:
    """An ``Acknowledgement`` from its JSON form, or ``ValueError`` naming each failing field."""
    try:
        return Acknowledgement.model_validate(raw)
    except ValidationError as error:
        raise ValueError(f"invalid acknowledgement: {describe_validation_error(error)}") from None


class AcknowledgementRecord(Acknowledgement):
    reason: str
    acknowledged_at: datetime


class ExtensionRecord(BaseModel):
    days: int
    reason: str
    decided_by: str
    decided_at: datetime
    new_support_ends_at: datetime
    recorded_by: str | None = None  # an ops tool's Temporal client identity (see Decision.recorded_by)


class PathwayFields(BaseModel):
    """What a coordinator or ops person reads of a pathway: kept by the rules' state, shown by the view."""

    patient_key: str
    episode_id: str | None = None
    phase: Phase = "inpatient"
    risk_level: Literal["high", "standard"] | None = None
    listed_vardcentral: str | None = None
    home_type: str | None = None
    lmv_enrolled: bool = False
    admitted_at: datetime | None = None
    discharged_at: datetime | None = None
    support_ends_at: datetime | None = None
    pending_task: PendingTask | None = None
    task_due_at: datetime | None = None
    # The parties (`lmv`, `vardcentral`) that have confirmed joint planning: what is missing from whom.
    planning_confirmed: list[str] = []
    escalations: list[str] = []
    # Escalations a later event made moot (a `received` receipt after `not_delivered`), by position.
    resolved_escalations: list[int] = []
    # Escalations routed away from the responsible unit, by position: the on-call unit (HSA-id) that has it.
    routed_escalations: dict[int, str] = {}
    deliveries: list[DeliveryRecord] = []
    extensions: list[ExtensionRecord] = []
    first_lmv_contact_at: datetime | None = None
    outcome: str | None = None
    log: list[LogEntry] = []


class PathwayView(PathwayFields):
    """What the `state` query returns: the pathway as a coordinator or ops person reads it."""

    escalated: bool
    # Who took on which escalation (update `acknowledge_escalation`): the workflow keeps these.
    acknowledgements: list[AcknowledgementRecord] = Field(default_factory=list)
    # The version of the region's policy the run started with and keeps (docs/policy.md).
    policy_version: str | None = None
