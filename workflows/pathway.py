"""The patient pathway workflow: the thin shell that waits and acts; the rules live in workflows/rules/.

One run per patient and episode (workflow ID ``workflow_id_for(patient_key)``). Events arrive by
signal, decisions by update; the rules return commands that this shell carries out (publish
activities, dead letters, continue-as-new) and the search attributes, memo and current details follow
the state. Changing this file changes running 14-day pathways: guard changes with a patch
(workflows/patches.py) and replay the saved histories (see docs/pathway.md).

One class on purpose, and over 300 lines for that reason: the run loop, the signal, the queries and the
updates share one object's state, and split into a base class they needed attributes declared where they
were never set. What is not the workflow's own lives apart: the rules (workflows/rules/, including the
ledger that keeps clinical order), the activities' calls (effects.py), what it shows (details.py).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

from workflows import effects, patches
from workflows.deadline_timer import DeadlineTimer

with workflow.unsafe.imports_passed_through():
    from activities.pathway import PathwayActivities
    from events.inbound.envelopes import InboundEvent, dedup_key
    from events.inbound.parsing import episode_of
    from events.outbound.event import OutboundEvent
    from workflows.acknowledgement import acknowledge, validate_acknowledgement
    from workflows.actor import check_actor, check_decision_actor, signal_refusal
    from workflows.api import (
        AcknowledgementRecord,
        DecisionResult,
        PathwayEvent,
        PathwayStart,
        PathwayView,
        parse_acknowledgement,
        parse_decision,
    )
    from workflows.carried import Carried, history_too_long
    from workflows.details import current_details, memo_of, search_attributes
    from workflows.names import (
        QUERY_CHECK_EVENT,
        QUERY_IDENTITY,
        QUERY_STATE,
        SIGNAL_INBOUND_EVENT,
        UPDATE_ACKNOWLEDGE,
        UPDATE_DECIDE,
        WORKFLOW_TYPE,
    )
    from workflows.policy import Policy
    from workflows.rules import folding
    from workflows.rules.deadlines import deadline_summary, next_deadline
    from workflows.rules.decisions import apply_decision, validate_decision
    from workflows.rules.dispatch import apply_event, decline_opening
    from workflows.rules.dryrun import refusal_of
    from workflows.rules.entries import Deliver, Taken
    from workflows.rules.intake import (
        LISTING_TYPES,
        Intake,
        can_open,
        close_unopened,
        no_pathway_reason,
        retry_waiting,
        try_event,
    )
    from workflows.rules.ledger import Ledger, apply_time_safely
    from workflows.rules.receipts import expect_receipts
    from workflows.rules.records import record_acknowledgement, record_duplicate
    from workflows.rules.refusals import NOT_PERMITTED, RULE_FAILED, Refused, apply_or_refuse
    from workflows.rules.state import PathwayState
    from workflows.rules.step import Publish, RuleOutcome, StartNewPathway

# The patches: workflows/patches.py; the activities' timeouts and retries: workflows/effects.py.


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
        self._intake = Intake()  # runs before `any-arrival-order`
        self._ledger = Ledger()  # runs from `any-arrival-order` on
        self._ordered = False
        self._hold = False
        self._lean = False
        self._timer = DeadlineTimer()  # from `kept-deadline-timer` on (workflows/deadline_timer.py)
        self._keep_timer = False
        # Escalations someone has taken on (update `acknowledge_escalation`); this run's only.
        self._acknowledgements: list[AcknowledgementRecord] = []
        # Signals whose sender may not send them (workflows/actor.py): dead-lettered, never applied.
        self._not_permitted: list[Refused] = []
        self._continuing = False  # the history grew long: continue as new (workflows/carried.py)
        if start.carried is not None:
            carried = Carried.model_validate_json(start.carried)
            self._state, self._policy = carried.state, carried.policy
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
            self._policy = await workflow.execute_local_activity_method(
                PathwayActivities.load_policy,
                start_to_close_timeout=timedelta(seconds=10),
                summary="load the pathway policy (durations from settings)",
            )
        assert self._policy is not None
        # Runs started before the follow-up indicators publish no new kinds of events (saved histories).
        self._state.indicator_events = patches.patched(patches.INDICATOR_EVENTS)
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

    @property
    def _opened(self) -> bool:
        return self._state.opened_by is not None or self._state.phase == "closed"

    # -- runs from `any-arrival-order` on: the ledger keeps clinical order

    async def _take_in_clinical_order(self) -> None:
        """Arrivals into the ledger; what it asks for carried out; then passing time."""
        assert self._policy is not None
        now = workflow.now()
        arrivals = [arrived.event for arrived in self._queue]
        self._queue.clear()
        if arrivals and await self._declined(arrivals):
            return
        if arrivals:
            await self._look_up(arrivals)
            await self._carry_out(self._ledger.take(self._state, arrivals, now, self._policy))
            waiting = self._ledger.waiting()
            for event in arrivals:
                if event.id in waiting:
                    why = waiting[event.id]
                    workflow.logger.info(
                        "event kept until it applies: %s (event %s from %s)", why, event.id, event.source
                    )
                    continue
                workflow.logger.info(
                    "event %s applied, phase now %s (event %s from %s)",
                    event.type,
                    self._state.phase,
                    event.id,
                    event.source,
                )
        if self._restart is not None:
            return
        first = self._ledger.first_arrival()
        if (
            self._state.opened_by is None
            and first is not None
            and now >= first + self._policy.early_event_hold
        ):
            expired = self._ledger.drain_unopened()
            for event in expired:
                await self._dead_letter(event, no_pathway_reason(self._policy), "no_pathway")
            close_unopened(self._state, expired, now, self._policy)
            workflow.logger.warning(
                "no pathway opened within the hold: %d event(s) dead-lettered", len(expired)
            )
            return
        for refused in self._ledger.expire(self._state, now, self._policy):
            await self._refuse(refused)
        await self._carry_out(self._ledger.tick(self._state, now, self._policy))

    async def _declined(self, arrivals: list[InboundEvent]) -> bool:
        """The run's first opening event belongs to an episode that already ran to its end: open nothing."""
        if self._state.opened_by is not None:
            return False
        first = next((event for event in arrivals if can_open(event)), None)
        if first is None or not await self._episode_already_closed(first):
            return False
        decline_opening(self._state, first, workflow.now())
        workflow.logger.warning(
            "event %s from %s ignored: its episode already closed", first.id, first.source
        )
        for event in arrivals + self._ledger.drain_unopened():
            if event is not first:
                await self._refuse(
                    Refused(event, "not_applicable", "for an episode whose pathway had closed")
                )
        return True

    async def _look_up(self, arrivals: list[InboundEvent]) -> None:
        """The registry's listed VC and the on-call rota, before the rules need them (activities)."""
        s = self._state
        needs_listing = next(
            (
                e
                for e in arrivals
                if e.type in LISTING_TYPES and getattr(e.data, "listed_vardcentral", None) is None
            ),
            None,
        )
        if s.listed_vardcentral is None and self._ledger.registry_listing is None and needs_listing:
            listing = await effects.lookup_listing(needs_listing.data.patient.id)
            self._ledger.registry_listing = s.listed_vardcentral = listing
            s.listed_from_registry = True
        if s.oncall_rota is None and any(e.type == "primarycare.consult_requested" for e in arrivals):
            s.oncall_rota = await effects.lookup_oncall_rota(s.admitting_unit)

    async def _carry_out(self, taken: Taken) -> None:
        self._state = taken.state
        for command in taken.publish:
            await self._publish(command)
        for delivery in taken.deliver:
            await self._deliver(delivery)
        for refused in taken.dead:
            await self._refuse(refused)
        if taken.restart is not None:
            self._restart = taken.restart
            # Clinically after the readmission: the new run's, ahead of what arrived meanwhile.
            self._queue[:0] = self._as_pathway_events(taken.rest)

    async def _refuse(self, refused: Refused) -> None:
        """Dead-letter an event the pathway gives up on, and tell ops (log; the worker counts it by kind)."""
        event = refused.event
        if refused.kind == RULE_FAILED:
            workflow.logger.error("a rule failed on event %s from %s: dead-lettered", event.id, event.source)
        elif refused.kind == NOT_PERMITTED:
            workflow.logger.warning("event %s from %s refused: %s", event.id, event.source, refused.reason)
        else:
            workflow.logger.warning("event %s from %s not applicable: dead-lettered", event.id, event.source)
        await self._dead_letter(event, refused.reason, refused.kind)

    async def _refuse_not_permitted(self) -> None:
        """Dead-letter refused signals; a run that holds nothing else (a refused signal-with-start) ends."""
        refused, self._not_permitted = self._not_permitted, []
        for each in refused:
            await self._refuse(each)
        empty = not self._queue and self._ledger.first_arrival() is None
        if refused and self._ordered and self._state.opened_by is None and empty:
            assert self._policy is not None
            close_unopened(self._state, [], workflow.now(), self._policy)

    async def _dead_letter(self, event: InboundEvent, reason: str, kind: str) -> None:
        held = PathwayEvent(patient_key=self._state.patient_key, event=event)
        await effects.dead_letter(held, reason, kind)

    # -- runs before `any-arrival-order`: in arrival order, early events held (workflows/rules/intake.py)

    async def _take_in_arrival_order(self) -> None:
        assert self._policy is not None
        if self._hold:
            await self._take_arrivals()
        while self._queue and self._restart is None and not self._hold:
            await self._handle_event(self._queue.pop(0))
        if self._restart is None:
            await self._execute(self._apply_time_in_arrival_order())

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
        self._state, outcome = apply_or_refuse(self._state, event, workflow.now(), self._policy)
        if isinstance(outcome, Refused):  # no patch needed: see `_apply_time_in_arrival_order`
            await self._refuse(outcome)
            return
        self._note(outcome, pathway_event)
        await self._execute(outcome)

    def _apply_time_in_arrival_order(self) -> RuleOutcome:
        """Deadlines; one whose rule raises is dropped (and logged) rather than failing every task.

        Like a rule that raises on an event (`apply_or_refuse`), this needs no patch: before, such a task
        failed, and a failed workflow task records no commands, so no saved history has a completed task
        that this changes; a run stuck on one goes on at its next retry on a worker with this code."""
        assert self._policy is not None
        outcome = apply_time_safely(self._state, workflow.now(), self._policy)
        if outcome.ignored:
            workflow.logger.error("%s", outcome.ignored)
            return RuleOutcome()
        return outcome

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
                await self._publish(command)
            else:
                self._restart = command

    # -- shared by both

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

    async def _publish(self, command: Publish) -> None:
        if self._ordered and self._state.clinical_deliveries is None:  # asked once, at a run's first publish
            self._state.clinical_deliveries = workflow.patched(patches.CLINICAL_DELIVERIES)
        outbound = OutboundEvent(
            id=effects.outbound_id(command.step), type=command.type, time=workflow.now(), data=command.data
        )
        await effects.publish(outbound)
        self._expect_receipts(command, outbound.id)

    async def _deliver(self, delivery: Deliver) -> None:
        """A step published before, to the receivers clinical order gives it and its publish did not name
        (workflows/rules/entries.py `Deliver`): the same event id, so each receiver's copy is stored once."""
        command = delivery.publish
        outbound = OutboundEvent(
            id=effects.outbound_id(command.step), type=command.type, time=workflow.now(), data=command.data
        )
        await effects.deliver(outbound, delivery.recipients)
        workflow.logger.info(
            "discharge.%s delivered to %d receiver(s) a clinically earlier event named",
            command.type,
            len(delivery.recipients),
        )
        self._expect_receipts(command, outbound.id)

    def _expect_receipts(self, command: Publish, message_id: str) -> None:
        """What was delivered to whom, for the receipts (rules/receipts.py), in runs with the patch."""
        policy = self._policy
        if policy is None or policy.delivery_receipt_timeout is None:
            return  # a run whose recorded policy predates receipts: asks for no patch either
        if self._state.awaits_receipts is None:
            self._state.awaits_receipts = workflow.patched(patches.DELIVERY_RECEIPTS)
            self._state.receipts_rederived = self._state.awaits_receipts and workflow.patched(
                patches.RECEIPTS_REDERIVED
            )
        if self._state.awaits_receipts:
            expect_receipts(self._state, command.data, message_id, workflow.now(), policy)

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

    # -- the outside's ways in: the signal, queries, updates

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
