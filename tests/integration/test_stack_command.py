"""`discharge dev`, `worker` and `gateway` as a user runs them: real processes, real signals."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs
from temporalio.service import RPCError

from discharge.cli.stack import serve
from discharge.keyring import dev_ring_path
from discharge.readmodel.store import ReadModel
from discharge.settings import Settings, load_settings
from discharge.temporal_client import connect_temporal
from events.identity import parse_identity, patient_key, workflow_id_for
from tests.integration.stack_support import OPS_ADDRESSES, process_gone, stack_ports
from tests.integration.test_stack_readme import readme_first_event
from workers.stack.servers import free_port, port_is_free
from workflows.api import QUERY_STATE, PathwayView

pytestmark = pytest.mark.integration

PIPE = asyncio.subprocess.PIPE
COMMAND = [sys.executable, "-m", "discharge.cli.main"]


def command_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The developer's environment minus our settings, plus free ports and a fresh data dir."""
    temporal, nats = stack_ports()
    env = {key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields}
    env.update(
        TEMPORAL_ADDRESS=f"127.0.0.1:{temporal}",
        NATS_URL=f"nats://127.0.0.1:{nats}",
        DISCHARGE_WEB_ADDRESS=f"127.0.0.1:{web_port()}",
        DISCHARGE_DATA_DIR=str(data_dir),
        DISCHARGE_LOG_FORMAT="json",
        **{name.upper(): value for name, value in OPS_ADDRESSES.items()},
        **extra,
    )
    return env


def web_port() -> int:
    """A port for the web page whose next port (the dev sign-in's) is free too."""
    while True:
        port = free_port()
        if port < 65535 and port_is_free("127.0.0.1", port + 1):
            return port


def ports_of(env: dict[str, str]) -> list[int]:
    temporal = int(env["TEMPORAL_ADDRESS"].rpartition(":")[2])
    web = int(env["DISCHARGE_WEB_ADDRESS"].rpartition(":")[2])
    return [temporal, temporal + 1000, int(env["NATS_URL"].rpartition(":")[2]), web, web + 1]


@dataclass
class Dev:
    process: asyncio.subprocess.Process
    logs: list[dict[str, Any]] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    drain: asyncio.Task[None] | None = None

    async def read_logs(self) -> None:
        assert self.process.stderr is not None
        async for raw in self.process.stderr:
            try:
                record = json.loads(raw)
            except ValueError:
                record = {"event": raw.decode(errors="replace").rstrip(), "component": "?"}
            self.logs.append(record)
            if record.get("event") == "stack ready":
                self.ready.set()

    def pids(self) -> dict[str, int]:
        return {
            record["part"]: record["pid"]
            for record in self.logs
            if record.get("component") == "supervisor" and str(record.get("event")).endswith(" started")
        }

    async def finish(self) -> int:
        code = await asyncio.wait_for(self.process.wait(), 30)
        if self.drain is not None:
            await self.drain
        return code


@pytest.fixture
async def start_dev() -> AsyncIterator[Callable[[dict[str, str]], Awaitable[Dev]]]:
    """Starts `discharge dev --no-demo`; a test that fails midway still stops it (SIGTERM, then kill)."""
    started: list[Dev] = []

    async def start(env: dict[str, str]) -> Dev:
        process = await asyncio.create_subprocess_exec(
            *COMMAND, "dev", "--no-demo", env=env, stdout=PIPE, stderr=PIPE
        )
        dev = Dev(process)
        started.append(dev)
        dev.drain = asyncio.create_task(dev.read_logs())
        ready = asyncio.create_task(dev.ready.wait())
        exited = asyncio.create_task(process.wait())
        await asyncio.wait([ready, exited], timeout=60, return_when=asyncio.FIRST_COMPLETED)
        if not dev.ready.is_set():
            ready.cancel()
            raise AssertionError(f"discharge dev did not get ready: {dev.logs[-5:]}")
        return dev

    yield start
    for dev in started:
        if dev.process.returncode is None:
            dev.process.terminate()
            try:
                await asyncio.wait_for(dev.process.wait(), 30)
            except TimeoutError:
                dev.process.kill()
                await dev.process.wait()


