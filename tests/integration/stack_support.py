"""What the embedded-stack tests share: free ports for a whole stack, its settings, and process checks."""

from __future__ import annotations

import os
from pathlib import Path

from discharge.settings import Settings, load_settings
from workers.stack.preflight import EXTERNAL_ONLY
from workers.stack.servers import free_port, nats_monitoring_port, port_is_free

#: The worker's, gateway's, delivery's and read model's ops endpoints on any free port (the defaults
#: 9101-9103 and 9106 are shared by everyone on the machine).
OPS_ADDRESSES = {
    "discharge_worker_http_address": "127.0.0.1:0",
    "discharge_gateway_http_address": "127.0.0.1:0",
    "discharge_delivery_http_address": "127.0.0.1:0",
    "discharge_readmodel_http_address": "127.0.0.1:0",
}


def stack_ports() -> tuple[int, int]:
    """A Temporal port whose UI (+1000) and codec server (+1001) ports are free too, and a NATS port whose
    monitoring port is free."""
    while True:
        temporal, nats = free_port(), free_port()
        if (
            temporal + 1001 < 65536
            and all(port_is_free("127.0.0.1", temporal + n) for n in (1000, 1001))
            and port_is_free("127.0.0.1", nats_monitoring_port(nats))
        ):
            return temporal, nats


def stack_settings(data_dir: Path, **overrides: object) -> Settings:
    temporal, nats = stack_ports()
    # A developer's shell may hold production connection options: the embedded servers take none.
    defaults: dict[str, object] = dict.fromkeys(EXTERNAL_ONLY)
    return load_settings(
        temporal_address=f"127.0.0.1:{temporal}",
        nats_url=f"nats://127.0.0.1:{nats}",
        discharge_data_dir=str(data_dir),
        temporal_task_queue="supervisor-test",
        **(defaults | OPS_ADDRESSES | overrides),
    )


def stack_ports_free(settings: Settings) -> bool:
    return all(
        port_is_free("127.0.0.1", port)
        for port in (settings.temporal_port, settings.temporal_ui_port, settings.nats_port)
    )


def process_gone(pid: int) -> bool:
    """No such process, or only its exit status left for its (new) parent to collect."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"
