"""One trace from a sender's event to the outbound event it causes, through the real gateway and worker.

A sender publishes an admission with a ``traceparent`` header; the gateway (FastStream's NATS telemetry
middleware), Temporal (``TracingInterceptor`` on the client and so the worker) and the outbound publish
continue it, and the outbound message carries it on. Spans go to an in-memory exporter.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats
from discharge.ops.tracing import broker_middlewares, inject, temporal_interceptors
from discharge.settings import Settings
from events.examples import PERSONNUMMER, example_event
from events.streams import OUTBOUND_STREAM, ensure_streams, inbound_msg_id
from tests.integration.gateway_support import gateway_settings, wait_for
from tests.servers import NatsProcess, start_nats
from workers.gateway.consumer import build_gateway
from workers.gateway.service import temporal_delivery
from workers.worker import build_worker

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsProcess]:
    server = await start_nats(tmp_path)
    yield server
    await server.stop()


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    """The process's tracer provider (set once: OpenTelemetry allows one) exporting to memory."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


async def test_one_trace_follows_an_admission_from_the_sender_to_the_outbound_event(
    own_nats: NatsProcess, temporal_env: WorkflowEnvironment, spans: InMemorySpanExporter
) -> None:
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    settings: Settings = gateway_settings(own_nats.url)
    config = temporal_env.client.config()
    config["interceptors"] = temporal_interceptors(provider)
    client = Client(**config)
    nats = await connect_nats(settings, name="trace-test", retry_forever=False)
    js = nats.jetstream()
    await ensure_streams(js)
    _, gateway = build_gateway(
        settings,
        temporal_delivery(client, settings.temporal_task_queue),
        middlewares=broker_middlewares(provider),
    )
    sender = provider.get_tracer("hospital")
    event = example_event("hospital.patient_admitted", event_id=f"trace-{uuid.uuid4()}")
    try:
        async with build_worker(client, settings, JetStreamPublisher(js)):
            await gateway.start()
            with sender.start_as_current_span("hospital sends an admission") as root:
                headers = {"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])}
                inject(headers)  # the sender's trace context, as `traceparent`
                await js.publish(
                    "events.hospital.patient_admitted", json.dumps(event).encode(), headers=headers
                )
            trace_id = root.get_span_context().trace_id

            async def published() -> bool:
                return (await js.stream_info(OUTBOUND_STREAM)).state.messages >= 1

            await wait_for(published, timeout=30)
            outbound = await js.get_msg(OUTBOUND_STREAM, 1)
            await gateway.stop()
    finally:
        await nats.drain()

    # The receiver of the outbound event can continue the same trace.
    assert f"{trace_id:032x}" in (outbound.headers or {})["traceparent"]
    in_trace = [span for span in spans.get_finished_spans() if span.context.trace_id == trace_id]
    names = {span.name for span in in_trace}
    assert "events.hospital.patient_admitted process" in names  # the gateway (FastStream)
    assert "SignalWithStartWorkflow:PatientPathway" in names  # the signal (Temporal client)
    assert "RunWorkflow:PatientPathway" in names  # the workflow
    assert any(name.startswith("RunActivity:publish_outbound") for name in names)  # its activity
    assert "publish discharge.pathway_started" in names  # the outbound event
    digits = PERSONNUMMER.replace("-", "")
    for span in in_trace:
        text = span.name + json.dumps({k: str(v) for k, v in (span.attributes or {}).items()})
        assert digits not in text.replace("-", "") and digits[2:] not in text.replace("-", "")
