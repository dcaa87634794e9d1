"""Test helpers for the pathway: synthetic patients, inbound events, a recording publisher, a worker.

Events are built as the gateway would deliver them: validated inbound models wrapped in a
``PathwayEvent`` with the patient's key. Times are clinical times chosen by each test.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
from events.inbound.envelopes import INBOUND_ADAPTER, InboundEvent
from events.outbound import OutboundEvent
from workers.worker import build_worker
from workflows.api import PathwayEvent, PathwayView
from workflows.names import QUERY_STATE

#: Synthetic identities (born before 1910, valid check digits); the first is in the listing registry.
PATIENT = "19091231-9803"
OTHER_PATIENT = "19080101-1230"
REGISTRY_VC = "SE2321000131-E000000000101"  # PATIENT's listed VC in activities/data
DEFAULT_VC = "SE2321000131-E000000000100"  # the registry's documented default
EVENT_VC = "SE2321000131-E000000000555"
HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
LMV = "urn:hsa:SE2321000131-E000000000002"
VC = "urn:hsa:SE2321000131-E000000000003"
KOMMUN = "urn:kommun:1380"
COORDINATOR = "urn:hsa:SE2321000131-E000000000004"
STAFF = "SE2321000131-E000000000010"
UNIT = "SE2321000131-E000000000020"

_ids = itertools.count(1)


def event(
    type_: str,
    at: datetime,
    patient: str = PATIENT,
    source: str | None = None,
    id_: str | None = None,
    **data: Any,
) -> InboundEvent:
    """One validated inbound event of ``type_`` at clinical time ``at``."""
    default_source = {"hospital": HOSPITAL, "municipality": KOMMUN, "coordination": COORDINATOR}
    prefix = type_.split(".")[0]
    src = source or default_source.get(prefix, LMV if data.get("party") != "vardcentral" else VC)
    return INBOUND_ADAPTER.validate_python(
        {
            "specversion": "1.0",
            "id": id_ or f"evt-{next(_ids)}",
            "source": src,
            "type": type_,
            "time": at.isoformat(),
            "data": {"patient": {"id": patient}, **data},
        }
    )


def admitted(at: datetime, episode: str = "ep-1", **extra: Any) -> InboundEvent:
    return event(
        "hospital.patient_admitted", at, episode_id=episode, unit=UNIT, admission="unplanned", **extra
    )


def risk(at: datetime, level: str = "high", episode: str = "ep-1") -> InboundEvent:
    return event("hospital.risk_assessed", at, episode_id=episode, level=level, assessed_by=STAFF)


def discharged(
    at: datetime, home_type: str = "own_home", episode: str = "ep-1", **extra: Any
) -> InboundEvent:
    return event("hospital.patient_discharged", at, episode_id=episode, home_type=home_type, **extra)


def confirmed(at: datetime, party: str) -> InboundEvent:
    return event("primarycare.planning_confirmed", at, party=party, unit=UNIT, confirmed_by=STAFF)


def contact(at: datetime, party: str = "lmv", kind: str = "phone") -> InboundEvent:
    return event("primarycare.physician_contact", at, party=party, kind=kind, performed_by=STAFF)


def accepted(at: datetime) -> InboundEvent:
    return event("primarycare.handover_accepted", at, source=VC, unit=UNIT, accepted_by=STAFF)


def extension_decided(at: datetime, decision: str = "extend", days: int | None = 7) -> InboundEvent:
    extra: dict[str, Any] = {"extend_days": days} if decision == "extend" else {}
    return event(
        "coordination.extension_decided",
        at,
        decision=decision,
        reason="needs more time",
        decided_by=STAFF,
        **extra,
    )


def discharge_cancelled(at: datetime, episode: str = "ep-1", **extra: Any) -> InboundEvent:
    return event("hospital.discharge_cancelled", at, episode_id=episode, **extra)


def discharge_corrected(at: datetime, discharged_at: datetime, episode: str = "ep-1") -> InboundEvent:
    return event(
        "hospital.discharge_corrected", at, episode_id=episode, discharged_at=discharged_at.isoformat()
    )


def admission_cancelled(at: datetime, episode: str = "ep-1") -> InboundEvent:
    return event("hospital.admission_cancelled", at, episode_id=episode)


def consult_requested(
    at: datetime, urgency: str = "acute", party: str = "lmv", id_: str | None = None
) -> InboundEvent:
    return event(
        "primarycare.consult_requested", at, id_=id_, party=party, requested_by=STAFF, urgency=urgency
    )


def consult_answered(at: datetime, request_id: str | None = None) -> InboundEvent:
    extra = {} if request_id is None else {"request_id": request_id}
    return event("hospital.consult_answered", at, answered_by=STAFF, **extra)


@dataclass
class RecordingPublisher:
    """A fake ``OutboundPublisher`` that keeps what it was asked to publish (NATS is tested elsewhere)."""

    events: list[OutboundEvent] = field(default_factory=list)
    dead_letters: list[tuple[bytes, DeadLetter]] = field(default_factory=list)

    async def publish(self, event: OutboundEvent) -> None:
        self.events.append(event)

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
        self.patients.add(patient)
        pathway_event = PathwayEvent(patient_key=self.key(patient), event=evt)
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


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def days(n: float) -> timedelta:
    return timedelta(days=n)


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


async def published(pathways: Pathways, type_: str, count: int = 1) -> list[OutboundEvent]:
    """Wait (real time, at most 10 s) until ``count`` events of ``type_`` were published."""
    for _ in range(200):
        found = pathways.publisher.of(type_)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} x {type_} never published; published: {pathways.publisher.types()}")
