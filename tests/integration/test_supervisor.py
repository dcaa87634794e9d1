"""The embedded stack's supervisor against the real binaries: start, health, a dying child, stop, restart.

Each test runs its own Temporal dev server (SQLite file) and nats-server on free ports in a temporary
data dir, exactly as `discharge dev` does.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs
from temporalio.api.enums.v1 import EventType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle

from discharge.settings import Settings, load_settings
from discharge.temporal_client import signal_with_start
from events.identity import parse_identity, patient_key, workflow_id_for
from events.inbound import INBOUND_ADAPTER, InboundEvent
from workers.stack import supervisor as supervisor_module
from workers.stack.relay import relay_console, relay_structured
from workers.stack.servers import MissingBinary, free_port, port_is_free
from workers.stack.supervisor import EXTERNAL_ONLY, StackError, Supervisor, app_child_spec, run_stack
from workflows.api import SA_PATIENT_KEY, SEARCH_ATTRIBUTES, SIGNAL_INBOUND_EVENT, PathwayEvent

pytestmark = pytest.mark.integration

PATIENT = "19091231-9803"  # synthetic: born 1909, valid check digit


def stack_ports() -> tuple[int, int]:
    """A Temporal port whose UI port (+1000) and codec server port (+1001) are free too, and a NATS port."""
    while True:
        temporal = free_port()
        if temporal + 1001 < 65536 and all(port_is_free("127.0.0.1", temporal + n) for n in (1000, 1001)):
            return temporal, free_port()


def stack_settings(data_dir: Path, **overrides: object) -> Settings:
    temporal, nats = stack_ports()
    # A developer's shell may hold production connection options: the embedded servers take none.
    defaults: dict[str, object] = dict.fromkeys(EXTERNAL_ONLY)
    return load_settings(
        temporal_address=f"127.0.0.1:{temporal}",
        nats_url=f"nats://127.0.0.1:{nats}",
        discharge_data_dir=str(data_dir),
        temporal_task_queue="supervisor-test",
        **(defaults | overrides),
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


@pytest.fixture
async def servers_only(tmp_path: Path) -> AsyncIterator[Supervisor]:
    stack = Supervisor(stack_settings(tmp_path / "data"), parts=(), grace=5)
    try:
        await stack.start()
        yield stack
    finally:
        await stack.stop()


async def http_status(host: str, port: int) -> str:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET / HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
    await writer.drain()
    status = (await reader.readline()).decode().strip()
    writer.close()
    await writer.wait_closed()
    return status


async def test_the_servers_come_up_with_the_contracts_search_attributes_and_the_web_ui(
    servers_only: Supervisor,
) -> None:
    assert servers_only.ready.is_set()
    assert servers_only.client is not None
    listed = await servers_only.client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="default")
    )
    assert {key.name for key in SEARCH_ATTRIBUTES} <= set(listed.custom_attributes)
    settings = servers_only.settings
    assert (await http_status("127.0.0.1", settings.temporal_ui_port)).split()[1] == "200"
    assert servers_only.data.temporal_db.is_file()
    assert "sync_interval: always" in servers_only.data.nats_conf.read_text()
    assert servers_only.data.jetstream.is_dir()


async def test_a_stop_leaves_no_process_behind_and_frees_every_port(tmp_path: Path) -> None:
    stack = Supervisor(stack_settings(tmp_path / "data"), parts=(), grace=5)
    await stack.start()
    pids = [child.pid for child in stack.children.values()]
    assert not stack_ports_free(stack.settings)
    await stack.stop()
    assert all(process_gone(pid) for pid in pids)
    assert stack_ports_free(stack.settings)


async def test_a_child_that_dies_is_named_and_the_whole_stack_stops(tmp_path: Path) -> None:
    stack = Supervisor(stack_settings(tmp_path / "data"), parts=(), grace=5)
    with capture_logs() as logs:
        running = asyncio.create_task(stack.run())
        await asyncio.wait_for(stack.ready.wait(), 30)
        stack.children["nats"].process.kill()  # type: ignore[union-attr]
        assert await asyncio.wait_for(running, 30) == 1
    died = [entry for entry in logs if entry["log_level"] == "error"]
    assert died and died[0]["event"] == "nats exited unexpectedly; stopping the whole stack"
    assert died[0]["part"] == "nats"
    assert "Server is ready" in "\n".join(died[0]["last_output"])  # its last words, for the operator
    assert stack.children["temporal"].returncode is not None
    assert stack_ports_free(stack.settings)


async def test_a_restart_on_the_same_data_dir_finds_the_pathway_as_it_was(tmp_path: Path) -> None:
    settings = stack_settings(tmp_path / "data")
    key = patient_key(parse_identity(PATIENT), settings.discharge_patient_key_secret.get_secret_value())
    admitted = INBOUND_ADAPTER.validate_python(
        {
            "specversion": "1.0",
            "id": "restart-1",
            "source": "urn:hsa:SE2321000131-E000000000001",
            "type": "hospital.patient_admitted",
            "time": datetime.now(UTC).isoformat(),
            "data": {
                "patient": {"id": PATIENT},
                "episode_id": "ep-restart",
                "unit": "SE2321000131-E000000000020",
                "admission": "unplanned",
            },
        }
    )
    first = Supervisor(settings, parts=(), grace=5)
    await first.start()
    try:
        assert first.client is not None
        handle = await signal_with_start(
            first.client, "no-worker-here", PathwayEvent(patient_key=key, event=admitted)
        )
        run_id = (await handle.describe()).run_id
    finally:
        await first.stop()

    second = Supervisor(settings, parts=(), grace=5)
    await second.start()
    try:
        assert second.client is not None
        description = await second.client.get_workflow_handle(workflow_id_for(key)).describe()
        assert description.run_id == run_id
        assert description.status == WorkflowExecutionStatus.RUNNING
        assert description.typed_search_attributes.get(SA_PATIENT_KEY) == key
    finally:
        await second.stop()


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

    monkeypatch.setattr(supervisor_module, "binary", missing)
    assert await run_stack(stack_settings(tmp_path / "data"), demo=False) == 1
    assert capsys.readouterr().err == "discharge dev: `temporal` not found\n"


def admitted_event(event_id: str, at: datetime) -> InboundEvent:
    return INBOUND_ADAPTER.validate_python(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "urn:hsa:SE2321000131-E000000000001",
            "type": "hospital.patient_admitted",
            "time": at.isoformat(),
            "data": {
                "patient": {"id": PATIENT},
                "episode_id": "ep-timer",
                "unit": "SE2321000131-E000000000020",
                "admission": "unplanned",
            },
        }
    )


def high_risk_event(event_id: str, at: datetime) -> InboundEvent:
    return INBOUND_ADAPTER.validate_python(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "urn:hsa:SE2321000131-E000000000001",
            "type": "hospital.risk_assessed",
            "time": at.isoformat(),
            "data": {
                "patient": {"id": PATIENT},
                "episode_id": "ep-timer",
                "level": "high",
                "assessed_by": "SE2321000131-E000000000011",
            },
        }
    )


async def history_types(handle: WorkflowHandle[Any, Any]) -> list[EventType.ValueType]:
    return [event.event_type async for event in handle.fetch_history_events()]


async def wait_for_history(handle: WorkflowHandle[Any, Any], event_type: EventType.ValueType) -> None:
    for _ in range(150):
        if event_type in await history_types(handle):
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{EventType.Name(event_type)} not in the history within 30 s")


async def test_a_timer_started_before_a_restart_fires_after_it(tmp_path: Path) -> None:
    # A short planning-confirmation deadline: the worker child gets it through the environment.
    settings = stack_settings(tmp_path / "data", discharge_planning_confirm_timeout="PT6S")
    key = patient_key(parse_identity(PATIENT), settings.discharge_patient_key_secret.get_secret_value())
    now = datetime.now(UTC)
    first = Supervisor(settings, parts=("worker",), grace=5)
    await first.start()
    try:
        assert first.client is not None
        handle = await signal_with_start(
            first.client,
            settings.temporal_task_queue,
            PathwayEvent(patient_key=key, event=admitted_event("timer-1", now)),
        )
        high_risk = PathwayEvent(patient_key=key, event=high_risk_event("timer-2", now))
        await handle.signal(SIGNAL_INBOUND_EVENT, high_risk)
        await wait_for_history(handle, EventType.EVENT_TYPE_TIMER_STARTED)
        assert EventType.EVENT_TYPE_TIMER_FIRED not in await history_types(handle)
    finally:
        await first.stop()

    second = Supervisor(settings, parts=("worker",), grace=5)
    await second.start()
    try:
        assert second.client is not None
        handle = second.client.get_workflow_handle(workflow_id_for(key))
        await wait_for_history(handle, EventType.EVENT_TYPE_TIMER_FIRED)
    finally:
        await second.stop()


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


def test_a_part_runs_in_development_mode_with_the_supervisors_settings(tmp_path: Path) -> None:
    settings = stack_settings(tmp_path, discharge_support_period="PT90S", discharge_log_format="json")
    spec = app_child_spec("gateway", settings)
    assert list(spec.command) == [sys.executable, "-m", "discharge.cli.main", "gateway"]
    assert spec.env is not None
    assert spec.env["DISCHARGE_DEVELOPMENT"] == "true"
    assert spec.env["DISCHARGE_LOG_FORMAT"] == "json"
    assert spec.env["DISCHARGE_SUPPORT_PERIOD"] == "PT90S"
    assert spec.env["TEMPORAL_ADDRESS"] == settings.temporal_address
    assert spec.relay is relay_structured
    for_a_human = settings.model_copy(update={"discharge_log_format": "console"})
    assert app_child_spec("worker", for_a_human).relay is relay_console


def test_the_embedded_stack_has_a_short_late_event_grace_unless_one_is_set(tmp_path: Path) -> None:
    # The demo's backlog is dated in the past: its deadlines are due once it is in, not a minute later.
    worker = app_child_spec("worker", stack_settings(tmp_path))
    assert worker.env is not None and worker.env["DISCHARGE_LATE_EVENT_GRACE"] == "PT10S"
    chosen = app_child_spec("worker", stack_settings(tmp_path, discharge_late_event_grace="PT2M"))
    assert chosen.env is not None and chosen.env["DISCHARGE_LATE_EVENT_GRACE"] == "PT120S"
