"""Test helpers for the pathway on Temporal: a recording publisher, a worker, waiting for a pathway.

Events are built by tests/inbound_events.py (the light factory the rules' unit tests use too) and sent
as the gateway would deliver them: wrapped in a ``PathwayEvent`` with the patient's key.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    DescribeWorkflowExecutionResponse,
)
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError
from temporalio.worker import Worker

from discharge.settings import Settings
from discharge.temporal_client import signal_with_start
from events.deadletter import DeadLetter
from events.identity import parse_identity, patient_key, workflow_id_for
from events.inbound.envelopes import InboundEvent
from events.outbound.data import Recipient
from events.outbound.event import OutboundEvent
from tests.inbound_events import PATIENT, STAFF
from workers.worker import build_worker
from workflows.actor import Actor, Sender, gateway_for
from workflows.api import PathwayEvent, PathwayView
from workflows.names import QUERY_STATE

#: Who sends the tests' updates: the web page, for STAFF signed in as a coordinator (workflows/actor.py).
WEB_ACTOR = Actor(process="web", person=STAFF, role="coordinator")


@dataclass
class RecordingPublisher:
    """A fake ``OutboundPublisher`` that keeps what it was asked to publish (NATS is tested elsewhere)."""

    events: list[OutboundEvent] = field(default_factory=list)
    dead_letters: list[tuple[bytes, DeadLetter]] = field(default_factory=list)
    # (event id, receiver) of the deliveries the pathway made itself (activity `deliver_outbound`).
    delivered: list[tuple[str, str]] = field(default_factory=list)

    async def publish(self, event: OutboundEvent) -> None:
        self.events.append(event)

    async def deliver(self, event: OutboundEvent, receivers: list[Recipient]) -> None:
        self.delivered += [(event.id, r.hsa_id) for r in receivers]

    async def publish_dead_letter(self, body: bytes, letter: DeadLetter, msg_id: str) -> None:
        self.dead_letters.append((body, letter))

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def of(self, type_: str) -> list[OutboundEvent]:
        return [e for e in self.events if e.type == type_]

    def reasons(self) -> list[str]:
        return [str(e.data["reason"]) for e in self.of("escalation_raised")]


def settings_for(**overrides: Any) -> Settings:
    """Settings with a task queue and a patient-key secret of their own, so tests sharing one server
    never reach each other's workflows (the workflow ID derives from the key)."""
    unique = uuid.uuid4().hex
    overrides.setdefault("temporal_task_queue", f"pathway-{unique}")
    overrides.setdefault("discharge_patient_key_secret", f"secret-{unique}")
    # No receipts awaited unless a test is about them: no receiving system answers here, and every
    # delivery asking to act would be escalated `not_delivered` (tests/workflow/test_pathway_receipts.py).
    overrides.setdefault("discharge_delivery_receipt_timeout", "PT0S")
    return Settings(**overrides)


