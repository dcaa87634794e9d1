"""Acknowledging an escalation through the `acknowledge_escalation` update, on the time-skipping server."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.inbound_events import STAFF, admitted, discharged, hours
from tests.workflow.pathway_helpers import WEB_ACTOR, Pathways, running_worker, until
from workflows.api import AcknowledgementRecord
from workflows.names import QUERY_IDENTITY, UPDATE_ACKNOWLEDGE
from workflows.patches import ONE_PATCH_MARKER


async def refusal_of(pw: Pathways, acknowledgement: dict[str, Any]) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await pw.handle().execute_update(
            UPDATE_ACKNOWLEDGE, acknowledgement, result_type=AcknowledgementRecord
        )
    cause = raised.value.cause
    return str(cause.message if hasattr(cause, "message") else cause)


async def test_an_escalation_is_acknowledged_once_by_a_named_person_and_kept_in_the_pathway(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        ack = {
            "escalation": 0,
            "note": "calling the ward",
            "acknowledged_by": STAFF,
            "name": "Karin",
            "actor": WEB_ACTOR.model_dump(),
        }
        await pw.send(admitted(t0))
        await until(pw, lambda v: v.phase == "inpatient")
        assert "no escalation" in await refusal_of(pw, ack)

        # Discharged without a risk assessment: an escalation at once.
        await pw.send(discharged(t0 + hours(1)))
        await until(pw, lambda v: "discharged_without_risk_assessment" in v.escalations)
        assert "note" in await refusal_of(pw, {**ack, "note": ""})
        assert "acknowledged_by" in await refusal_of(pw, {**ack, "acknowledged_by": "not-an-hsa-id"})
        assert "no escalation number 5" in await refusal_of(pw, {**ack, "escalation": 5})
        assert (await pw.view()).acknowledgements == []

        record = await pw.handle().execute_update(UPDATE_ACKNOWLEDGE, ack, result_type=AcknowledgementRecord)
        assert record.reason == "discharged_without_risk_assessment"
        assert record.acknowledged_by == STAFF and record.note == "calling the ward"
        assert "already acknowledged by " + STAFF in await refusal_of(pw, {**ack, "note": "me too"})

        view = await pw.view()
        assert [a.escalation for a in view.acknowledgements] == [0]
        assert view.log[-1].kind == "acknowledged" and view.log[-1].actor == STAFF
        # The run's one patch marker is in the history (it implies the acknowledgements' patch,
        # workflows/patches.py): later changes to acknowledgements can tell these runs apart.
        history = await pw.handle().fetch_history()
        markers = [
            e.marker_recorded_event_attributes
            for e in history.events
            if e.HasField("marker_recorded_event_attributes")
        ]
        assert any(ONE_PATCH_MARKER.encode() in m.SerializeToString() for m in markers)


async def test_the_identity_query_answers_with_the_patients_identity(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        event = admitted(t0)
        await pw.send(event)
        await until(pw, lambda v: v.phase == "inpatient")
        identity = await pw.handle().query(QUERY_IDENTITY, result_type=str)
        assert identity == event.data.patient.id
        view = await pw.view()
        # Clinical time: the event's own `time`, not when the workflow applied it.
        opened = next(entry for entry in view.log if entry.kind == "event")
        assert opened.occurred_at == event.time
