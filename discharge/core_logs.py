"""The Temporal SDK's Rust core logs through our logging, so JSON mode stays JSON.

By default the core writes its own lines to stderr (plain text with ANSI colours), e.g. "gRPC call
retried" warnings while Temporal is unreachable: in a JSON log those lines break every reader. The
SDK can forward them to a Python logger instead (``LogForwardingConfig``); the root handler that
`configure_logging` installs then renders them like any library's line. The runtime must be the
default before the first Temporal client is created, so this runs as part of `configure_logging`.
"""

from __future__ import annotations

import logging

from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

#: The stdlib logger the core's lines arrive on (the SDK appends ``-sdk_core::<target>``).
CORE_LOGGER = "temporalio.core"

_installed = False


def core_logging() -> LoggingConfig:
    """The core's logging for any runtime we create: forwarded to `CORE_LOGGER`, at the SDK's default
    levels (the core's warnings such as retries and poll failures, other crates' errors)."""
    return LoggingConfig(
        filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
        forwarding=LogForwardingConfig(logger=logging.getLogger(CORE_LOGGER)),
    )


def route_core_logs() -> None:
    """Install (once per process) a default Temporal runtime whose core logs go to `CORE_LOGGER`.

    A runtime made elsewhere (the worker's and the gateway's, which also export metrics:
    discharge/ops/sdk.py) must use `core_logging()` itself."""
    global _installed
    if _installed:
        return
    # A client created before this (a test session's servers) keeps its runtime; later ones use ours.
    Runtime.set_default(
        Runtime(telemetry=TelemetryConfig(logging=core_logging())), error_if_already_set=False
    )
    _installed = True
