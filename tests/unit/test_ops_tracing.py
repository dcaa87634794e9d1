"""Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set; when on, Temporal and FastStream get it."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from temporalio.contrib.opentelemetry import TracingInterceptor

from discharge.ops.tracing import broker_middlewares, configure_tracing, inject, temporal_interceptors


def test_no_endpoint_no_tracing() -> None:
    assert configure_tracing("worker", None) is None
    assert temporal_interceptors(None) == [] and tuple(broker_middlewares(None)) == ()
    assert inject({}) == {}  # no span, no header


def test_a_provider_reaches_temporal_and_the_broker() -> None:
    provider = TracerProvider()  # not the global one: the end-to-end test owns that
    (interceptor,) = temporal_interceptors(provider)
    assert isinstance(interceptor, TracingInterceptor)
    assert len(tuple(broker_middlewares(provider))) == 1
