"""What ops staff see, on the real Temporal dev server: search attributes, memo, details, no identity."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import Client
from temporalio.converter import PayloadCodec
from temporalio.testing import WorkflowEnvironment

from discharge.views.visibility import quoted
from events.identity import workflow_id_for
from tests.inbound_events import EVENT_VC, PATIENT, admitted, confirmed, discharged, event, hours, risk
from tests.payloads import map_payloads
from tests.workflow.pathway_helpers import Pathways, published, running_worker, until
from workflows.api import PathwayView
from workflows.effects import CLOSED_CHECK_AGE
from workflows.names import (
    SA_EPISODE,
    SA_ESCALATED,
    SA_HOME_TYPE,
    SA_PATIENT_KEY,
    SA_PENDING_TASK,
    SA_PHASE,
    SA_RISK,
    SA_SUPPORT_ENDS_AT,
    SA_TASK_DUE_AT,
    SA_VARDCENTRAL,
)
from workflows.patches import ONE_PATCH_MARKER
from workflows.policy import add_local

# Every way the synthetic identity could be written.
IDENTITY_FORMS = ("190912319803", "19091231-9803", "0912319803", "091231-9803")


def assert_no_identity(text: str, where: str) -> None:
    for form in IDENTITY_FORMS:
        assert form not in text, f"patient identity found in {where}"


async def listed(client: Client, query: str) -> list[str]:
    """Workflow IDs matching a visibility query (visibility is eventually consistent: poll)."""
    ids: list[str] = []
    for _ in range(100):
        ids = [w.id async for w in client.list_workflows(query)]
        if ids:
            return ids
        await asyncio.sleep(0.1)
    return ids


async def readable_history_parts(history: Any, codec: PayloadCodec | None = None) -> str:
    """What the UI shows as text besides payloads: attributes, memo, summaries, failures, ids; decoded with
    ``codec`` as the UI does through the codec server (they are payloads, encrypted like the rest)."""
    parts: list[str] = []
    if codec is not None:

        async def decode(payload: Payload) -> Payload:
            return (await codec.decode([payload]))[0]

        for e in history.events:
            await map_payloads(e, decode)
    for e in history.events:
        parts.append(str(e.user_metadata))
        for name in (
            "upsert_workflow_search_attributes_event_attributes",
            "workflow_properties_modified_event_attributes",
            "workflow_task_failed_event_attributes",
            "activity_task_failed_event_attributes",
            "timer_started_event_attributes",
        ):
            if e.HasField(name):
                parts.append(str(getattr(e, name)))
        if e.HasField("workflow_execution_started_event_attributes"):
            started = e.workflow_execution_started_event_attributes
            parts += [str(started.search_attributes), str(started.memo), started.workflow_id]
        if e.HasField("activity_task_scheduled_event_attributes"):
            parts.append(e.activity_task_scheduled_event_attributes.activity_id)
    return "\n".join(parts)


async def run_high_risk_to_support(env: WorkflowEnvironment, pw: Pathways) -> None:
    t0 = await env.get_current_time()
    await pw.send(admitted(t0 - hours(4), listed_vardcentral=EVENT_VC, home_type="own_home"))
    await pw.send(risk(t0 - hours(3)))
    # Discharged before joint planning was confirmed, and reported late: with a first-contact target
    # of one hour, both escalate at once (deadlines count from clinical time), the first contact once the
    # late-event grace has passed.
    await pw.send(discharged(t0 - hours(2)))
    await until(pw, lambda v: v.phase == "lmv_support" and len(v.escalations) >= 2)
    await published(pw, "escalation_raised", 2)


async def test_search_attributes_memo_and_details_follow_the_pathway_on_a_real_server(
    temporal_env: WorkflowEnvironment, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # Real time passes here: the late-event grace is a second, so the overdue first contact fires soon.
    async with running_worker(
        temporal_env.client, discharge_first_contact_target="PT1H", discharge_late_event_grace="PT1S"
    ) as pw:
        await run_high_risk_to_support(temporal_env, pw)
        view = await pw.view()
        key = pw.key()
        handle = pw.handle()
        assert handle.id == workflow_id_for(key) and key.startswith("pk_")

        description = await handle.describe()
        attributes = description.typed_search_attributes
        assert attributes.get(SA_PHASE) == "lmv_support"
        assert attributes.get(SA_RISK) == "high"
        assert attributes.get(SA_PATIENT_KEY) == key
        assert attributes.get(SA_EPISODE) == "ep-1"
        assert attributes.get(SA_VARDCENTRAL) == EVENT_VC
        assert attributes.get(SA_HOME_TYPE) == "own_home"
        assert attributes.get(SA_SUPPORT_ENDS_AT) == view.support_ends_at
        assert view.discharged_at is not None and view.support_ends_at == add_local(
            view.discharged_at, pw.settings.discharge_support_period
        )
        assert attributes.get(SA_PENDING_TASK) is None and attributes.get(SA_TASK_DUE_AT) is None
        assert attributes.get(SA_ESCALATED) is True

        # Ops find the pathway by the contract's attributes.
        query = f'PatientKey = "{key}" AND DischargePhase = "lmv_support" AND Escalated = true'
        assert await listed(temporal_env.client, query) == [handle.id]

        memo = await description.memo()
        assert "phase" not in memo and memo["patient_key"] == key  # the phase is `DischargePhase`
        assert sorted(memo["escalations"]) == ["discharged_before_planning_complete", "first_contact_overdue"]

        metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        assert "lmv_support" in metadata.current_details and "Escalations" in metadata.current_details

        # No identity anywhere people without a care relationship look.
        history = await handle.fetch_history()
        # A lean history (workflows/patches.py): one patch marker (`one-patch-marker`, the newest umbrella)
        # for every patch in force, so one `TemporalChangeVersion` upsert (each marker costs one: a visibility
        # write); before it the run also asked `kept-deadline-timer`, `fresh-run-key` and
        # `deliveries-in-clinical-order` on their own: four markers, four upserts.
        patch_markers = [
            e.marker_recorded_event_attributes
            for e in history.events
            if e.marker_recorded_event_attributes.marker_name == "core_patch"
        ]
        assert len(patch_markers) == 1 and ONE_PATCH_MARKER.encode() in patch_markers[0].SerializeToString()
        change_versions = [
            e
            for e in history.events
            if "TemporalChangeVersion"
            in e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        ]
        assert len(change_versions) == 1
        # Summaries and memo are payloads: encrypted for anyone without the codec server ...
        assert "publish discharge.escalation_raised" not in await readable_history_parts(history)
        # ... and readable through it (the UI's codec), still without an identity.
        shown = await readable_history_parts(history, temporal_env.client.data_converter.payload_codec)
        assert "publish discharge.escalation_raised" in shown  # the summaries are really there
        assert "first LMV physician contact due" in shown or "extension review opens" in shown
        assert_no_identity(shown, "search attributes, memo, summaries or ids")
        assert_no_identity(metadata.current_details, "current details")
        assert_no_identity(str(memo), "memo")
        assert_no_identity(handle.id, "workflow id")
        log_text = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
        assert "event hospital.patient_discharged applied" in log_text  # the workflow did log
        assert_no_identity(log_text, "logs")
        # ...while the receivers who must act do get it.
        planning = pw.publisher.of("joint_planning_requested")[0]
        assert planning.data["patient"] == {"id": "190912319803"} and PATIENT


def events_applied(count: int) -> Callable[[PathwayView], bool]:
    return lambda view: sum(entry.kind == "event" for entry in view.log) >= count


async def test_the_memo_is_written_only_when_it_changes(pathway_env: WorkflowEnvironment) -> None:
    """Five events, three phases; the memo (no phase since `lean-history`) changes at two of them."""
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        steps = [
            admitted(t0 - hours(5), listed_vardcentral=EVENT_VC),  # memo: opened
            risk(t0 - hours(4)),
            confirmed(t0 - hours(3), "lmv"),
            confirmed(t0 - hours(3), "vardcentral"),
            discharged(t0 - hours(2)),  # memo: enrolled in LMV support
        ]
        for applied, step in enumerate(steps, 1):  # one at a time, as real senders' events come
            await pw.send(step)
            await until(pw, events_applied(applied))
        history = await pw.handle().fetch_history()
        tasks = [e for e in history.events if e.HasField("workflow_task_completed_event_attributes")]
        memo_writes = [
            e for e in history.events if e.HasField("workflow_properties_modified_event_attributes")
        ]
        assert len(tasks) >= len(steps)
        assert len(memo_writes) == 2  # with the phase in the memo: 3


async def test_search_attributes_are_upserted_on_the_time_skipping_server_too(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0, listed_vardcentral=EVENT_VC))
        await pw.send(risk(t0, "standard"))
        await pw.send(discharged(t0 + hours(1)))
        await until(pw, lambda v: v.pending_task == "handover_acceptance")
        fields = (await pw.describe_raw()).workflow_execution_info.search_attributes.indexed_fields
        assert fields["DischargePhase"].data == b'"handover"'
        assert fields["PendingTask"].data == b'"handover_acceptance"'
        assert fields["RiskLevel"].data == b'"standard"'


async def test_an_episode_sent_again_after_its_pathway_closed_opens_nothing(
    temporal_env: WorkflowEnvironment,
) -> None:
    # Past JetStream's duplicate window a hospital system may send a day's events again. The closed
    # episode must not come back as a second pathway (fresh tasks, escalations for a dead patient);
    # only the real server's visibility can tell, so this runs on the dev server.
    async with running_worker(temporal_env.client) as pw:
        t0 = await temporal_env.get_current_time()
        # Sent again past the duplicate window means at least a day after the clinical time.
        await pw.send(admitted(t0 - hours(30)))
        await pw.send(event("hospital.patient_deceased", t0 - hours(29)))
        first = await asyncio.wait_for(pw.handle().result(), 10)
        assert first.outcome == "deceased"
        query = (
            f"WorkflowId = {quoted(pw.handle().id)} AND EpisodeId = {quoted('ep-1')}"
            f" AND ExecutionStatus = {quoted('Completed')}"
        )
        assert await listed(temporal_env.client, query) == [pw.handle().id]

        await pw.send(admitted(t0 - hours(30)))  # the same admission again, under a new event id
        again = await asyncio.wait_for(pw.handle().result(), 10)  # a reopened pathway would wait
        assert again.phase == "closed" and again.outcome == "not_opened"
        assert again.log[-1].kind == "ignored" and "already closed" in again.log[-1].summary
        assert pw.publisher.types().count("pathway_started") == 1

        # A new episode of the same patient opens a pathway as usual.
        await pw.send(admitted(t0, episode="ep-2"))
        opened = await until(pw, lambda v: v.phase == "inpatient")
        assert opened.episode_id == "ep-2"
        assert (await published(pw, "pathway_started", 2))[1].data["episode_id"] == "ep-2"


async def test_a_fresh_opening_event_costs_no_visibility_query(temporal_env: WorkflowEnvironment) -> None:
    # An opening event younger than CLOSED_CHECK_AGE cannot be a re-send past JetStream's duplicate
    # window, so the new run does not ask visibility (the check's cost was one query per new pathway).
    async with running_worker(temporal_env.client) as pw:
        t0 = await temporal_env.get_current_time()
        await pw.send(admitted(t0 - CLOSED_CHECK_AGE + hours(1)))
        await until(pw, lambda v: v.phase == "inpatient")
        history = await pw.handle().fetch_history()
    markers = [
        e.marker_recorded_event_attributes.details["data"].payloads[0].data
        for e in history.events
        if e.HasField("marker_recorded_event_attributes")
        and "data" in e.marker_recorded_event_attributes.details
    ]
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert any(b"load_policy" in marker for marker in markers)  # local activities are markers ...
    assert any(b"publish_outbound" in marker for marker in markers)
    assert not any(b"episode_closed" in marker for marker in markers)  # ... and this one never ran
    assert scheduled == []  # publishing and look-ups run as local activities: no activity round trips
