"""The outside's ways into a pathway: the inbound-event signal, the queries and the updates.

Part of `PatientPathway` (workflows/pathway.py; the attributes are declared in workflows/shell.py). Their
names are workflows/names.py's, registered with the workflow class as they always were.
"""

from __future__ import annotations

from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

from workflows import patches

with workflow.unsafe.imports_passed_through():
    from events.inbound.envelopes import dedup_key
    from workflows.acknowledgement import acknowledge, validate_acknowledgement
    from workflows.actor import check_actor, check_decision_actor, signal_refusal
    from workflows.api import (
        AcknowledgementRecord,
        DecisionResult,
        PathwayEvent,
        PathwayView,
        parse_acknowledgement,
        parse_decision,
    )
    from workflows.names import (
        QUERY_CHECK_EVENT,
        QUERY_IDENTITY,
        QUERY_STATE,
        SIGNAL_INBOUND_EVENT,
        UPDATE_ACKNOWLEDGE,
        UPDATE_DECIDE,
    )
    from workflows.rules.decisions import apply_decision, validate_decision
    from workflows.rules.dryrun import refusal_of
    from workflows.rules.records import record_acknowledgement, record_duplicate
    from workflows.rules.refusals import NOT_PERMITTED, Refused
    from workflows.shell import PathwayShell


class PathwayHandlers(PathwayShell):
    """The signal `inbound_event`, the queries `state`, `identity`, `check_event`, the updates `decide` and
    `acknowledge_escalation` (validators included)."""

    @workflow.signal(name=SIGNAL_INBOUND_EVENT)
    def inbound_event(self, pathway_event: PathwayEvent) -> None:
        event = pathway_event.event
        key = dedup_key(event.source, event.id)
        if key in self._seen:
            record_duplicate(self._state, event, workflow.now())
            workflow.logger.info("duplicate event %s from %s ignored", event.id, event.source)
            return
        # Refused before it counts as seen: a forged copy must not make the real event a "duplicate".
        why = signal_refusal(event.type, event.source, pathway_event.actor)
        if why is not None and patches.since(patches.SIGNAL_ACTORS):
            self._not_permitted.append(Refused(event, NOT_PERMITTED, why))
            return
        self._seen.append(key)
        self._queue.append(pathway_event)

    @workflow.query(name=QUERY_STATE)
    def query_state(self) -> PathwayView:
        policy_version = self._policy.version if self._policy is not None else None
        return self._state.view().model_copy(
            update={"acknowledgements": list(self._acknowledgements), "policy_version": policy_version}
        )

    @workflow.query(name=QUERY_IDENTITY)
    def query_identity(self) -> str | None:
        """The patient's identity, for those allowed to see it (the web page asks, and audits the view)."""
        return self._state.patient_id

    @workflow.query(name=QUERY_CHECK_EVENT)
    def query_check_event(self, pathway_event: PathwayEvent) -> str | None:
        """Why the rules would not act on this event now, or None (rules/dryrun.py; changes nothing)."""
        return refusal_of(self._state, pathway_event.event, workflow.now(), self._policy)

    @workflow.update(name=UPDATE_ACKNOWLEDGE)
    def acknowledge_escalation(self, raw: dict[str, Any]) -> AcknowledgementRecord:
        patches.patched(patches.ACKNOWLEDGEMENTS)
        try:
            record = acknowledge(
                self._state.escalations, self._acknowledgements, parse_acknowledgement(raw), workflow.now()
            )
        except ValueError as error:
            raise ApplicationError(str(error), type="InvalidAcknowledgement", non_retryable=True) from None
        record_acknowledgement(self._state, record, workflow.now())
        workflow.logger.info("escalation %s acknowledged by %s", record.reason, record.acknowledged_by)
        return record

    @acknowledge_escalation.validator
    def _validate_acknowledge(self, raw: dict[str, Any]) -> None:
        acknowledgement = parse_acknowledgement(raw)
        check_actor(UPDATE_ACKNOWLEDGE, acknowledgement.actor, acknowledgement.acknowledged_by)
        validate_acknowledgement(self._state.escalations, self._acknowledgements, acknowledgement)

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
            if self._ordered:  # kept in the ledger: a re-derivation takes it again in its place
                await self._carry_out(
                    self._ledger.decide(self._state, decision, workflow.now(), self._policy)
                )
            else:
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
        decision = parse_decision(raw)
        check_decision_actor(decision.actor, decision.decided_by, decision.recorded_by)
        validate_decision(self._state, decision)
