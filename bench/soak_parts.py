"""The soak's processes: NATS, Temporal, the worker and the gateway as children to kill and restart,
their settings, the publisher that keeps trying while NATS is down, and a Temporal client that waits."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from nats.js import JetStreamContext
from temporalio.client import Client

from discharge.keyring import ensure_dev_ring
from discharge.settings import Settings
from discharge.temporal_client import connect_temporal
from events.streams import inbound_msg_id
from workers.stack.children import Child, ChildSpec
from workers.stack.parts import app_child_spec
from workers.stack.servers import free_port, nats_command, nats_config, temporal_dev_command, wait_for_tcp


@dataclass
class Parts:
    """NATS, Temporal, the worker and the gateway as child processes that can be killed and restarted."""

    directory: Path
    settings: Settings
    children: dict[str, Child] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)
    kills: Counter[str] = field(default_factory=Counter)
    pauses: Counter[str] = field(default_factory=Counter)

    def _relay(self, name: str, line: str) -> None:
        self.lines.setdefault(name, []).append(line)

    def _spec(self, name: str) -> ChildSpec:
        s = self.settings
        if name == "nats":
            config = self.directory / "nats.conf"
            port = int(s.nats_url.rsplit(":", 1)[1])
            config.write_text(nats_config("127.0.0.1", port, self.directory / "jetstream"))
            return ChildSpec(name, nats_command(config), relay=self._relay)
        if name == "temporal":
            port = int(s.temporal_address.rsplit(":", 1)[1])
            db = self.directory / "temporal.sqlite"
            return ChildSpec(name, temporal_dev_command("127.0.0.1", port, None, db), relay=self._relay)
        spec = app_child_spec(name, s)
        return ChildSpec(name, spec.command, env=spec.env, relay=self._relay)

    async def start(self, name: str) -> None:
        child = self.children.setdefault(name, Child(self._spec(name)))
        await child.start()
        if name in ("nats", "temporal"):
            address = self.settings.nats_url if name == "nats" else self.settings.temporal_address
            host, port = address.removeprefix("nats://").rsplit(":", 1)
            await wait_for_tcp(host, int(port), timeout=60)
        if name == "temporal":
            # Until it answers a client, not only its port: a worker restarted next, while a killed Temporal
            # still opens its database, failed its first connection and exited for good (the worker does
            # not retry that connection), and the run then waited for pathways nobody worked on.
            await self._until_temporal_answers(child)

    async def _until_temporal_answers(self, child: Child) -> None:
        """A dev server that exits while it starts (once in CI, "Temporal did not come back": its port open
        a moment, then no answer for a minute) is started again, at most twice; the error names its last
        lines."""
        for attempt in range(3):
            try:
                await connect(self.settings, child)
                return
            except (ChildExited, TimeoutError) as error:
                last = "\n".join(self.lines.get("temporal", [])[-10:])
                if attempt == 2 or not isinstance(error, ChildExited):
                    raise TimeoutError(f"{error}; Temporal's last lines:\n{last}") from None
            await child.start()

    async def kill(self, name: str) -> None:
        """SIGKILL (no goodbye), wait for the process to be gone."""
        await self.children[name].kill()
        self.kills[name] += 1

    def exited(self) -> dict[str, str]:
        """Parts whose process has ended (after the kill schedule every killed part was started again, so
        these ended on their own): name → exit code and last line."""
        return {
            name: f"exit {child.returncode}: {child.last_lines[-1][:200] if child.last_lines else ''}"
            for name, child in self.children.items()
            if child.returncode is not None
        }

    async def pause(self, name: str, seconds: float) -> None:
        """SIGSTOP, wait, SIGCONT: a process that hangs (a long GC, a stalled disk) without dying."""
        process = self.children[name].process
        assert process is not None
        process.send_signal(signal.SIGSTOP)
        try:
            await asyncio.sleep(seconds)
        finally:
            process.send_signal(signal.SIGCONT)
        self.pauses[name] += 1

    async def stop_all(self) -> None:
        for name in ("delivery", "gateway", "worker", "temporal", "nats"):
            if name in self.children:
                await self.children[name].stop(grace=10)

    def non_json_lines(self, parts: tuple[str, ...] = ("worker", "gateway")) -> list[str]:
        bad = []
        for name in parts:
            for line in self.lines.get(name, []):
                try:
                    json.loads(line)
                except ValueError:
                    bad.append(f"{name}: {line[:200]}")
        return bad


def soak_settings(directory: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "nats_url": f"nats://127.0.0.1:{free_port()}",
        "temporal_address": f"127.0.0.1:{free_port()}",
        "temporal_task_queue": f"soak-{uuid.uuid4().hex[:8]}",
        "discharge_patient_key_secret": f"soak-{uuid.uuid4()}",
        "discharge_data_dir": directory / "data",
        "discharge_log_format": "json",
        "discharge_worker_http_address": f"127.0.0.1:{free_port()}",
        "discharge_gateway_http_address": f"127.0.0.1:{free_port()}",
        # Its own port too: at the default (9103) it clashed with another stack on the machine, and the
        # fan-out exited at its first start.
        "discharge_delivery_http_address": f"127.0.0.1:{free_port()}",
        "discharge_readmodel_http_address": f"127.0.0.1:{free_port()}",
        # Compressed: a pathway closes this long after its discharge.
        "discharge_readmission_window": timedelta(seconds=60),
        # Compressed too (production: PT1M). No reorder window: a killed gateway's unacked events come
        # back after JetStream's ack wait (30 s), behind later ones, and the pathway's ledger puts them
        # back in clinical order by itself (workflows/rules/ledger.py).
        "discharge_late_event_grace": timedelta(seconds=2),
        # The LMV unit that receives LMV's deliveries (the demo's).
        "discharge_lmv_unit": "SE2321000131-E000000000200",
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running_parts(directory: Path, settings: Settings) -> AsyncIterator[Parts]:
    parts = Parts(directory, settings)
    # The parts run with DISCHARGE_DEVELOPMENT: they share the development payload key ring made here.
    ensure_dev_ring(settings.discharge_data_dir)
    try:
        for name in ("nats", "temporal", "worker", "gateway", "delivery"):
            await parts.start(name)
        yield parts
    finally:
        await parts.stop_all()


async def publish_all(
    js_factory: Callable[[], JetStreamContext],
    events: list[dict[str, Any]],
    acked_at: dict[str, datetime] | None = None,
    gap: float = 0.0,
) -> list[str]:
    """Publish each event until JetStream acks it (NATS may be down meanwhile), ``gap`` seconds apart; the
    acked event ids (and, into ``acked_at``, when each was acked)."""
    acked: list[str] = []
    for event in events:
        if gap and acked:
            await asyncio.sleep(gap)
        body = json.dumps(event).encode()
        headers = {"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])}
        while True:
            try:
                await js_factory().publish(f"events.{event['type']}", body, headers=headers, timeout=2)
                acked.append(event["id"])
                if acked_at is not None:
                    acked_at[event["id"]] = datetime.now(UTC)
                break
            except Exception:
                await asyncio.sleep(0.5)
    return acked


async def quietly(_: Exception) -> None:
    return None


class ChildExited(Exception):
    """The server being waited for is gone: waiting longer cannot help."""


async def connect(settings: Settings, server: Child | None = None) -> Client:
    """A client like the parts' own (payloads encrypted with the run's development key ring)."""
    for _ in range(300):
        if server is not None and server.returncode is not None:
            raise ChildExited(f"Temporal exited with {server.returncode} before it answered")
        try:
            return await connect_temporal(settings)
        except RuntimeError:
            await asyncio.sleep(0.2)
    raise TimeoutError("Temporal did not come back")
