"""The embedded stack's supervisor against the real binaries: start, health, a dying child, stop, restart.

Each test runs its own Temporal dev server (SQLite file) and nats-server on free ports in a temporary
data dir, exactly as `discharge dev` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs
from temporalio.api.enums.v1 import EventType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import WorkflowExecutionStatus, WorkflowHandle

from discharge.temporal_client import signal_with_start
from events.cloudevent import cloudevent
from events.identity import parse_identity, patient_key, workflow_id_for
from events.inbound.envelopes import INBOUND_ADAPTER, InboundEvent
from tests.integration.stack_support import process_gone, stack_ports_free, stack_settings
from workers.stack.supervisor import Supervisor
from workflows.actor import gateway_for
from workflows.api import PathwayEvent
from workflows.names import SA_PATIENT_KEY, SEARCH_ATTRIBUTES, SIGNAL_INBOUND_EVENT

HOSPITAL_GATEWAY = gateway_for("hospital.patient_admitted")  # as the gateway signals hospital events

pytestmark = pytest.mark.integration

PATIENT = "19091231-9803"  # synthetic: born 1909, valid check digit


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
        cloudevent(
            id="restart-1",
            source="urn:hsa:SE2321000131-E000000000001",
            type="hospital.patient_admitted",
            time=datetime.now(UTC),
            data={
                "patient": {"id": PATIENT},
                "episode_id": "ep-restart",
                "unit": "SE2321000131-E000000000020",
                "admission": "unplanned",
            },
        )
    )
    first = Supervisor(settings, parts=(), grace=5)
    await first.start()
    try:
        assert first.client is not None
        handle = await signal_with_start(
            first.client,
            "no-worker-here",
            PathwayEvent(patient_key=key, event=admitted, actor=gateway_for(admitted.type)),
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


def admitted_event(event_id: str, at: datetime) -> InboundEvent:
    return INBOUND_ADAPTER.validate_python(
        cloudevent(
            id=event_id,
            source="urn:hsa:SE2321000131-E000000000001",
            type="hospital.patient_admitted",
            time=at,
            data={
                "patient": {"id": PATIENT},
                "episode_id": "ep-timer",
                "unit": "SE2321000131-E000000000020",
                "admission": "unplanned",
            },
        )
    )


def high_risk_event(event_id: str, at: datetime) -> InboundEvent:
    return INBOUND_ADAPTER.validate_python(
        cloudevent(
            id=event_id,
            source="urn:hsa:SE2321000131-E000000000001",
            type="hospital.risk_assessed",
            time=at,
            data={
                "patient": {"id": PATIENT},
                "episode_id": "ep-timer",
                "level": "high",
                "assessed_by": "SE2321000131-E000000000011",
            },
        )
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
    # A short planning-confirmation deadline, and a short late-event grace (the timer waits for both; the
    # embedded stack's own grace, 40 s, would outlast the wait): the worker child gets them through the
    # environment.
    settings = stack_settings(
        tmp_path / "data", discharge_planning_confirm_timeout="PT6S", discharge_late_event_grace="PT2S"
    )
    key = patient_key(parse_identity(PATIENT), settings.discharge_patient_key_secret.get_secret_value())
    now = datetime.now(UTC)
    first = Supervisor(settings, parts=("worker",), grace=5)
    await first.start()
    try:
        assert first.client is not None
        handle = await signal_with_start(
            first.client,
            settings.temporal_task_queue,
            PathwayEvent(patient_key=key, event=admitted_event("timer-1", now), actor=HOSPITAL_GATEWAY),
        )
        high_risk = PathwayEvent(
            patient_key=key, event=high_risk_event("timer-2", now), actor=HOSPITAL_GATEWAY
        )
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