Starter = Callable[[dict[str, str]], Awaitable[Dev]]


async def pathway_phase(settings: Settings, patient: str) -> str | None:
    """The phase the patient's pathway reports, once it exists and its worker has run it."""
    client = await connect_temporal(settings)
    key = patient_key(parse_identity(patient), settings.discharge_patient_key_secret.get_secret_value())
    handle = client.get_workflow_handle(workflow_id_for(key))
    for _ in range(100):
        with contextlib.suppress(RPCError):
            return str((await handle.query(QUERY_STATE, result_type=PathwayView)).phase)
        await asyncio.sleep(0.1)
    return None


async def readmodel_pathways(data_dir: Path) -> int:
    store = ReadModel.from_settings(Settings(discharge_data_dir=data_dir)).create()
    try:
        for _ in range(100):
            if store.pathways():
                break
            await asyncio.sleep(0.1)
        return len(store.pathways())
    finally:
        store.close()


async def test_dev_runs_every_part_and_sigterm_leaves_no_process_and_no_port(
    tmp_path: Path, start_dev: Starter
) -> None:
    env = command_env(tmp_path / "data")
    dev = await start_dev(env)
    pids = dev.pids()
    assert set(pids) == {"temporal", "nats", "worker", "gateway", "codec-server", "readmodel", "idp", "web"}
    ready = {record.get("part") for record in dev.logs if str(record.get("event")).endswith(" ready")}
    assert ready == {"worker", "gateway", "codec-server", "readmodel", "web", None}  # None: "stack ready"
    assert dev.process.stdout is not None
    banner = (await dev.process.stdout.readuntil(b"Ctrl-C stops everything.")).decode()
    assert f"http://127.0.0.1:{ports_of(env)[1]}" in banner
    assert f"Coordinators     http://127.0.0.1:{ports_of(env)[3]}" in banner
    # The README's first event, published as the README says, reaches its pathway through every part.
    code, stderr = await run_command("publish", env=env, stdin=readme_first_event().encode())
    assert code == 0, stderr
    settings = load_settings(
        temporal_address=env["TEMPORAL_ADDRESS"],
        nats_url=env["NATS_URL"],
        discharge_payload_keys_file=dev_ring_path(Path(env["DISCHARGE_DATA_DIR"])),  # the stack's own ring
    )
    assert await pathway_phase(settings, "19091231-9803") == "inpatient"
    # ... and its pathway_started reaches the read model's SQLite file in the data dir.
    assert await readmodel_pathways(tmp_path / "data") == 1
    dev.process.send_signal(signal.SIGTERM)
    assert await dev.finish() == 0
    assert all(process_gone(pid) for pid in pids.values())
    assert all(port_is_free("127.0.0.1", port) for port in ports_of(env))
    # The children logged in the supervisor's format, each line naming its part.
    components = {record.get("component") for record in dev.logs}
    assert {"supervisor", "worker", "gateway", "nats"} <= components


async def test_dev_names_a_child_that_dies_and_stops_everything(tmp_path: Path, start_dev: Starter) -> None:
    env = command_env(tmp_path / "data")
    dev = await start_dev(env)
    pids = dev.pids()
    os.kill(pids["gateway"], signal.SIGKILL)
    assert await dev.finish() == 1
    # (NATS may log the killed client's dropped connection as an error of its own first.)
    errors = [r for r in dev.logs if r.get("level") == "error" and r.get("component") == "supervisor"]
    assert errors[0]["event"] == "gateway exited unexpectedly; stopping the whole stack"
    assert errors[0]["exit_code"] == -signal.SIGKILL
    assert all(process_gone(pid) for pid in pids.values())
    assert all(port_is_free("127.0.0.1", port) for port in ports_of(env))


