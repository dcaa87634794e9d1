"""`discharge dev` refuses, in one clear line and before anything starts, what would fail obscurely later.

A taken port, a missing server binary, external-only credentials, an unusable or already used data dir.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from tests.integration.stack_support import stack_settings
from workers.stack import preflight as preflight_module
from workers.stack.datadir import StackError
from workers.stack.servers import MissingBinary
from workers.stack.supervisor import Supervisor, run_stack

pytestmark = pytest.mark.integration


async def test_a_taken_port_is_one_clear_error_before_anything_starts(tmp_path: Path) -> None:
    settings = stack_settings(tmp_path / "data")
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", settings.nats_port)
    try:
        stack = Supervisor(settings, parts=())
        with pytest.raises(StackError, match=f"port {settings.nats_port} .* already in use .* NATS_URL"):
            await stack.start()
        assert stack.children == {}
    finally:
        blocker.close()
        await blocker.wait_closed()


async def test_a_missing_binary_is_one_line_and_a_non_zero_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing(name: str) -> Path:
        raise MissingBinary(f"`{name}` not found")

    monkeypatch.setattr(preflight_module, "binary", missing)
    assert await run_stack(stack_settings(tmp_path / "data"), demo=False) == 1
    assert capsys.readouterr().err == "discharge dev: `temporal` not found\n"


async def test_external_server_credentials_are_refused_in_one_line(tmp_path: Path) -> None:
    settings = stack_settings(tmp_path / "data", temporal_api_key="secret", nats_creds="/etc/nats.creds")
    stack = Supervisor(settings, parts=())
    with pytest.raises(StackError, match=r"unset TEMPORAL_API_KEY, NATS_CREDS \(they are for"):
        await stack.start()
    assert stack.children == {}


async def test_an_unusable_data_dir_is_one_clear_error(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    stack = Supervisor(stack_settings(blocked / "data"), parts=())
    with pytest.raises(StackError, match=r"cannot use the data dir .*a-file/data \(DISCHARGE_DATA_DIR\)"):
        await stack.start()
    assert stack.children == {}


async def test_one_stack_per_data_dir(tmp_path: Path) -> None:
    first = Supervisor(stack_settings(tmp_path / "data"), parts=(), grace=5)
    await first.start()
    try:
        second = Supervisor(stack_settings(tmp_path / "data"), parts=())  # other ports, same data
        with pytest.raises(StackError, match=rf"in use by another `discharge dev` \(pid {os.getpid()}\)"):
            await second.start()
        assert second.children == {}
    finally:
        await first.stop()
    third = Supervisor(stack_settings(tmp_path / "data"), parts=(), grace=5)
    await third.start()  # the lock went with the first stack
    await third.stop()
