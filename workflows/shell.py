"""What the pathway workflow's parts share: its attributes, and carrying out what the rules decide.

`PatientPathway` (workflows/pathway.py) is one workflow class made of three parts: the run loop and waiting
(pathway.py), taking in arrivals (workflows/taking_in.py) and the outside's ways in (workflows/handlers.py).
This base declares the attributes they share and does what they all do: publish, deliver, await receipts,
dead-letter, keep search attributes, memo and current details. Changing it changes running pathways: guard
changes with a patch (workflows/patches.py) and replay the saved histories (docs/pathway.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

from workflows import effects, patches

with workflow.unsafe.imports_passed_through():
    from events.inbound.envelopes import InboundEvent
    from events.inbound.parsing import episode_of
    from events.outbound.event import OutboundEvent
    from workflows.api import AcknowledgementRecord, PathwayEvent
    from workflows.details import current_details, memo_of, search_attributes
    from workflows.policy import Policy
    from workflows.rules.entries import Deliver, Taken
    from workflows.rules.intake import Intake
    from workflows.rules.ledger import Ledger
    from workflows.rules.receipts import expect_receipts
    from workflows.rules.refusals import NOT_PERMITTED, RULE_FAILED, Refused
    from workflows.rules.state import PathwayState
    from workflows.rules.step import Publish, RuleOutcome, StartNewPathway


class PathwayShell:
    """What the run, the taking-in of arrivals and the handlers share: the run's attributes (set by
    `PatientPathway.__init__`, declared here so that each part names what it uses) and carrying out what the
    rules decide: publishing, delivering, receipts awaited, dead letters, visibility."""

    _state: PathwayState
    _policy: Policy | None
    _seen: list[str]
    # Signals may arrive before `run` starts; they wait here in arrival order.
    _queue: list[PathwayEvent]
    _lock: asyncio.Lock  # one rule application at a time: events, deadlines, decisions
    _wake: bool  # a decision moved the deadlines: re-plan the wait
    _restart: StartNewPathway | None
    _upserted: dict[str, Any]
    _memo: dict[str, Any]
    _intake: Intake  # runs before `any-arrival-order`
    _ledger: Ledger  # runs from `any-arrival-order` on
    _ordered: bool
    # A patient's fresh run (not continued as new): its run key still to be taken from its first event.
    _fresh_run: bool
    _hold: bool
    _lean: bool
    # Escalations someone has taken on (update `acknowledge_escalation`); this run's only.
    _acknowledgements: list[AcknowledgementRecord]
    # Signals whose sender may not send them (workflows/actor.py): dead-lettered, never applied.
    _not_permitted: list[Refused]

    @property
    def _opened(self) -> bool:
        return self._state.opened_by is not None or self._state.phase == "closed"

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

    async def _dead_letter(self, event: InboundEvent, reason: str, kind: str) -> None:
        held = PathwayEvent(patient_key=self._state.patient_key, event=event)
        await effects.dead_letter(held, reason, kind)

    def _as_pathway_events(self, events: list[InboundEvent]) -> list[PathwayEvent]:
        return [PathwayEvent(patient_key=self._state.patient_key, event=e) for e in events]

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
            self._state.clinical_deliveries = patches.since(patches.CLINICAL_DELIVERIES)
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
            self._state.awaits_receipts = patches.since(patches.DELIVERY_RECEIPTS)
            self._state.receipts_rederived = self._state.awaits_receipts and patches.since(
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
