"""One long-running process's telemetry: the SDK runtime with its metrics, tracing, the ops endpoints."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from opentelemetry.sdk.trace import TracerProvider
from temporalio.client import Interceptor
from temporalio.runtime import Runtime

from discharge.ops.http import OpsServer, ReadinessCheck, ops_endpoints
from discharge.ops.sdk import metrics_runtime
from discharge.ops.tracing import broker_middlewares, configure_tracing, temporal_interceptors
from discharge.settings import Settings


@dataclass
class ProcessTelemetry:
    runtime: Runtime
    sdk_metrics_url: str
    provider: TracerProvider | None = None
    interceptors: list[Interceptor] = field(default_factory=list)

    @classmethod
    def create(cls, service: str, settings: Settings) -> ProcessTelemetry:
        runtime, url = metrics_runtime()
        provider = configure_tracing(service, settings.otel_exporter_otlp_endpoint)
        return cls(runtime, url, provider, temporal_interceptors(provider))

    def broker_middlewares(self) -> tuple[object, ...]:
        return tuple(broker_middlewares(self.provider))

    @asynccontextmanager
    async def serving(self, address: str, checks: Mapping[str, ReadinessCheck]) -> AsyncIterator[OpsServer]:
        """The ops endpoints on ``address`` while the body runs; traces flushed at the end."""
        try:
            async with ops_endpoints(address, checks, sdk_metrics_url=self.sdk_metrics_url) as server:
                yield server
        finally:
            if self.provider is not None:
                self.provider.shutdown()
