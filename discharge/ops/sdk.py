"""The Temporal SDK's own metrics (workflow task latency, sticky cache, poll results, ...).

The SDK's Rust core serves them in Prometheus text on an address of its own; we bind that to a free
loopback port and ``/metrics`` of the worker or gateway includes its text, so ops scrape one address
per process. The runtime must exist before the first client connects (clients take it as argument).
"""

from __future__ import annotations

import socket

from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from discharge.core_logs import core_logging


def metrics_runtime() -> tuple[Runtime, str]:
    """A runtime exporting the SDK metrics, and the loopback URL that serves them."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    runtime = Runtime(
        telemetry=TelemetryConfig(
            # The core's own log lines through our logging (JSON stays JSON), as in every runtime we make.
            logging=core_logging(),
            metrics=PrometheusConfig(bind_address=address, counters_total_suffix=True, unit_suffix=True),
        )
    )
    return runtime, f"http://{address}/metrics"
