"""The Temporal SDK's Rust core logs through our logging: in JSON mode its lines are JSON too."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap

# A client whose Temporal goes away: the core retries and warns on its own, as it does for the gateway
# and the worker during a Temporal outage.
SCRIPT = textwrap.dedent(
    """
    import asyncio, subprocess, sys
    from datetime import timedelta
    from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
    from temporalio.client import Client
    from discharge.logging import configure_logging
    from workers.stack.servers import free_port, temporal_dev_command

    async def main() -> None:
        configure_logging("gateway", "json")
        port = free_port()
        server = subprocess.Popen(
            temporal_dev_command("127.0.0.1", port, None, None),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(300):
            try:
                client = await Client.connect(f"127.0.0.1:{port}")
                break
            except RuntimeError:
                await asyncio.sleep(0.1)
        server.kill()
        server.wait()
        try:
            await client.workflow_service.get_system_info(
                GetSystemInfoRequest(), retry=True, timeout=timedelta(seconds=4)
            )
        except Exception:
            pass
        await asyncio.sleep(0.5)  # the core buffers forwarded lines briefly

    asyncio.run(main())
    """
)


async def test_temporal_core_warnings_are_json_lines_without_colour_codes() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SCRIPT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    lines = [line for line in output.decode().splitlines() if line.strip()]
    assert lines, "the core said nothing: the test would prove nothing"
    parsed = [json.loads(line) for line in lines]  # every line is JSON
    assert "\x1b[" not in output.decode()
    core = [line for line in parsed if str(line.get("logger", "")).startswith("temporalio.core")]
    assert core and all(line["component"] == "gateway" for line in core)
    assert any("retried" in str(line["event"]) for line in core)
