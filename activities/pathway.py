"""The pathway's activities: load the policy, look up the listed VC, check an episode, publish events."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from temporalio import activity
from temporalio.service import RPCError, RPCStatusCode

from activities.oncall import oncall_rota
from discharge.ops.metrics import EVENTS_DEAD_LETTERED
from discharge.settings import Settings
from discharge.settings_policy import CurrentPolicy
from discharge.views.visibility import one_of, quoted
from events.deadletter import DeadLetter, DeadLetterPublisher
from events.outbound.event import DeliveryPublisher, OutboundEvent, OutboundPublisher
from events.streams import inbound_msg_id
from workflows.api import PathwayEvent
from workflows.names import SA_EPISODE
from workflows.policy import Policy


@cache
def _registry() -> dict[str, object]:
    text = resources.files("activities.data").joinpath("listing_registry.json").read_text("utf-8")
    document: dict[str, object] = json.loads(text)
    return document


def listed_vardcentral(canonical_identity: str) -> str:
    """The listed VC from the embedded synthetic registry, else its documented default."""
    registry = _registry()
    patients = registry["patients"]
    assert isinstance(patients, dict)
    return str(patients.get(canonical_identity, registry["default"]))


def listing_registry_units() -> list[str]:
    """Every vårdcentral the registry lists patients at, and its default (`discharge dev`: their users)."""
    registry = _registry()
    patients = registry["patients"]
    assert isinstance(patients, dict)
    return [str(registry["default"]), *(str(unit) for unit in patients.values())]


class PathwayActivities:
    """Bound to the worker's settings and publisher; registered as ``activities=[...methods]``."""

    def __init__(self, settings: Settings, publisher: OutboundPublisher) -> None:
        self._settings = settings
        self._publisher = publisher
        # The policy file is checked as the worker starts (a wrong one stops it, naming the line), then read
        # again whenever it changes: a new version applies to pathways started after it (docs/policy.md).
        self._policy = CurrentPolicy(settings)

    @activity.defn(name="load_policy")
    async def load_policy(self) -> Policy:
        return self._policy.now()

    @activity.defn(name="lookup_listing")
    async def lookup_listing(self, canonical_identity: str) -> str:
        return listed_vardcentral(canonical_identity)

    @activity.defn(name="lookup_oncall_rota")
    async def lookup_oncall_rota(self, unit: str | None) -> str:
        return oncall_rota(unit)

    @activity.defn(name="episode_closed")
    async def episode_closed(self, workflow_id: str, episode_id: str) -> bool:
        """Whether a pathway of this patient for this episode has already run to its end.

        Only runs that ended by themselves count (completed, or continued as a new pathway at a
        readmission): a run ops terminated may be driven again by replaying its events.
        """
        try:
            query = (
                f"WorkflowId = {quoted(workflow_id)} AND {SA_EPISODE.name} = {quoted(episode_id)}"
                f" AND ExecutionStatus IN {one_of(['Completed', 'ContinuedAsNew'])}"
            )
        except ValueError:
            activity.logger.warning("episode id not usable in a visibility query; not checked")
            return False
        try:
            async for _ in activity.client().list_workflows(query, limit=1):
                return True
        except RPCError as error:
            if error.status not in (RPCStatusCode.UNIMPLEMENTED, RPCStatusCode.INVALID_ARGUMENT):
                raise  # Temporal unavailable: the activity is retried
            # A server without this visibility (Temporal's time-skipping test server): cannot tell.
            activity.logger.warning("visibility cannot answer; episode not checked: %s", error.message)
        return False

    @activity.defn(name="publish_outbound")
    async def publish_outbound(self, event: OutboundEvent) -> None:
        # The id is fixed by the workflow, so a retry publishes the same message (JetStream dedup).
        await self._publisher.publish(event)

    @activity.defn(name="deliver_outbound")
    async def deliver_outbound(self, event: OutboundEvent, recipients: list[str]) -> None:
        """Deliver an outbound event published before to ``recipients``, receivers its ``data`` names that
        were not known when it was published (workflows/rules/entries.py `Deliver`). Each copy is the one the
        fan-out makes (events/delivery.py), stored once per receiver and event id, also when retried."""
        if not isinstance(self._publisher, DeliveryPublisher):
            raise RuntimeError("this worker's publisher cannot deliver to receivers")
        owed = event.data.receivers(self._settings.discharge_lmv_unit)
        wanted = [r for r in owed if r.hsa_id in recipients]
        await self._publisher.deliver(event, wanted)

    @activity.defn(name="dead_letter_event")
    async def dead_letter_event(self, held: PathwayEvent, reason: str) -> None:
        """Park an event held for a pathway that never opened (``no_pathway``): see `dead_letter_refused`."""
        await self.dead_letter_refused(held, reason, "no_pathway")

    @activity.defn(name="dead_letter_refused")
    async def dead_letter_refused(self, held: PathwayEvent, reason: str, kind: str) -> None:
        """Park an event the pathway could not take where the gateway parks refused ones:
        ``deadletter.events.<type>``, the event's JSON as body, the reason in the headers (never a value).

        ``kind``: ``no_pathway`` (held for a pathway that never opened), ``not_applicable`` (it never made
        sense at its clinical place within the hold), ``rule_failed`` (a rule raised on it: a defect)."""
        if not isinstance(self._publisher, DeadLetterPublisher):
            raise RuntimeError("this worker's publisher cannot publish dead letters")
        event = held.event
        letter = DeadLetter(
            kind=kind,
            reason=reason,
            subject=f"events.{event.type}",
            failed_at=datetime.now(UTC),
            deliveries=1,
            msg_id=inbound_msg_id(event.source, event.id),
        )
        body = event.model_dump_json(exclude_none=True).encode()
        # Once per event, also when the activity is retried.
        await self._publisher.publish_dead_letter(
            body, letter, f"{kind} {inbound_msg_id(event.source, event.id)}"
        )
        EVENTS_DEAD_LETTERED.labels(kind).inc()  # ops are told: the gateway's counter, by kind

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.load_policy,
            self.lookup_listing,
            self.episode_closed,
            self.publish_outbound,
            self.deliver_outbound,
            self.dead_letter_event,
            self.dead_letter_refused,
            self.lookup_oncall_rota,
        ]
