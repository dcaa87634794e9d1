"""Temporal access without the key ring can neither write nor read a pathway's data (issue 28, item 2).

The review's probe: a plaintext update (no ring, no sign-in) recorded an acknowledgement under a
coordinator's HSA-id. Here the worker runs with the product's encrypting converter; a client with Temporal
access alone sends the same update and signal in plaintext: both are refused, the pathway goes on.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from discharge.codec import ENCODING, WORKFLOW_ID, encrypted_data_converter
from discharge.keyring import read_ring
from discharge.temporal_client import signal_with_start
from tests.inbound_events import STAFF, admitted, discharged, hours
from tests.payloads import map_payloads
from tests.workflow.pathway_helpers import WEB_ACTOR, running_worker, until
from workflows.actor import gateway_for
from workflows.api import AcknowledgementRecord, PathwayEvent
from workflows.names import QUERY_IDENTITY, UPDATE_ACKNOWLEDGE

OTHER = "SE2321000131-E000000000999"
ACK = {
    "escalation": 0,
    "note": "I have this one",
    "acknowledged_by": STAFF,
    "name": "Karin",
    "actor": WEB_ACTOR.model_dump(),
}


def _with_converter(client: Client, converter: object) -> Client:
    return Client(**{**client.config(), "data_converter": converter})  # type: ignore[arg-type]


async def test_a_plaintext_update_and_signal_are_refused_and_the_pathway_goes_on(
    pathway_env: WorkflowEnvironment,
) -> None:
    ring = read_ring(Path(os.environ["DISCHARGE_PAYLOAD_KEYS_FILE"]))
    ringed = _with_converter(pathway_env.client, encrypted_data_converter(ring))
    without_ring = _with_converter(pathway_env.client, dataclasses.replace(pydantic_data_converter))
    async with running_worker(ringed) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(discharged(t0 + hours(1)))
        await until(pw, lambda v: "discharged_without_risk_assessment" in v.escalations)

        plain = without_ring.get_workflow_handle(pw.handle().id)
        with pytest.raises(WorkflowUpdateFailedError):
            await plain.execute_update(UPDATE_ACKNOWLEDGE, ACK, result_type=AcknowledgementRecord)
        # A plaintext event for the same pathway is dropped, not applied.
        forged = admitted(t0 + hours(2), episode="forged")
        stray = PathwayEvent(patient_key=pw.key(), event=forged, actor=gateway_for(forged.type))
        await signal_with_start(without_ring, pw.settings.temporal_task_queue, stray)
        # Nor can it read: the query's answer is sealed with the ring.
        with pytest.raises(KeyError, match="binary/encrypted"):
            await plain.query(QUERY_IDENTITY, result_type=str)

        # With the ring but without saying who sends it, or sent as a process that may not: refused too.
        for actor in (None, {"process": "cli", "person": STAFF}, {"process": "web", "person": OTHER}):
            with pytest.raises(WorkflowUpdateFailedError):
                await pw.handle().execute_update(
                    UPDATE_ACKNOWLEDGE, {**ACK, "actor": actor}, result_type=AcknowledgementRecord
                )
        assert (await pw.view()).acknowledgements == []

        # The same acknowledgement with the ring goes through: the refusal above was the ring's absence.
        record = await pw.handle().execute_update(UPDATE_ACKNOWLEDGE, ACK, result_type=AcknowledgementRecord)
        assert record.acknowledged_by == STAFF
        view = await pw.view()
        assert [a.escalation for a in view.acknowledgements] == [0]
        assert "forged" not in view.model_dump_json()  # the plaintext event, sent before, was dropped

        # Everything the worker and the ringed client wrote is sealed for this pathway (discharge/codec.py):
        # what the codec server attributes a decode by.
        named: list[bytes | None] = []

        async def note(payload: Payload) -> Payload:
            if payload.metadata.get("encoding") == ENCODING:
                named.append(payload.metadata.get(WORKFLOW_ID))
            return payload

        for event in (await pw.handle().fetch_history()).events:
            await map_payloads(event, note)
        assert len(named) > 10 and set(named) == {pw.handle().id.encode()}
