"""Outbound CloudEvent ids are deterministic per workflow step: a retried publish repeats its id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from temporalio.testing import WorkflowEnvironment

from events.identity import workflow_id_for
from events.inbound.envelopes import dedup_key
from events.outbound.event import OutboundEvent
from tests.inbound_events import admitted, hours, risk
from tests.workflow.pathway_helpers import Pathways, RecordingPublisher, published, settings_for
from workers.worker import build_worker
from workflows.effects import OUTBOUND_ID_NAMESPACE


@dataclass
class FirstTryFails(RecordingPublisher):
    """NATS refuses each event's first publish (e.g. no ack in time); the retry succeeds."""

    attempts: list[OutboundEvent] = field(default_factory=list)

    async def publish(self, event: OutboundEvent) -> None:
        self.attempts.append(event)
        if sum(1 for a in self.attempts if a.id == event.id) == 1:
            raise ConnectionError("no ack from JetStream")
        await super().publish(event)


async def test_a_retried_publish_carries_the_same_cloudevent_id(pathway_env: WorkflowEnvironment) -> None:
    env = pathway_env
    settings = settings_for()
    publisher = FirstTryFails()
    pw = Pathways(env.client, settings, publisher)
    async with build_worker(env.client, settings, publisher):
        try:
            t0 = await env.get_current_time()
            admission = admitted(t0)
            await pw.send(admission)
            await pw.send(risk(t0 + hours(1)))
            await env.sleep(hours(0.01))  # skip the retry backoff
            await published(pw, "joint_planning_requested")
        finally:
            await pw.terminate_open()
    first_try = [a.id for a in publisher.attempts[::2]]
    retries = [a.id for a in publisher.attempts[1::2]]
    assert first_try == retries == [e.id for e in publisher.events]
    assert len(set(retries)) == len(retries) == 2
    # The id is uuid5(workflow id + step): the run's key (its first event's, patch `fresh-run-key`), the
    # step's cause (for the start: "opened", whichever event opened it; else the event, deadline or
    # decision), the type.
    step = f"{dedup_key(admission.source, admission.id)}:opened:pathway_started"
    expected = uuid.uuid5(OUTBOUND_ID_NAMESPACE, f"{workflow_id_for(pw.key())}:{step}")
    assert publisher.events[0].type == "pathway_started" and publisher.events[0].id == str(expected)


async def test_a_pathway_started_again_after_one_ended_repeats_none_of_its_outbound_ids(
    pathway_env: WorkflowEnvironment,
) -> None:
    """A patient's pathway terminated (by ops) and opened again by the next stay under the same workflow ID
    gave its steps the first run's keys: its `pathway_started` had the first one's id, and JetStream, the
    read model and every receiver dropped it as a duplicate."""
    env = pathway_env
    settings = settings_for()
    pw = Pathways(env.client, settings, RecordingPublisher())
    async with build_worker(env.client, settings, pw.publisher):
        try:
            t0 = await env.get_current_time()
            await pw.send(admitted(t0))
            await published(pw, "pathway_started")
            await env.client.get_workflow_handle(workflow_id_for(pw.key())).terminate("ops: wrong patient")
            await pw.send(admitted(t0 + hours(2), episode="ep-2"))
            starts = await published(pw, "pathway_started", count=2)
        finally:
            await pw.terminate_open()
    assert len({event.id for event in starts}) == 2