async def run_command(*args: str, env: dict[str, str], stdin: bytes | None = None) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        *args,
        env=env,
        stdin=PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=PIPE,
    )
    # Generous: eight of these start side by side, each importing Temporal's SDK, on a shared 2-core machine.
    _, stderr = await asyncio.wait_for(process.communicate(stdin), 90)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def test_dev_on_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    env = command_env(tmp_path / "data", DISCHARGE_PATIENT_KEY_SECRET="not-the-dev-secret")
    temporal_port = ports_of(env)[0]
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", temporal_port)
    try:
        code, stderr = await run_command("dev", "--no-demo", env=env)
    finally:
        blocker.close()
        await blocker.wait_closed()
    assert code == 1
    assert stderr.splitlines() == [
        f"discharge dev: port {temporal_port} on 127.0.0.1 is already in use (needed for Temporal); "
        "stop whatever uses it (another `discharge dev`?) or choose other ports with TEMPORAL_ADDRESS"
    ]


# Each command is its own Python process; they run side by side to keep the suite fast.
PROCESS_COMMANDS = [["dev"], ["worker"], ["gateway"], ["codec-server"], ["web"]]
OTHER_COMMANDS = [["publish", "/dev/null"], ["pathways"], ["tasks"], ["demo"]]


async def test_a_malformed_setting_stops_every_command_with_one_message(tmp_path: Path) -> None:
    env = command_env(tmp_path / "data", DISCHARGE_SUPPORT_PERIOD="14 days")
    commands = PROCESS_COMMANDS + OTHER_COMMANDS
    results = await asyncio.gather(*(run_command(*args, env=env) for args in commands))
    for args, (code, stderr) in zip(commands, results, strict=True):
        assert code == 2, args
        assert "invalid configuration:\n  DISCHARGE_SUPPORT_PERIOD: expected an ISO 8601 duration" in stderr
        assert "Traceback" not in stderr
        if args in PROCESS_COMMANDS:
            assert stderr.startswith(f"discharge {args[0]}: invalid configuration:"), stderr


async def test_production_parts_refuse_the_dev_only_secret(tmp_path: Path) -> None:
    env = command_env(tmp_path / "data")
    parts = ("worker", "gateway", "web")
    results = await asyncio.gather(*(run_command(command, env=env) for command in parts))
    for code, stderr in results:
        assert code == 2
        assert "refuses the dev-only DISCHARGE_PATIENT_KEY_SECRET" in stderr
        assert "Traceback" not in stderr


async def test_production_parts_refuse_to_run_without_a_payload_key_ring(tmp_path: Path) -> None:
    env = command_env(tmp_path / "data", DISCHARGE_PATIENT_KEY_SECRET="a-real-secret-for-this-test")
    results = await asyncio.gather(*(run_command(command, env=env) for command in ("worker", "gateway")))
    for code, stderr in results:
        assert code == 2
        assert "needs DISCHARGE_PAYLOAD_KEYS_FILE" in stderr and "Traceback" not in stderr
    code, stderr = await run_command("codec-server", env=env)
    assert code == 2 and "refuses the dev-only DISCHARGE_SESSION_SECRET" in stderr


async def test_a_part_stops_cleanly_on_sigterm() -> None:
    closed = asyncio.Event()

    async def runner(settings: Settings) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            closed.set()  # the runner's own clean-up ran

    serving = asyncio.create_task(serve("worker", runner, load_settings()))
    await asyncio.sleep(0.1)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(serving, 5) == 0
    assert closed.is_set()


async def test_a_part_that_fails_is_one_error_line_and_exit_1() -> None:
    async def runner(settings: Settings) -> None:
        raise RuntimeError("Failed client connect: connection refused")

    with capture_logs() as logs:
        assert await serve("gateway", runner, load_settings()) == 1
    assert logs == [
        {
            "event": "gateway failed",
            "log_level": "error",
            "error_type": "RuntimeError",
            "error": "Failed client connect: connection refused",
        }
    ]


async def test_a_killed_supervisor_takes_its_children_with_it(tmp_path: Path, start_dev: Starter) -> None:
    env = command_env(tmp_path / "data")
    dev = await start_dev(env)
    pids = dev.pids()
    dev.process.kill()  # SIGKILL: no chance to clean up itself
    await dev.finish()
    # Each child now stops itself; give a loaded machine time (Temporal's own shutdown takes seconds).
    for _ in range(300):
        if all(process_gone(pid) for pid in pids.values()):
            break
        await asyncio.sleep(0.1)
    assert [part for part, pid in pids.items() if not process_gone(pid)] == []
    assert all(port_is_free("127.0.0.1", port) for port in ports_of(env))
