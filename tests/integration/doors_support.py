"""What the doors' tests and bench share: NATS, Temporal, worker and gateway as processes (bench/soak_parts)
plus `discharge http` and `discharge hl7` as processes on free ports, with `discharge dev`'s development
tokens in the data dir."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.soak_parts import Parts, running_parts, soak_settings
from discharge.bearer import write_dev_tokens
from discharge.settings import Settings
from workers.stack.children import Child, ChildSpec
from workers.stack.parts import app_child_spec
from workers.stack.servers import free_port

START_BLOCK, END_BLOCK = b"\x0b", b"\x1c\x0d"


@dataclass
class Doors:
    parts: Parts
    settings: Settings
    http_url: str
    hl7_port: int
    hl7_ops_url: str
    tokens: dict[str, str]
    children: dict[str, Child]

    def auth(self, system: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[system]}"}


def door_env() -> dict[str, str]:
    return {
        "DISCHARGE_HTTP_ADDRESS": f"127.0.0.1:{free_port()}",
        "DISCHARGE_HL7_ADDRESS": f"127.0.0.1:{free_port()}",
        "DISCHARGE_HL7_HTTP_ADDRESS": f"127.0.0.1:{free_port()}",
        "DISCHARGE_HL7_IDLE_TIMEOUT": "PT3S",
    }


async def wait_ready(url: str, child: Child, timeout: float = 60) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(int(timeout * 10)):
            if child.returncode is not None:
                raise RuntimeError(f"{child.name} exited: {list(child.last_lines)}")
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{url} not ready")


@asynccontextmanager
async def running_doors(directory: Path, **overrides: object) -> AsyncIterator[Doors]:
    settings = soak_settings(directory, **overrides)
    written = write_dev_tokens(settings.discharge_data_dir)
    tokens = {name: path.read_text().strip() for name, path in written.items()}
    env = door_env()
    async with running_parts(directory, settings) as parts:
        children: dict[str, Child] = {}
        try:
            for name in ("http", "hl7"):
                spec = app_child_spec(name, settings, env)
                child = Child(ChildSpec(name, spec.command, env=spec.env, relay=parts._relay))
                await child.start()
                children[name] = child
            http_url = f"http://{env['DISCHARGE_HTTP_ADDRESS']}"
            hl7_ops = f"http://{env['DISCHARGE_HL7_HTTP_ADDRESS']}"
            await wait_ready(f"{http_url}/readyz", children["http"])
            await wait_ready(f"{hl7_ops}/readyz", children["hl7"])
            yield Doors(
                parts,
                settings,
                http_url,
                int(env["DISCHARGE_HL7_ADDRESS"].rpartition(":")[2]),
                hl7_ops,
                tokens,
                children,
            )
        finally:
            for child in children.values():
                await child.stop(grace=10)


async def mllp_send(port: int, *messages: bytes, timeout: float = 10) -> list[bytes]:
    """Each message framed, sent and its ACK read (one connection, one message at a time)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    try:
        for message in messages:
            writer.write(START_BLOCK + message + END_BLOCK)
            await writer.drain()
            block = await asyncio.wait_for(reader.readuntil(END_BLOCK), timeout)
            answers.append(block[1:-2])
    finally:
        writer.close()
    return answers
