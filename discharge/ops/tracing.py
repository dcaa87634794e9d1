"""OpenTelemetry traces from an inbound event to the outbound events it causes.

One trace follows an event: the gateway's consume span (FastStream's NATS telemetry middleware, which
continues a ``traceparent`` the sender put in the NATS headers), Temporal's signal-with-start and, on
the worker, the workflow and its activities (Temporal's ``TracingInterceptor``, context carried in
Temporal headers), and the outbound publish, whose context travels on in the outbound message's NATS
headers for the receiver to continue.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (then exported over OTLP/HTTP, batched). Span names and
attributes never carry an identity: names are operation and event type; Temporal's spans carry the
workflow ID, which holds only the pseudonymous ``patient_key``.
"""

from __future__ import annotations

from collections.abc import MutableMapping, Sequence
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from temporalio.client import Interceptor

INSTRUMENTATION = "discharge"


def tracer_provider(service: str, processor: SpanProcessor) -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": f"discharge-{service}"}))
    provider.add_span_processor(processor)
    return provider


def configure_tracing(service: str, otlp_endpoint: str | None) -> TracerProvider | None:
    """The process's tracer provider (also made the global one), or None when tracing is off."""
    if not otlp_endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    exporter = OTLPSpanExporter(endpoint=f"{otlp_endpoint.rstrip('/')}/v1/traces")
    provider = tracer_provider(service, BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return provider


def temporal_interceptors(provider: TracerProvider | None) -> list[Interceptor]:
    """Client (and so worker) interceptors: Temporal's tracing when a provider is set."""
    if provider is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(provider.get_tracer(INSTRUMENTATION))]


def broker_middlewares(provider: TracerProvider | None) -> Sequence[Any]:
    """FastStream middlewares of the gateway's broker: NATS telemetry when a provider is set."""
    if provider is None:
        return ()
    from faststream.nats.opentelemetry import NatsTelemetryMiddleware

    return (NatsTelemetryMiddleware(tracer_provider=provider),)


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """The current trace context into outgoing NATS headers (``traceparent``); a no-op without a span."""
    propagate.inject(headers)
    return headers
