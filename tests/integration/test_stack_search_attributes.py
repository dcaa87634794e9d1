"""The production registration of the search attributes, as docs/operations.md prints it, really works."""

from __future__ import annotations

import asyncio
import shlex
from pathlib import Path

import pytest

from discharge.settings import Settings
from workers.stack.health import connect_when_ready
from workers.stack.servers import binary, free_port, search_attribute_create_command
from workflows.names import SEARCH_ATTRIBUTES

pytestmark = pytest.mark.integration

OPERATIONS = Path(__file__).parents[2] / "docs" / "operations.md"


def test_the_operations_guide_prints_the_generated_commands() -> None:
    guide = OPERATIONS.read_text().replace(" \\\n  ", " ")  # join the shell's continued lines
    assert search_attribute_create_command() in guide


async def run(*command: str) -> str:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_the_commands_register_every_attribute_on_a_bare_server() -> None:
    port = free_port()
    temporal = str(binary("temporal"))
    server = await asyncio.create_subprocess_exec(
        *[temporal, "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port), "--headless"],
        *["--log-level", "error"],
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        # Serving, not merely listening (the frontend is "not healthy yet" for a moment after it binds).
        await connect_when_ready(Settings(temporal_address=f"127.0.0.1:{port}"), timeout=30)
        address = ["--address", f"127.0.0.1:{port}"]
        before = await run(temporal, "operator", "search-attribute", "list", *address)
        assert "DischargePhase" not in before
        words = shlex.split(search_attribute_create_command(namespace="default"))
        await run(str(binary(words[0])), *words[1:], *address)
        listed = await run(temporal, "operator", "search-attribute", "list", *address)
    finally:
        server.terminate()
        await server.wait()
    rows = {tuple(line.split()) for line in listed.splitlines()}
    for key in SEARCH_ATTRIBUTES:
        expected_type = key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_").title()
        assert (key.name, expected_type) in rows
