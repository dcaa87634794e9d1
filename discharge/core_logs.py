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


def route_core_logs() -> None:
    """Install (once per process) a default Temporal runtime whose core logs go to `CORE_LOGGER`."""
    global _installed
    if _installed:
        return
    forwarding = LogForwardingConfig(logger=logging.getLogger(CORE_LOGGER))
    telemetry = TelemetryConfig(
        # The SDK's own default levels: the core's warnings (retries, poll failures), others' errors.
        logging=LoggingConfig(
            filter=TelemetryFilter(core_level="WARN", other_level="ERROR"), forwarding=forwarding
        )
    )
    # A client created before this (a test session's servers) keeps its runtime; later ones use ours.
    Runtime.set_default(Runtime(telemetry=telemetry), error_if_already_set=False)
    _installed = True
