"""The patient pathway workflow: a thin shell that waits and acts; the rules live in ``rules.py``.

One run per patient and episode (workflow ID ``workflow_id_for(patient_key)``). Events arrive by
signal, decisions by update; the rules return commands that this shell carries out (publish
activities, continue-as-new) and the search attributes, memo and current details follow the state.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from discharge.activities.pathway import PathwayActivities
    from discharge.events.inbound import InboundEvent
    from discharge.events.outbound import OutboundEvent
    from discharge.workflows.api import (
        QUERY_STATE,
        SA_EPISODE,
        SA_ESCALATED,
        SA_HOME_TYPE,
        SA_PATIENT_KEY,
        SA_PENDING_TASK,
        SA_PHASE,
        SA_RISK,
        SA_SUPPORT_ENDS_AT,
        SA_TASK_DUE_AT,
        SA_VARDCENTRAL,
        SIGNAL_INBOUND_EVENT,
        UPDATE_DECIDE,
        WORKFLOW_TYPE,
        Decision,
        DecisionResult,
        LogEntry,
        PathwayEvent,
        PathwayStart,
        PathwayView,
    )
    from discharge.workflows.policy import Policy
    from discharge.workflows.rules import (
        Outcome,
        PathwayState,
        Publish,
        StartNewPathway,
        apply_decision,
        apply_event,
        apply_time,
        next_deadline,
        validate_decision,
    )

OUTBOUND_ID_NAMESPACE = uuid.UUID("6f1c2a52-5d3e-4d7e-9a51-2f0d7c1e8b10")
LISTING_TYPES = ("hospital.patient_admitted", "hospital.risk_assessed", "hospital.patient_discharged")


@workflow.defn(name=WORKFLOW_TYPE)
class PatientPathway:
    def __init__(self) -> None:
        self._state: PathwayState | None = None
        self._policy = Policy()
        self._queue: list[InboundEvent] = []
        self._seen: list[str] = []
        self._lock = asyncio.Lock()
        self._restart: StartNewPathway | None = None
        self._upserted: dict[str, Any] = {}

    @property
    def state(self) -> PathwayState:
        assert self._state is not None
        return self._state

    @workflow.run
    async def run(self, start: PathwayStart) -> PathwayView:
        if self._state is None:
            self._state = PathwayState(patient_key=start.patient_key)
        self._seen = list(dict.fromkeys([*start.seen_event_keys, *self._seen]))
        if start.opening_event is not None:
            self._queue.insert(0, start.opening_event.event)
        # Policy: read from Settings once per run by a local activity, so replays see the same values.
        self._policy = await workflow.execute_local_activity_method(
            PathwayActivities.load_policy,
            start_to_close_timeout=timedelta(seconds=10),
            summary="load the pathway policy",
        )
        self._sync_visibility()
        while self.state.phase != "closed" and self._restart is None:
            if not self._queue:
                await self._wait_for_event_or_deadline()
            async with self._lock:
                while self._queue and self._restart is None:
                    await self._handle_event(self._queue.pop(0))
                if self.state.outcome is None:
                    await self._execute(apply_time(self.state, workflow.now(), self._policy))
            self._sync_visibility()
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._restart is not None:
            workflow.continue_as_new(
                PathwayStart(
                    patient_key=self.state.patient_key,
                    seen_event_keys=self._seen,
                    opening_event=PathwayEvent(
                        patient_key=self.state.patient_key, event=self._restart.opening_event
                    ),
                )
            )
        return self.state.view()

    async def _wait_for_event_or_deadline(self) -> None:
        deadline = next_deadline(self.state)
        timeout = None if deadline is None else max(deadline - workflow.now(), timedelta(0))
        if timeout == timedelta(0):
            return
        name = min(self.state.timers, key=self.state.timers.__getitem__) if deadline else "none"
        try:
            await workflow.wait_condition(
                lambda: bool(self._queue), timeout=timeout, timeout_summary=f"pathway deadline: {name}"
            )
        except TimeoutError:
            pass

    async def _handle_event(self, event: InboundEvent) -> None:
        if (
            self.state.listed_vardcentral is None
            and event.type in LISTING_TYPES
            and getattr(event.data, "listed_vardcentral", None) is None
        ):
            self.state.listed_vardcentral = await workflow.execute_activity_method(
                PathwayActivities.lookup_listing,
                event.data.patient.id,
                start_to_close_timeout=timedelta(seconds=30),
                summary="look up the listed vardcentral",
            )
        await self._execute(apply_event(self.state, event, workflow.now(), self._policy))
        s = self.state
        workflow.logger.info(
            "pathway event applied",
            extra={"event_type": event.type, "phase": s.phase, "patient_key": s.patient_key},
        )

    async def _execute(self, outcome: Outcome) -> None:
        for command in outcome.commands:
            if isinstance(command, Publish):
                event_id = uuid.uuid5(OUTBOUND_ID_NAMESPACE, f"{workflow.info().workflow_id}:{command.step}")
                await workflow.execute_activity_method(
                    PathwayActivities.publish_outbound,
                    OutboundEvent(
                        id=str(event_id), type=command.type, time=workflow.now(), data=command.data
                    ),
                    start_to_close_timeout=timedelta(seconds=30),
                    summary=f"publish {command.type}",
                )
            else:
                self._restart = command

    def _sync_visibility(self) -> None:
        """Upsert the search attributes that changed, the memo and the current details (no identity)."""
        s = self.state
        wanted: list[tuple[Any, Any]] = [
            (SA_PHASE, s.phase),
            (SA_RISK, s.risk_level),
            (SA_PATIENT_KEY, s.patient_key),
            (SA_EPISODE, s.episode_id),
            (SA_VARDCENTRAL, s.listed_vardcentral),
            (SA_HOME_TYPE, s.home_type),
            (SA_SUPPORT_ENDS_AT, s.support_ends_at),
            (SA_PENDING_TASK, s.pending_task),
            (SA_TASK_DUE_AT, s.task_due_at),
            (SA_ESCALATED, bool(s.escalations)),
        ]
        updates: list[SearchAttributeUpdate[Any]] = []
        for key, value in wanted:
            if self._upserted.get(key.name, "unset") == value:
                continue
            self._upserted[key.name] = value
            updates.append(key.value_unset() if value is None else key.value_set(value))
        if not updates:
            return
        workflow.upsert_search_attributes(updates)
        workflow.upsert_memo({"phase": s.phase, "episode_id": s.episode_id, "escalations": s.escalations})
        due = f", {s.pending_task} due {s.task_due_at.isoformat()}" if s.task_due_at else ""
        ends = f", support ends {s.support_ends_at.isoformat()}" if s.support_ends_at else ""
        workflow.set_current_details(f"phase {s.phase}, risk {s.risk_level}{ends}{due}")

    @workflow.signal(name=SIGNAL_INBOUND_EVENT)
    def inbound_event(self, pathway_event: PathwayEvent) -> None:
        if self._state is None:
            self._state = PathwayState(patient_key=pathway_event.patient_key)
        event = pathway_event.event
        key = f"{event.source} {event.id}"
        if key in self._seen:
            self.state.log.append(
                LogEntry(
                    at=workflow.now(),
                    kind="ignored",
                    summary="duplicate event (same source and id): no second effect",
                    actor=event.source,
                    event_type=event.type,
                )
            )
            return
        self._seen.append(key)
        self._queue.append(event)

    @workflow.query(name=QUERY_STATE)
    def query_state(self) -> PathwayView:
        return self.state.view()

    @workflow.update(name=UPDATE_DECIDE)
    async def decide(self, decision: Decision) -> DecisionResult:
        async with self._lock:
            try:
                validate_decision(self.state, decision)
            except ValueError as error:  # the state changed between validation and now
                raise ApplicationError(str(error), type="InvalidDecision", non_retryable=True) from None
            await self._execute(apply_decision(self.state, decision, workflow.now(), self._policy))
            self._sync_visibility()
        if decision.decision == "extend":
            return DecisionResult(
                decision="extend",
                support_ends_at=self.state.support_ends_at,
                message=f"support extended by {decision.extend_days} days",
            )
        return DecisionResult(decision="handover", message="handover to the VC started")

    @decide.validator
    def _validate_decide(self, decision: Decision) -> None:
        validate_decision(self.state, decision)
