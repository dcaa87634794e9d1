"""The patient pathway workflow: the thin shell that waits and acts; the rules live in workflows/rules/.

One run per patient and episode (workflow ID ``workflow_id_for(patient_key)``). Events arrive by
signal, decisions by update; the rules return commands that this shell carries out (publish
activities, dead letters, continue-as-new) and the search attributes, memo and current details follow
the state. Changing this file changes running 14-day pathways: guard changes with a patch
(workflows/patches.py) and replay the saved histories (see docs/pathway.md).

One workflow class in parts, each with one job: here the run loop, waiting and continuing as new;
workflows/taking_in.py takes in arrivals; workflows/handlers.py is the signal, the queries and the updates;
workflows/shell.py declares the attributes they share and carries out what the rules decide. What is not the
workflow's own lives apart: the rules (workflows/rules/, including the ledger that keeps clinical order), the
activities' calls (effects.py), what it shows (details.py).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow

from workflows import patches
from workflows.deadline_timer import DeadlineTimer

with workflow.unsafe.imports_passed_through():
    from activities.pathway import PathwayActivities
    from events.inbound.envelopes import dedup_key
    from workflows.api import PathwayEvent, PathwayStart, PathwayView
    from workflows.carried import Carried, history_too_long
    from workflows.handlers import PathwayHandlers
    from workflows.names import WORKFLOW_TYPE
    from workflows.policy_pool import shared_policy
    from workflows.rules import folding
    from workflows.rules.deadlines import deadline_summary, next_deadline
    from workflows.rules.dispatch import apply_event
    from workflows.rules.intake import Intake
    from workflows.rules.ledger import Ledger
    from workflows.rules.refusals import Refused
    from workflows.rules.state import PathwayState
    from workflows.taking_in import TakingIn

# The patches: workflows/patches.py; the activities' timeouts and retries: workflows/effects.py.


@workflow.defn(name=WORKFLOW_TYPE)
class PatientPathway(TakingIn, PathwayHandlers):
    @workflow.init
    def __init__(self, start: PathwayStart) -> None:
        self._state = PathwayState(patient_key=start.patient_key)
        self._policy = None
        self._seen = list(start.seen_event_keys)
        # Signals may arrive before `run` starts; they wait here in arrival order.
        self._queue = []
        if start.opening_event is not None:
            self._queue.append(start.opening_event)
        self._queue.extend(start.pending_events)
        self._lock = asyncio.Lock()  # one rule application at a time: events, deadlines, decisions
        self._wake = False  # a decision moved the deadlines: re-plan the wait
        self._restart = None
        self._upserted = {}
        self._memo = {}
        self._intake = Intake()  # runs before `any-arrival-order`
        self._ledger = Ledger()  # runs from `any-arrival-order` on
        self._ordered = False
        self._hold = False
        self._lean = False
        self._timer = DeadlineTimer()  # from `kept-deadline-timer` on (workflows/deadline_timer.py)
        self._keep_timer = False
        # Escalations someone has taken on (update `acknowledge_escalation`); this run's only.
        self._acknowledgements = []
        # Signals whose sender may not send them (workflows/actor.py): dead-lettered, never applied.
        self._not_permitted = []
        self._continuing = False  # the history grew long: continue as new (workflows/carried.py)
        self._fresh_run = start.carried is None and start.opening_event is None
        if start.carried is not None:
            carried = Carried.model_validate_json(start.carried)
            self._state, self._policy = carried.state, shared_policy(carried.policy)
            self._ledger = carried.restored_ledger()
            self._acknowledgements = carried.acknowledgements

    @workflow.run
    async def run(self, start: PathwayStart) -> PathwayView:
        self._lean = patches.begin_run()  # first: see workflows/patches.py
        self._ordered = patches.since(patches.ANY_ARRIVAL_ORDER)
        self._hold = patches.patched(patches.HOLD_EARLY_EVENTS)
        self._keep_timer = patches.since(patches.KEPT_DEADLINE_TIMER)
        # The policy is read from Settings once per run by a local activity: its result is in the
        # history, so a replay sees the same durations even if the worker's settings changed since.
        if start.carried is None:  # a continued run keeps the policy its pathway started with
            loaded = await workflow.execute_local_activity_method(
                PathwayActivities.load_policy,
                start_to_close_timeout=timedelta(seconds=10),
                summary="load the pathway policy (durations from settings)",
            )
            self._policy = shared_policy(loaded)  # one object per distinct policy in the worker
        assert self._policy is not None
        # Runs started before the follow-up indicators publish no new kinds of events (saved histories).
        self._state.indicator_events = patches.patched(patches.INDICATOR_EVENTS)
        # Runs from the one-marker umbrella on tell who confirmed joint planning (no marker of its own).
        self._state.planning_events = patches.since(patches.ONE_PATCH_MARKER)
        if self._ordered:
            self._state.ordered = True
            if start.opening_event is not None:  # a readmission's run: its own step keys
                opening = start.opening_event.event
                self._state.run_key = dedup_key(opening.source, opening.id)
        if not self._lean or not self._queue:  # else the first event's outcome is written, once
            self._sync_visibility()
        while self._state.phase != "closed" and self._restart is None and not self._continuing:
            if not self._queue:
                await self._wait_for_event_or_deadline()
            async with self._lock:
                await self._refuse_not_permitted()
                if self._ordered:
                    await self._take_in_clinical_order()
                else:
                    await self._take_in_arrival_order()
            self._sync_visibility()
            self._continuing = self._history_too_long()
        await workflow.wait_condition(workflow.all_handlers_finished)
        # Refused signals are dead-lettered by this run: a continued run would not know of them.
        await self._refuse_not_permitted()
        if self._continuing and self._state.phase != "closed":
            self._continue_as_new()
        if self._ordered:
            for refused in self._ledger.leftovers():
                await self._refuse(refused)
        else:  # still held (a reorder window not over, or arrived while closing): next run, or ignored
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
        for late in self._queue:  # arrived while closing: recorded, never lost silently
            if self._ordered:
                closed = "the pathway had closed when it arrived"
                await self._refuse(Refused(late.event, "not_applicable", closed))
            else:
                self._note(apply_event(self._state, late.event, workflow.now(), self._policy), late)
        return self._state.view()

    def _history_too_long(self) -> bool:
        """Long enough to continue as new (an opened run in clinical order; the patch asked only then)."""
        info = workflow.info()
        return (
            self._ordered
            and self._state.opened_by is not None
            and self._policy is not None
            and history_too_long(
                info.get_current_history_length(), info.is_continue_as_new_suggested(), self._policy
            )
            and workflow.patched(patches.BOUNDED_HISTORY)
        )

    def _continue_as_new(self) -> None:
        assert self._policy is not None
        if len(self._ledger.entries) > folding.FOLD_AT and workflow.patched(patches.FOLDED_LEDGER):
            self._ledger.fold(self._state)  # the carried payload stays bounded (workflows/rules/folding.py)
        carried = Carried.of(self._state, self._ledger, self._policy, self._acknowledgements)
        text = carried.model_dump_json()
        # Its size, for ops: Temporal refuses a payload over 2 MiB (docs/pathway.md, "A bounded history").
        workflow.logger.info(
            "history long: continuing as new with the pathway's whole state (%d events kept, %d bytes)",
            len(self._ledger.entries),
            len(text),
        )
        workflow.continue_as_new(
            PathwayStart(
                patient_key=self._state.patient_key,
                seen_event_keys=self._seen,
                pending_events=self._queue,
                carried=text,
            )
        )

    # -- waiting

    async def _wait_for_event_or_deadline(self) -> None:
        self._wake = False
        deadline = next_deadline(self._state)
        what = ""
        if deadline is not None:
            what = deadline_summary(self._state)
        assert self._policy is not None
        release = None
        if self._ordered:
            release = self._ledger.wake_at(self._state, self._policy)
            first = self._ledger.first_arrival()
            if self._state.opened_by is None and first is not None:
                release = first + self._policy.early_event_hold
        elif self._hold:
            release = self._intake.wake_at(self._policy, opened=self._opened)
        if release is not None and (deadline is None or release < deadline):
            deadline, what = release, "held events and escalations: apply, publish or dead-letter them"
        if deadline is None:
            self._timer.cancel()
            await workflow.wait_condition(lambda: bool(self._queue or self._not_permitted) or self._wake)
            return
        timeout = deadline - workflow.now()
        if timeout <= timedelta(0):
            return
        if self._keep_timer:
            self._timer.wait_until(deadline, f"{what} ({deadline.isoformat()})")
            await workflow.wait_condition(
                lambda: bool(self._queue or self._not_permitted) or self._wake or self._timer.fired
            )
            return
        try:
            await workflow.wait_condition(
                lambda: bool(self._queue or self._not_permitted) or self._wake,
                timeout=timeout,
                timeout_summary=f"{what} ({deadline.isoformat()})",
            )
        except TimeoutError:
            pass
