"""The pathway workflow's outside: how it carries out the rules' commands, what it shows, what it takes.

`PatientPathway` (workflows/pathway.py) runs the loop; this base class holds what every part of the loop
shares: carrying out a `RuleOutcome` (publishing, continue-as-new), keeping search attributes, memo and
current details in step with the state, and the signal, queries and updates through which events,
coordinators and the web page reach a pathway. Temporal collects handlers from base classes too.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

from workflows import effects, patches

with workflow.unsafe.imports_passed_through():
    from events.inbound.envelopes import dedup_key
    from events.outbound import OutboundEvent
    from workflows.acknowledgement import acknowledge, validate_acknowledgement
    from workflows.api import (
        AcknowledgementRecord,
        DecisionResult,
        LogEntry,
        PathwayEvent,
        PathwayView,
        parse_acknowledgement,
        parse_decision,
    )
    from workflows.details import current_details, memo_of, search_attributes
    from workflows.names import (
        QUERY_IDENTITY,
        QUERY_STATE,
        SIGNAL_INBOUND_EVENT,
        UPDATE_ACKNOWLEDGE,
        UPDATE_DECIDE,
    )
    from workflows.policy import Policy
    from workflows.rules.decisions import apply_decision, validate_decision
    from workflows.rules.state import PathwayState
    from workflows.rules.step import Publish, RuleOutcome, StartNewPathway

#: uuid5 namespace of outbound CloudEvent ids: id = uuid5(namespace, workflow id + ":" + step key).
OUTBOUND_ID_NAMESPACE = uuid.UUID("6f1c2a52-5d3e-4d7e-9a51-2f0d7c1e8b10")


class PathwayShell:
    """State and handlers shared by the run loop; `PatientPathway.__init__` sets every attribute."""

    _state: PathwayState
    _policy: Policy | None
    _seen: list[str]
    _queue: list[PathwayEvent]
    _lock: asyncio.Lock
    _wake: bool
    _restart: StartNewPathway | None
    _upserted: dict[str, Any]
    _memo: dict[str, Any]
    _lean: bool
    _acknowledgements: list[AcknowledgementRecord]

    def _note(self, outcome: RuleOutcome, pathway_event: PathwayEvent) -> None:
        event = pathway_event.event
        if outcome.ignored:
            workflow.logger.warning(
                "event ignored: %s (event %s from %s)", outcome.ignored, event.id, event.source
            )
        else:
            workflow.logger.info(
                "event %s applied, phase now %s (event %s from %s)",
                event.type,
                self._state.phase,
                event.id,
                event.source,
            )

    async def _execute(self, outcome: RuleOutcome) -> None:
        for command in outcome.commands:
            if isinstance(command, Publish):
                event_id = uuid.uuid5(OUTBOUND_ID_NAMESPACE, f"{workflow.info().workflow_id}:{command.step}")
                outbound = OutboundEvent(
                    id=str(event_id), type=command.type, time=workflow.now(), data=command.data
                )
                await effects.publish(outbound)
            else:
                self._restart = command

    def _sync_visibility(self) -> None:
        """Upsert what changed: search attributes, memo, current details. Never the identity."""
        s = self._state
        wanted = search_attributes(s)
        updates: list[SearchAttributeUpdate[Any]] = []
        never_set = None if patches.patched(patches.ONE_ROUND_TRIP) else "unset"
        for key, value in wanted:
            if self._upserted.get(key.name, never_set) == value:
                continue
            self._upserted[key.name] = value
            updates.append(key.value_unset() if value is None else key.value_set(value))
        if updates:
            workflow.upsert_search_attributes(updates)
        memo = memo_of(s, with_phase=not self._lean)
        if memo != self._memo:
            self._memo = memo
            workflow.upsert_memo(memo)
        workflow.set_current_details(current_details(s))

    @workflow.signal(name=SIGNAL_INBOUND_EVENT)
    def inbound_event(self, pathway_event: PathwayEvent) -> None:
        event = pathway_event.event
        key = dedup_key(event.source, event.id)
        if key in self._seen:
            self._state.log.append(
                LogEntry(
                    at=workflow.now(),
                    kind="ignored",
                    summary="duplicate event (same source and id): no second effect",
                    actor=event.source,
                    event_type=event.type,
                )
            )
            workflow.logger.info("duplicate event %s from %s ignored", event.id, event.source)
            return
        self._seen.append(key)
        self._queue.append(pathway_event)

    @workflow.query(name=QUERY_STATE)
    def query_state(self) -> PathwayView:
        return self._state.view().model_copy(update={"acknowledgements": list(self._acknowledgements)})

    @workflow.query(name=QUERY_IDENTITY)
    def query_identity(self) -> str | None:
        """The patient's identity, for those allowed to see it (the web page asks, and audits the view)."""
        return self._state.patient_id

    @workflow.update(name=UPDATE_ACKNOWLEDGE)
    def acknowledge_escalation(self, raw: dict[str, Any]) -> AcknowledgementRecord:
        patches.patched(patches.ACKNOWLEDGEMENTS)
        try:
            record = acknowledge(
                self._state.escalations, self._acknowledgements, parse_acknowledgement(raw), workflow.now()
            )
        except ValueError as error:
            raise ApplicationError(str(error), type="InvalidAcknowledgement", non_retryable=True) from None
        self._state.log.append(
            LogEntry(
                at=workflow.now(),
                kind="acknowledged",
                summary=f"escalation {record.reason} acknowledged",
                actor=record.acknowledged_by,
            )
        )
        workflow.logger.info("escalation %s acknowledged by %s", record.reason, record.acknowledged_by)
        return record

    @acknowledge_escalation.validator
    def _validate_acknowledge(self, raw: dict[str, Any]) -> None:
        validate_acknowledgement(self._state.escalations, self._acknowledgements, parse_acknowledgement(raw))

    @workflow.update(name=UPDATE_DECIDE)
    async def decide(self, raw: dict[str, Any]) -> DecisionResult:
        # The argument is a `Decision`; it is decoded here, not by the SDK, so that a malformed one is
        # rejected with the failing field named instead of the SDK's "Failed decoding arguments".
        decision = parse_decision(raw)
        await workflow.wait_condition(lambda: self._policy is not None)
        assert self._policy is not None
        async with self._lock:
            try:  # the state may have moved on between validation and now
                validate_decision(self._state, decision)
            except ValueError as error:
                raise ApplicationError(str(error), type="InvalidDecision", non_retryable=True) from None
            await self._execute(apply_decision(self._state, decision, workflow.now(), self._policy))
            self._wake = True
            self._sync_visibility()
        workflow.logger.info("coordinator decision %s by %s", decision.decision, decision.decided_by)
        if decision.decision == "extend":
            return DecisionResult(
                decision="extend",
                support_ends_at=self._state.support_ends_at,
                message=f"LMV support extended by {decision.extend_days} days",
            )
        return DecisionResult(decision="handover", message="handover to the listed VC started")

    @decide.validator
    def _validate_decide(self, raw: dict[str, Any]) -> None:
        validate_decision(self._state, parse_decision(raw))
