"""The patient pathway workflow: a thin shell that waits and acts; the rules live in ``rules.py``.

One run per patient and episode (workflow ID ``workflow_id_for(patient_key)``). Events arrive by
signal, decisions by update; the rules return commands that this shell carries out (publish
activities, continue-as-new) and the search attributes, memo and current details follow the state.
Changing this file changes running 14-day pathways: guard changes with ``workflow.patched`` and
replay the saved histories (see docs/pathway.md).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.pathway import PathwayActivities
    from events.inbound import InboundEvent, dedup_key, episode_of
    from events.outbound import OutboundEvent
    from workflows.acknowledgement import acknowledge, validate_acknowledgement
    from workflows.api import (
        QUERY_IDENTITY,
        QUERY_STATE,
        SIGNAL_INBOUND_EVENT,
        UPDATE_ACKNOWLEDGE,
        UPDATE_DECIDE,
        WORKFLOW_TYPE,
        AcknowledgementRecord,
        DecisionResult,
        LogEntry,
        PathwayEvent,
        PathwayStart,
        PathwayView,
        parse_acknowledgement,
        parse_decision,
    )
    from workflows.details import current_details, memo_of, search_attributes
    from workflows.policy import Policy
    from workflows.rules import (
        PathwayState,
        Publish,
        RuleOutcome,
        StartNewPathway,
        Timer,
        apply_decision,
        apply_event,
        apply_time,
        decline_opening,
        next_deadline,
        validate_decision,
    )

#: uuid5 namespace of outbound CloudEvent ids: id = uuid5(namespace, workflow id + ":" + step key).
OUTBOUND_ID_NAMESPACE = uuid.UUID("6f1c2a52-5d3e-4d7e-9a51-2f0d7c1e8b10")
#: Events after which the listed VC is looked up when neither it nor an earlier event named one.
LISTING_TYPES = ("hospital.patient_admitted", "hospital.risk_assessed", "hospital.patient_discharged")
#: Runs started before this patch open for any first event; later ones first check the episode.
PATCH_CLOSED_EPISODE = "closed-episode-opens-nothing"
#: Runs that took an acknowledgement of an escalation (the web page's): marked for later changes.
PATCH_ACKNOWLEDGEMENTS = "escalation-acknowledgements"
# Publishing is retried until NATS takes it (the event id is fixed, so retries never duplicate).
PUBLISH_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn(name=WORKFLOW_TYPE)
class PatientPathway:
    @workflow.init
    def __init__(self, start: PathwayStart) -> None:
        self._state = PathwayState(patient_key=start.patient_key)
        self._policy: Policy | None = None
        self._seen: list[str] = list(start.seen_event_keys)
        # Signals may arrive before `run` starts; they wait here in arrival order.
        self._queue: list[PathwayEvent] = []
        if start.opening_event is not None:
            self._queue.append(start.opening_event)
        self._queue.extend(start.pending_events)
        self._lock = asyncio.Lock()  # one rule application at a time: events, deadlines, decisions
        self._wake = False  # a decision moved the deadlines: re-plan the wait
        self._restart: StartNewPathway | None = None
        self._upserted: dict[str, Any] = {}
        self._memo: dict[str, Any] = {}
        # Escalations someone has taken on (update `acknowledge_escalation`); this run's only.
        self._acknowledgements: list[AcknowledgementRecord] = []

    @workflow.run
    async def run(self, start: PathwayStart) -> PathwayView:
        # The policy is read from Settings once per run by a local activity: its result is in the
        # history, so a replay sees the same durations even if the worker's settings changed since.
        self._policy = await workflow.execute_local_activity_method(
            PathwayActivities.load_policy,
            start_to_close_timeout=timedelta(seconds=10),
            summary="load the pathway policy (durations from settings)",
        )
        self._sync_visibility()
        while self._state.phase != "closed" and self._restart is None:
            if not self._queue:
                await self._wait_for_event_or_deadline()
            async with self._lock:
                while self._queue and self._restart is None:
                    await self._handle_event(self._queue.pop(0))
                if self._restart is None:
                    await self._execute(apply_time(self._state, workflow.now(), self._policy))
            self._sync_visibility()
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._restart is not None:
            workflow.logger.info("readmission: continuing as a new pathway")
            workflow.continue_as_new(
                PathwayStart(
                    patient_key=self._state.patient_key,
                    seen_event_keys=self._seen,
                    opening_event=PathwayEvent(
                        patient_key=self._state.patient_key, event=self._restart.opening_event
                    ),
                    pending_events=self._queue,
                )
            )
        for late in self._queue:  # arrived while closing: recorded as ignored, never lost silently
            self._note(apply_event(self._state, late.event, workflow.now(), self._policy), late)
        return self._state.view()

    async def _wait_for_event_or_deadline(self) -> None:
        self._wake = False
        deadline = next_deadline(self._state)
        if deadline is None:
            await workflow.wait_condition(lambda: bool(self._queue) or self._wake)
            return
        timeout = deadline - workflow.now()
        if timeout <= timedelta(0):
            return
        timer = Timer(min(self._state.timers, key=self._state.timers.__getitem__))
        try:
            await workflow.wait_condition(
                lambda: bool(self._queue) or self._wake,
                timeout=timeout,
                timeout_summary=f"{timer.summary} ({deadline.isoformat()})",
            )
        except TimeoutError:
            pass

    async def _handle_event(self, pathway_event: PathwayEvent) -> None:
        assert self._policy is not None
        event = pathway_event.event
        if await self._episode_already_closed(event):
            self._note(decline_opening(self._state, event, workflow.now()), pathway_event)
            return
        if (
            self._state.listed_vardcentral is None
            and event.type in LISTING_TYPES
            and getattr(event.data, "listed_vardcentral", None) is None
        ):
            self._state.listed_vardcentral = await workflow.execute_activity_method(
                PathwayActivities.lookup_listing,
                event.data.patient.id,
                start_to_close_timeout=timedelta(seconds=30),
                summary="look up the listed vardcentral in the listing registry",
            )
            self._state.listed_from_registry = True
        outcome = apply_event(self._state, event, workflow.now(), self._policy)
        self._note(outcome, pathway_event)
        await self._execute(outcome)

    async def _episode_already_closed(self, event: InboundEvent) -> bool:
        """Whether this run's opening event belongs to an episode whose pathway already ran to its end."""
        episode = episode_of(event)
        if (
            self._state.opened_by is not None
            or self._state.phase == "closed"  # declined already: events queued behind it are just ignored
            or episode is None
            or workflow.info().continued_run_id is not None  # a readmission's new episode
            or not workflow.patched(PATCH_CLOSED_EPISODE)
        ):
            return False
        closed: bool = await workflow.execute_activity_method(
            PathwayActivities.episode_closed,
            args=[workflow.info().workflow_id, episode],
            start_to_close_timeout=timedelta(seconds=30),
            summary="check whether this episode's pathway has already closed",
        )
        return closed

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
                await workflow.execute_activity_method(
                    PathwayActivities.publish_outbound,
                    OutboundEvent(
                        id=str(event_id), type=command.type, time=workflow.now(), data=command.data
                    ),
                    start_to_close_timeout=timedelta(seconds=30),
                    retry_policy=PUBLISH_RETRY,
                    summary=f"publish discharge.{command.type}",
                )
            else:
                self._restart = command

    def _sync_visibility(self) -> None:
        """Upsert what changed: search attributes, memo, current details. Never the identity."""
        s = self._state
        wanted = search_attributes(s)
        updates: list[SearchAttributeUpdate[Any]] = []
        for key, value in wanted:
            if self._upserted.get(key.name, "unset") == value:
                continue
            self._upserted[key.name] = value
            updates.append(key.value_unset() if value is None else key.value_set(value))
        if updates:
            workflow.upsert_search_attributes(updates)
        memo = memo_of(s)
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
        workflow.patched(PATCH_ACKNOWLEDGEMENTS)
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
