"""Starting and stopping real servers from tests (for tests that must kill one mid-stream)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from workers.stack.nats_auth import STORE_KEY_ENV, authorization_block, ensure_logins, ensure_store_key
from workers.stack.servers import free_port, nats_command, nats_config, wait_for_tcp


@dataclass
class NatsProcess:
    process: asyncio.subprocess.Process
    port: int
    store_dir: Path
    config_file: Path
    env: dict[str, str] | None = None  # the JetStream store key of a secured server

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()

    async def restart(self) -> None:
        """Stop and start again on the same port and store: JetStream state survives."""
        await self.stop()
        self.process = await _spawn(self.config_file, self.env)
        await wait_for_tcp("127.0.0.1", self.port)


async def _spawn(config_file: Path, env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *nats_command(config_file),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=env,
    )


async def start_nats(directory: Path, port: int | None = None, *, secured: bool = False) -> NatsProcess:
    """A nats-server as tests need it; ``secured`` is the embedded stack's: its users (seeds in
    ``directory/keys/nats``) and an encrypted store, exactly as `discharge dev` configures them."""
    port = port or free_port()
    store_dir = directory / "jetstream"
    config_file = directory / "nats.conf"
    env = None
    if secured:
        conf = nats_config(
            "127.0.0.1",
            port,
            store_dir,
            authorization=authorization_block(ensure_logins(directory)),
            store_key_env=STORE_KEY_ENV,
        )
        env = {**os.environ, STORE_KEY_ENV: ensure_store_key(directory)}
    else:
        conf = nats_config("127.0.0.1", port, store_dir)
    config_file.write_text(conf)
    process = await _spawn(config_file, env)
    await wait_for_tcp("127.0.0.1", port)
    return NatsProcess(process, port, store_dir, config_file, env)
