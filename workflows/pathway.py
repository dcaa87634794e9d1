"""The patient pathway workflow: a thin shell that waits and acts; the rules live in ``rules.py``.

One run per patient and episode (workflow ID ``workflow_id_for(patient_key)``). Events arrive by
signal, decisions by update; the rules return commands that this shell carries out (publish
activities, continue-as-new) and the search attributes, memo and current details follow the state.
Changing this file changes running 14-day pathways: guard changes with ``workflow.patched`` and
replay the saved histories (see docs/pathway.md).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow

from workflows import effects, patches
from workflows.shell import PathwayShell

with workflow.unsafe.imports_passed_through():
    from activities.pathway import PathwayActivities
    from events.inbound.envelopes import InboundEvent
    from events.inbound.parsing import episode_of
    from workflows.api import AcknowledgementRecord, PathwayEvent, PathwayStart, PathwayView
    from workflows.names import WORKFLOW_TYPE
    from workflows.policy import Policy
    from workflows.rules.deadlines import apply_time, deadline_summary, next_deadline
    from workflows.rules.dispatch import apply_event, decline_opening
    from workflows.rules.intake import (
        Intake,
        can_open,
        close_unopened,
        no_pathway_reason,
        retry_waiting,
        try_event,
    )
    from workflows.rules.state import PathwayState
    from workflows.rules.step import StartNewPathway

#: Events after which the listed VC is looked up when neither it nor an earlier event named one.
LISTING_TYPES = ("hospital.patient_admitted", "hospital.risk_assessed", "hospital.patient_discharged")
# The patches: workflows/patches.py; the activities' timeouts and retries: workflows/effects.py.


@workflow.defn(name=WORKFLOW_TYPE)
class PatientPathway(PathwayShell):
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
        self._intake = Intake()
        self._hold = False
        self._lean = False
        # Escalations someone has taken on (update `acknowledge_escalation`); this run's only.
        self._acknowledgements: list[AcknowledgementRecord] = []

    @workflow.run
    async def run(self, start: PathwayStart) -> PathwayView:
        self._lean = patches.begin_run()  # first: see workflows/patches.py
        self._hold = patches.patched(patches.HOLD_EARLY_EVENTS)
        # The policy is read from Settings once per run by a local activity: its result is in the
        # history, so a replay sees the same durations even if the worker's settings changed since.
        self._policy = await workflow.execute_local_activity_method(
            PathwayActivities.load_policy,
            start_to_close_timeout=timedelta(seconds=10),
            summary="load the pathway policy (durations from settings)",
        )
        # Runs started before the follow-up indicators publish no new kinds of events (saved histories).
        self._state.indicator_events = patches.patched(patches.INDICATOR_EVENTS)
        if not self._lean or not self._queue:  # else the first event's outcome is written, once
            self._sync_visibility()
        while self._state.phase != "closed" and self._restart is None:
            if not self._queue:
                await self._wait_for_event_or_deadline()
            async with self._lock:
                if self._hold:
                    await self._take_arrivals()
                while self._queue and self._restart is None and not self._hold:
                    await self._handle_event(self._queue.pop(0))
                if self._restart is None:
                    await self._execute(apply_time(self._state, workflow.now(), self._policy))
            self._sync_visibility()
        await workflow.wait_condition(workflow.all_handlers_finished)
        # Still held (a reorder window not over, or arrived while closing): to the next run, or ignored.
        self._queue.extend(self._as_pathway_events(self._intake.drain()))
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
        what = ""
        if deadline is not None:
            what = deadline_summary(self._state)
        if self._hold:
            assert self._policy is not None
            release = self._intake.wake_at(self._policy, opened=self._opened)
            if release is not None and (deadline is None or release < deadline):
                deadline, what = release, "held events: apply them, or dead-letter them (no pathway)"
        if deadline is None:
            await workflow.wait_condition(lambda: bool(self._queue) or self._wake)
            return
        timeout = deadline - workflow.now()
        if timeout <= timedelta(0):
            return
        try:
            await workflow.wait_condition(
                lambda: bool(self._queue) or self._wake,
                timeout=timeout,
                timeout_summary=f"{what} ({deadline.isoformat()})",
            )
        except TimeoutError:
            pass

    @property
    def _opened(self) -> bool:
        return self._state.opened_by is not None or self._state.phase == "closed"

    async def _take_arrivals(self) -> None:
        """Arrivals into the intake; what it releases into the rules; what expired to dead letters."""
        assert self._policy is not None
        now = workflow.now()
        for arrived in self._queue:
            self._intake.receive(arrived.event, now)
        self._queue.clear()
        was_open = self._opened
        released = self._as_pathway_events(self._intake.release(now, self._policy, opened=was_open))
        for index, pathway_event in enumerate(released):
            if self._restart is not None:  # a readmission: the rest go to the new run, in the order decided
                self._queue.extend(released[index:])
                break
            if not was_open and index > 0 and not can_open(pathway_event.event):
                # Held before the pathway opened: applied if it makes sense now, else it waits on.
                tried = try_event(self._state, pathway_event.event, now, self._policy)
                if tried is None:
                    self._intake.wait(pathway_event.event, now)
                    continue
                self._state, outcome = tried
                self._note(outcome, pathway_event)
                await self._execute(outcome)
            else:
                await self._handle_event(pathway_event)
            self._state, outcomes = retry_waiting(self._state, self._intake, now, self._policy)
            for outcome in outcomes:
                await self._execute(outcome)
        expired = self._intake.expire(now, self._policy, opened=self._opened)
        for event in expired:
            held = PathwayEvent(patient_key=self._state.patient_key, event=event)
            await effects.dead_letter(held, no_pathway_reason(self._policy))
        if expired:
            close_unopened(self._state, expired, now, self._policy)
            workflow.logger.warning(
                "no pathway opened within the hold: %d event(s) dead-lettered", len(expired)
            )

    def _as_pathway_events(self, events: list[InboundEvent]) -> list[PathwayEvent]:
        return [PathwayEvent(patient_key=self._state.patient_key, event=e) for e in events]

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
            self._state.listed_vardcentral = await effects.lookup_listing(event.data.patient.id)
            self._state.listed_from_registry = True
        if (
            event.type == "primarycare.consult_requested"
            and self._state.oncall_rota is None
            and patches.patched(patches.ONCALL_ROTA)
        ):
            self._state.oncall_rota = await effects.lookup_oncall_rota(self._state.admitting_unit)
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
            or not patches.patched(patches.CLOSED_EPISODE)
        ):
            return False
        return await effects.episode_closed(episode, event.time)
