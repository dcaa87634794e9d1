"""How `discharge` commands end when they cannot run: a malformed setting, a dev-only secret or no key
ring in production, a taken port; and how a part ends: cleanly on SIGTERM, in one error line on a failure."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from discharge.cli.stack import serve
from discharge.keyring import ensure_dev_ring
from discharge.settings import Settings, load_settings
from tests.integration.stack_command_support import command_env, ports_of, run_command

pytestmark = pytest.mark.integration

#: A secret of our own, as long as one must be (32 bytes).
LONG_ENOUGH = "not-the-dev-secret-32-bytes-long"
#: The web page's other settings for production, but the key ring.
WEB = {
    "DISCHARGE_OIDC_ISSUER": "https://idp.example",
    "DISCHARGE_OIDC_CLIENT_ID": "discharge-web",
    "DISCHARGE_SESSION_SECRET": "a-session-secret-that-is-32bytes",
}


async def test_dev_on_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    env = command_env(tmp_path / "data", DISCHARGE_PATIENT_KEY_SECRET=LONG_ENOUGH)
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
    parts = ("gateway", "web")  # the worker never pseudonymises: it gets and needs no patient-key secret
    results = await asyncio.gather(*(run_command(command, env=env) for command in parts))
    for code, stderr in results:
        assert code == 2
        assert "refuses the dev-only DISCHARGE_PATIENT_KEY_SECRET" in stderr
        assert "Traceback" not in stderr


async def test_production_parts_refuse_to_run_without_a_payload_key_ring(tmp_path: Path) -> None:
    env = command_env(tmp_path / "data", DISCHARGE_PATIENT_KEY_SECRET=LONG_ENOUGH, **WEB)
    ensure_dev_ring(tmp_path / "data")  # a `discharge dev` ran here: its ring is no fallback in production
    commands = ("worker", "gateway", "web")
    results = await asyncio.gather(*(run_command(command, env=env) for command in commands))
    for command, (code, stderr) in zip(commands, results, strict=True):
        assert code == 2, command
        assert "needs DISCHARGE_PAYLOAD_KEYS_FILE" in stderr and "Traceback" not in stderr, stderr
    code, stderr = await run_command("codec-server", env={**env, "DISCHARGE_SESSION_SECRET": ""})
    assert code == 2 and "DISCHARGE_SESSION_SECRET is 0 bytes" in stderr


async def test_a_secret_shorter_than_32_bytes_is_refused_at_start_naming_the_setting(tmp_path: Path) -> None:
    short = "31-bytes-is-one-byte-too-short!"
    assert len(short) == 31
    env = command_env(tmp_path / "data", DISCHARGE_PATIENT_KEY_SECRET=short, **WEB)
    commands = ("gateway", "web", "dev")
    results = await asyncio.gather(*(run_command(command, env=env) for command in commands))
    for command, (code, stderr) in zip(commands, results, strict=True):
        assert code == 2, command
        assert "DISCHARGE_PATIENT_KEY_SECRET is 31 bytes: a secret must be at least 32 bytes" in stderr
        assert short not in stderr
    sessions = {**env, "DISCHARGE_PATIENT_KEY_SECRET": LONG_ENOUGH, "DISCHARGE_SESSION_SECRET": short}
    results = await asyncio.gather(*(run_command(c, env=sessions) for c in ("codec-server", "web", "dev")))
    for code, stderr in results:
        assert code == 2 and "DISCHARGE_SESSION_SECRET is 31 bytes" in stderr, stderr


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