@dataclass
class Pathways:
    client: Client
    settings: Settings
    publisher: RecordingPublisher
    patients: set[str] = field(default_factory=set)

    def key(self, patient: str = PATIENT) -> str:
        return patient_key(
            parse_identity(patient), self.settings.discharge_patient_key_secret.get_secret_value()
        )

    async def send(self, evt: InboundEvent, patient: str = PATIENT) -> WorkflowHandle[Any, Any]:
        """As the gateway signals it: for the system whose subject the event came on."""
        return await self.send_as(gateway_for(evt.type), evt, patient)

    async def send_as(
        self, sender: Sender | None, evt: InboundEvent, patient: str = PATIENT
    ) -> WorkflowHandle[Any, Any]:
        """Signalled with ``sender`` as its actor (None: none, as before signals carried one)."""
        self.patients.add(patient)
        pathway_event = PathwayEvent(patient_key=self.key(patient), event=evt, actor=sender)
        return await signal_with_start(self.client, self.settings.temporal_task_queue, pathway_event)

    def handle(self, patient: str = PATIENT) -> WorkflowHandle[Any, Any]:
        return self.client.get_workflow_handle(workflow_id_for(self.key(patient)), result_type=PathwayView)

    async def terminate_open(self) -> None:
        """End this test's pathways: the time-skipping server stops skipping time while any workflow
        has a task no worker will ever pick up, which would stall the next test's sleep."""
        for patient in self.patients:
            with contextlib.suppress(RPCError):
                await self.settle(patient)
                await self.handle(patient).terminate(reason="test finished")

    async def describe_raw(self, patient: str = PATIENT) -> DescribeWorkflowExecutionResponse:
        """The raw description: the SDK's ``describe()`` cannot decode the Java test server's
        Datetime search attribute values."""
        request = DescribeWorkflowExecutionRequest(
            namespace=self.client.namespace,
            execution=WorkflowExecution(workflow_id=workflow_id_for(self.key(patient))),
        )
        return await self.client.workflow_service.describe_workflow_execution(request)

    async def settle(self, patient: str) -> None:
        """Wait until no workflow task or activity is in flight (read from the history: the test
        server's describe does not report them). A query racing a workflow task, or an activity
        finishing after its workflow was terminated, can leave the Java test server's time skipping
        locked for good, which shows up as a later `env.sleep` timing out."""
        for _ in range(200):
            history = await self.handle(patient).fetch_history()
            counts = Counter(EventType.Name(e.event_type) for e in history.events)
            open_tasks = counts["EVENT_TYPE_WORKFLOW_TASK_SCHEDULED"] - sum(
                counts[f"EVENT_TYPE_WORKFLOW_TASK_{end}"] for end in ("COMPLETED", "FAILED", "TIMED_OUT")
            )
            open_activities = counts["EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"] - sum(
                counts[f"EVENT_TYPE_ACTIVITY_TASK_{end}"]
                for end in ("COMPLETED", "FAILED", "TIMED_OUT", "CANCELED")
            )
            if open_tasks <= 0 and open_activities <= 0:
                return
            await asyncio.sleep(0.02)

    async def view(self, patient: str = PATIENT) -> PathwayView:
        view: PathwayView = await self.handle(patient).query(QUERY_STATE, result_type=PathwayView)
        return view


@asynccontextmanager
async def running_worker(client: Client, **overrides: Any) -> AsyncIterator[Pathways]:
    """A pathway worker on a task queue of its own, publishing into a ``RecordingPublisher``."""
    settings = settings_for(**overrides)
    publisher = RecordingPublisher()
    worker: Worker = build_worker(client, settings, publisher)
    pathways = Pathways(client, settings, publisher)
    async with worker:
        try:
            yield pathways
        finally:
            await pathways.terminate_open()


async def until(
    pathways: Pathways, check: Callable[[PathwayView], bool], patient: str = PATIENT
) -> PathwayView:
    """Query the pathway until ``check`` holds (the worker applies signals asynchronously).

    Polls in real time for at most 10 s; on the time-skipping server no time passes meanwhile.
    Waiting on the pathway's state (not on sleeps) keeps the tests fast and deterministic.
    """
    view: PathwayView | None = None
    for _ in range(200):
        try:
            # Query only a settled workflow: a query racing a workflow task on the Java test server can
            # leave time skipping locked for good (seen as a later `env.sleep` timing out).
            await pathways.settle(patient)
            view = await pathways.view(patient)
        except RPCError:
            view = None  # the run is not started yet
        if view is not None and check(view):
            return view
        await asyncio.sleep(0.05)
    raise AssertionError(f"pathway never reached the expected state; last seen: {view!r}")


def taken(evt: InboundEvent) -> Callable[[PathwayView], bool]:
    """The pathway has taken ``evt`` in (its log names the event's clinical time)."""
    return lambda view: any(line.occurred_at == evt.time for line in view.log)


async def published(pathways: Pathways, type_: str, count: int = 1) -> list[OutboundEvent]:
    """Wait (real time, at most 10 s) until ``count`` events of ``type_`` were published."""
    for _ in range(200):
        found = pathways.publisher.of(type_)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} x {type_} never published; published: {pathways.publisher.types()}")
