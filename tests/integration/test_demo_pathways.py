"""The demo shows what it promises the moment it is loaded: each patient's pathway in its phase.

The demo's events go through the real PatientPathway, delivered by signal-with-start as the gateway
delivers them (the gateway's own NATS path is tested elsewhere); default durations, real clock.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from discharge.demo.cast import PATIENTS
from discharge.demo.loader import demo_events, demo_pathways_exist, load_demo, wait_for_open_reviews
from discharge.demo.patients import DemoPatient
from discharge.settings import Settings
from discharge.temporal_client import signal_with_start
from events.identity import resolve_patient, workflow_id_for
from events.inbound.parsing import parse_inbound
from tests.workflow.pathway_helpers import RecordingPublisher
from workers.stack.servers import free_port
from workers.worker import build_worker
from workflows.actor import gateway_for
from workflows.api import PathwayEvent, PathwayView
from workflows.names import QUERY_STATE

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:8]
SECRET = f"demo-test-secret-{RUN}"  # this module's own workflow IDs, whoever else loads the demo
TASK_QUEUE = f"demo-test-{RUN}"
BY_SLUG = {patient.slug: patient for patient in PATIENTS}


def _key(patient: DemoPatient) -> str:
    return resolve_patient(patient.identity, SECRET)


async def _view(client: Client, patient: DemoPatient) -> PathwayView | None:
    try:
        view: PathwayView = await client.get_workflow_handle(workflow_id_for(_key(patient))).query(
            QUERY_STATE, result_type=PathwayView
        )
    except RPCError:
        return None
    return view


async def _until_phase(client: Client, patient: DemoPatient, phase: str) -> PathwayView | None:
    view = None
    for _ in range(100):
        view = await _view(client, patient)
        if view is not None and view.phase == phase:
            break
        await asyncio.sleep(0.1)
    return view


async def _deliver(client: Client, event: dict[str, Any]) -> None:
    identity = str(event["data"]["patient"]["id"])
    key = resolve_patient(identity, SECRET)
    inbound = parse_inbound(json.dumps(event))
    await signal_with_start(
        client, TASK_QUEUE, PathwayEvent(patient_key=key, event=inbound, actor=gateway_for(inbound.type))
    )


@pytest.fixture(scope="module")
async def loaded(temporal_env: WorkflowEnvironment) -> AsyncIterator[tuple[Client, RecordingPublisher]]:
    client = temporal_env.client
    recorder = RecordingPublisher()
    settings = Settings(
        temporal_address=client.service_client.config.target_host,
        temporal_task_queue=TASK_QUEUE,
        discharge_patient_key_secret=SECRET,
        # The demo's story is dated in the past: its deadlines wait until the burst below is in.
        discharge_late_event_grace=timedelta(seconds=5),  # a slow, shared machine: the burst is 14 patients
    )
    events = demo_events(datetime.now(UTC))
    async with build_worker(client, settings, recorder):
        for second_wave, event in events:
            if not second_wave:
                await _deliver(client, event)
        # As `load_demo` does: the decision on a review goes once the pathway shows the review open.
        await wait_for_open_reviews(settings, timedelta(seconds=10))
        extended = await _view(client, BY_SLUG["extended"])
        assert extended is not None and extended.pending_task == "extension_review"
        for second_wave, event in events:
            if second_wave:
                await _deliver(client, event)
        yield client, recorder
        for patient in PATIENTS:
            handle = client.get_workflow_handle(workflow_id_for(_key(patient)))
            try:
                await handle.terminate("test finished")
            except RPCError:
                pass  # already closed (the death)


async def test_every_demo_patient_is_in_the_phase_it_promises(
    loaded: tuple[Client, RecordingPublisher],
) -> None:
    client, _ = loaded
    for patient in PATIENTS:
        view = await _until_phase(client, patient, patient.phase)
        assert view is not None and view.phase == patient.phase, (patient.slug, view and view.phase)


async def test_the_demo_stories_hold(loaded: tuple[Client, RecordingPublisher]) -> None:
    client, recorder = loaded
    views = {}
    for patient in PATIENTS:
        views[patient.slug] = await _until_phase(client, patient, patient.phase)

    review = views["review-due"]
    assert review is not None and review.pending_task == "extension_review"
    assert review.task_due_at is not None and review.task_due_at > datetime.now(UTC)
    # Planning confirmed and first contact made, all reported at once long after: nothing was overdue.
    assert review.escalations == []

    extended = views["extended"]
    assert extended is not None and [e.days for e in extended.extensions] == [7]
    assert extended.escalations == []  # decided at the review, before support would have ended

    overdue = views["handover-overdue"]
    assert overdue is not None and overdue.pending_task == "handover_acceptance"
    assert "handover_not_accepted" in overdue.escalations

    unassessed = views["no-risk-assessment"]
    assert unassessed is not None and "discharged_without_risk_assessment" in unassessed.escalations

    stuck = views["planning-stuck"]
    assert stuck is not None and "planning_not_confirmed" in stuck.escalations

    deceased = views["deceased"]
    assert deceased is not None and deceased.outcome == "deceased"

    readmitted = views["readmitted"]
    assert readmitted is not None and readmitted.episode_id == "HS-DEMO-1009"

    cancelled = views["discharge-cancelled"]
    assert cancelled is not None and cancelled.discharged_at is None and cancelled.support_ends_at is None
    assert any(line.summary.startswith("discharge cancelled") for line in cancelled.log)
    corrected = views["discharge-corrected"]
    assert corrected is not None and corrected.discharged_at is not None
    assert corrected.support_ends_at is not None
    assert (corrected.support_ends_at - corrected.discharged_at).days == 14
    in_error = views["entered-in-error"]
    assert in_error is not None and in_error.outcome == "entered_in_error"
    # The unanswered acute consult is escalated once the burst of past-dated events has settled.
    for _ in range(100):
        consult = await _view(client, BY_SLUG["consult-unanswered"])
        if consult is not None and "consult_not_answered" in consult.escalations:
            break
        await asyncio.sleep(0.1)
    assert consult is not None and "consult_not_answered" in consult.escalations
    for slug, kind in (
        ("discharge-cancelled", "discharge_cancelled"),
        ("discharge-corrected", "support_rescheduled"),
        ("entered-in-error", "pathway_withdrawn"),
        ("consult-unanswered", "consult_requested"),
    ):
        key = _key(BY_SLUG[slug])
        assert kind in {event.type for event in recorder.events if event.data.get("patient_key") == key}

    nursing = _key(BY_SLUG["nursing-home"])
    published = {event.type for event in recorder.events if event.data.get("patient_key") == nursing}
    assert {"home_visit_requested", "reimbursable_visit_recorded"} <= published


async def test_a_demo_already_in_temporal_is_not_sent_again(
    loaded: tuple[Client, RecordingPublisher],
) -> None:
    client, _ = loaded
    address = client.service_client.config.target_host
    dead_nats = f"nats://127.0.0.1:{free_port()}"  # sending anything would fail loudly
    ours = Settings(temporal_address=address, nats_url=dead_nats, discharge_patient_key_secret=SECRET)
    assert await demo_pathways_exist(ours)
    assert await load_demo(ours) == 0
    others = Settings(temporal_address=address, discharge_patient_key_secret=f"another-{RUN}")
    assert not await demo_pathways_exist(others)
