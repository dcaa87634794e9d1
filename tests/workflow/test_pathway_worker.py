"""`run_worker` against the real servers: events in by signal, CloudEvents out on NATS JetStream."""

from __future__ import annotations

import asyncio
import json
import os
import signal

import nats
import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import UnsandboxedWorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from events.streams import OUTBOUND_STREAM, ensure_streams
from tests.inbound_events import PATIENT, admitted, risk
from tests.servers import NatsProcess
from tests.workflow.pathway_helpers import Pathways, RecordingPublisher, settings_for
from workers.worker import build_worker, run_worker

pytestmark = pytest.mark.integration


async def test_worker_publishes_the_pathways_cloudevents_on_jetstream(
    temporal_env: WorkflowEnvironment, nats_server: NatsProcess
) -> None:
    settings = settings_for(
        temporal_address=temporal_env.client.service_client.config.target_host, nats_url=nats_server.url
    )
    pathways = Pathways(temporal_env.client, settings, RecordingPublisher())
    worker = asyncio.create_task(run_worker(settings))
    nc = await nats.connect(nats_server.url)
    try:
        t0 = await temporal_env.get_current_time()
        for evt in (admitted(t0), risk(t0)):
            await pathways.send(evt)  # as the gateway does: signal-with-start
        js = nc.jetstream()
        await ensure_streams(js)  # the worker creates them too; whoever comes first
        subscription = await js.subscribe("discharge.joint_planning_requested", stream=OUTBOUND_STREAM)
        found = None
        for _ in range(50):  # other tests' pathways publish on the same stream: find ours
            message = await subscription.next_msg(timeout=10)
            cloudevent = json.loads(message.data)
            if cloudevent["data"]["patient_key"] == pathways.key():
                found = (message, cloudevent)
                break
        assert found is not None
        message, cloudevent = found
        assert cloudevent["type"] == "discharge.joint_planning_requested"
        assert cloudevent["source"] == "urn:discharge-orchestrator"
        assert message.headers is not None and message.headers["Nats-Msg-Id"] == cloudevent["id"]
        assert cloudevent["data"]["patient"] == {"id": "190912319803"} and PATIENT
        assert not worker.done()
        await pathways.terminate_open()
        # SIGTERM (what `docker stop` / systemd send) stops it cleanly: it returns, no error.
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # run_worker's handler is in
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(worker, timeout=30)
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # and removed again
    finally:
        await nc.close()
        if not worker.done():
            worker.cancel()
            with pytest.raises(asyncio.CancelledError):
                await worker


async def test_the_worker_keeps_as_many_pathways_in_memory_as_configured(
    pathway_env: WorkflowEnvironment,
) -> None:
    default = build_worker(pathway_env.client, settings_for(), RecordingPublisher())
    sized = build_worker(
        pathway_env.client, settings_for(discharge_worker_cached_pathways=7000), RecordingPublisher()
    )
    async with default, sized:  # started and stopped, as a worker is (an idle built one lingers)
        assert default.config().get("max_cached_workflows") == 1000  # the SDK's own default, kept
        assert sized.config().get("max_cached_workflows") == 7000


async def test_the_worker_runs_the_pathway_in_the_sandbox_only_when_asked(
    pathway_env: WorkflowEnvironment,
) -> None:
    product = build_worker(
        pathway_env.client, settings_for(discharge_worker_sandbox=False), RecordingPublisher()
    )
    guarded = build_worker(pathway_env.client, settings_for(), RecordingPublisher())  # as every test
    async with product, guarded:
        assert isinstance(product.config().get("workflow_runner"), UnsandboxedWorkflowRunner)
        assert isinstance(guarded.config().get("workflow_runner"), SandboxedWorkflowRunner)
