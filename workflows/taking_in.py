"""Taking in arrivals: into the ledger that keeps clinical order, or (older runs) the rules in arrival order.

Part of `PatientPathway` (workflows/pathway.py; the attributes are declared in workflows/shell.py).
"""

from __future__ import annotations

from temporalio import workflow

from workflows import effects, patches

with workflow.unsafe.imports_passed_through():
    from events.inbound.envelopes import InboundEvent, dedup_key
    from workflows.api import PathwayEvent
    from workflows.rules.dispatch import decline_opening
    from workflows.rules.intake import (
        LISTING_TYPES,
        can_open,
        close_unopened,
        no_pathway_reason,
        retry_waiting,
        try_event,
    )
    from workflows.rules.ledger import apply_time_safely
    from workflows.rules.refusals import Refused, apply_or_refuse
    from workflows.rules.step import RuleOutcome
    from workflows.shell import PathwayShell


class TakingIn(PathwayShell):
    """Arrivals taken in: what the ledger (or the intake of older runs) asks for, carried out."""

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
            self._key_fresh_run(arrivals[0])
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

    def _key_fresh_run(self, first: InboundEvent) -> None:
        """A fresh run's step keys start with its first event's key (patch `fresh-run-key`), so that a
        pathway started again under the patient's workflow ID never repeats an earlier run's outbound ids."""
        if not self._fresh_run:
            return
        self._fresh_run = False
        if not self._state.run_key and patches.since(patches.FRESH_RUN_KEY):
            self._state.run_key = dedup_key(first.source, first.id)

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

    async def _refuse_not_permitted(self) -> None:
        """Dead-letter refused signals; a run that holds nothing else (a refused signal-with-start) ends."""
        refused, self._not_permitted = self._not_permitted, []
        for each in refused:
            await self._refuse(each)
        empty = not self._queue and self._ledger.first_arrival() is None
        if refused and self._ordered and self._state.opened_by is None and empty:
            assert self._policy is not None
            close_unopened(self._state, [], workflow.now(), self._policy)

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
