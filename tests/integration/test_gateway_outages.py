"""Nothing is lost when Temporal, the gateway or NATS goes away mid-stream and comes back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client as Nats
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from discharge.nats_connection import connect_nats
from discharge.settings import Settings, settings_env
from events.examples import PERSONNUMMER, example_event
from events.identity import luhn_check_digit
from events.streams import DEADLETTER_STREAM, ensure_streams
from tests.conftest import encrypted_converter
from tests.integration.gateway_support import (
    gateway_settings,
    plain_payload,
    publish,
    running_gateway,
    signalled_events,
    wait_for,
    workflow_id,
)
from tests.servers import NatsProcess, start_nats
from workers.gateway.service import run_gateway, temporal_delivery
from workers.stack.health import connect_when_ready
from workers.stack.servers import free_port, temporal_dev_command

pytestmark = pytest.mark.integration


def synthetic_patients(count: int) -> list[str]:
    """Distinct valid personnummer born in 1908."""
    patients = []
    for serial in range(100, 100 + count):
        nine = f"080615{serial:03d}"
        patients.append(f"1908{nine[2:6]}-{serial:03d}{luhn_check_digit(nine)}")
    return patients


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsProcess]:
    (tmp_path / "nats").mkdir()
    server = await start_nats(tmp_path / "nats")
    yield server
    await server.stop()


@pytest.fixture
async def nats(own_nats: NatsProcess) -> AsyncIterator[Nats]:
    connection = await connect_nats(Settings(nats_url=own_nats.url), retry_forever=False)
    await ensure_streams(connection.jetstream())
    yield connection
    await connection.drain()


async def all_ids(client: Client, settings: Settings, patients: list[str]) -> list[str]:
    ids: list[str] = []
    for patient in patients:
        ids += [event["id"] for event in await signalled_events(client, workflow_id(settings, patient))]
    return ids


async def all_signals(client: Client, settings: Settings, patients: list[str]) -> list[dict[str, Any]]:
    """Every PathwayEvent signalled to these patients' pathways, as JSON."""
    signals: list[dict[str, Any]] = []
    for patient in patients:
        try:
            history = await client.get_workflow_handle(workflow_id(settings, patient)).fetch_history()
        except Exception:
            continue
        for event in history.events:
            if event.HasField("workflow_execution_signaled_event_attributes"):
                payload = event.workflow_execution_signaled_event_attributes.input.payloads[0]
                signals.append(json.loads((await plain_payload(client, payload)).data))
    return signals


async def no_dead_letters(nats: Nats) -> bool:
    return (await nats.jetstream().stream_info(DEADLETTER_STREAM)).state.messages == 0


class TemporalProcess:
    """A Temporal dev server of the test's own, on a db file, so it can be killed and started again."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.command = temporal_dev_command("127.0.0.1", self.port, None, directory / "temporal.db")
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        # Serving, not merely listening: the frontend answers "not healthy yet" for a moment after it binds.
        await connect_when_ready(Settings(temporal_address=f"127.0.0.1:{self.port}"), timeout=30)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def test_temporal_stopped_mid_stream_and_started_again_every_event_arrives_repeats_are_exact(
    own_nats: NatsProcess, nats: Nats, tmp_path: Path
) -> None:
    temporal = TemporalProcess(tmp_path)
    await temporal.start()
    try:
        client = await Client.connect(f"127.0.0.1:{temporal.port}", data_converter=encrypted_converter())
        settings = gateway_settings(own_nats.url, discharge_max_deliveries=50)
        patients = synthetic_patients(3)
        js = nats.jetstream()
        deliver = temporal_delivery(client, settings.temporal_task_queue, timeout=timedelta(seconds=10))
        async with running_gateway(settings, deliver):
            before = [f"before-{n}" for n in range(9)]
            for n, event_id in enumerate(before):
                await publish(js, example_event("primarycare.physician_contact", patient=patients[n % 3],
                                                event_id=event_id))  # fmt: skip

            async def first_wave() -> bool:
                return sorted(await all_ids(client, settings, patients)) == sorted(before)

            await wait_for(first_wave, timeout=20)

            await temporal.kill()
            during = [f"during-{n}" for n in range(9)]
            for n, event_id in enumerate(during):
                await publish(js, example_event("primarycare.physician_contact", patient=patients[n % 3],
                                                event_id=event_id))  # fmt: skip
            await asyncio.sleep(1.5)  # the gateway tries, Temporal refuses, messages wait in JetStream
            await temporal.start()

            async def everything() -> bool:
                return len(await all_ids(client, settings, patients)) >= len(before) + len(during)

            await wait_for(everything, timeout=40)
            await asyncio.sleep(0.5)  # a straggling repeat would show up now
            signals = await all_signals(client, settings, patients)
        ids = [signal["event"]["id"] for signal in signals]
        assert sorted(set(ids)) == sorted(before + during)  # every event arrived
        # At least once: a signal Temporal accepted just as the client gave up is sent again. Such a repeat
        # is byte for byte the same PathwayEvent (same source + id, same received_at: the stream's time),
        # which is what the pathway's de-duplication recognises, so it is applied once.
        for event_id in {i for i in ids if ids.count(i) > 1}:
            repeats = [signal for signal in signals if signal["event"]["id"] == event_id]
            assert all(repeat == repeats[0] for repeat in repeats)
        assert await no_dead_letters(nats)
    finally:
        await temporal.kill()


GATEWAY_SCRIPT = """
import asyncio
from datetime import timedelta
from workers.gateway.service import build_gateway, temporal_delivery
from discharge.settings import Settings
from discharge.temporal_client import connect_temporal

async def main() -> None:
    settings = Settings()
    client = await connect_temporal(settings)
    deliver = temporal_delivery(client, settings.temporal_task_queue)
    _, app = build_gateway(settings, deliver, concurrency=8, ack_wait=timedelta(seconds=2))
    await app.start()
    print("ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def start_gateway_process(settings: Settings) -> asyncio.subprocess.Process:
    env = {**os.environ, **settings_env(settings), "DISCHARGE_LOG_LEVEL": "warning"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", GATEWAY_SCRIPT, env=env, stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    async with asyncio.timeout(30):
        assert (await process.stdout.readline()).strip() == b"ready"
    return process


async def test_gateway_killed_mid_stream_and_restarted_loses_nothing(
    own_nats: NatsProcess, nats: Nats, temporal_env: WorkflowEnvironment
) -> None:
    client = temporal_env.client
    address = client.service_client.config.target_host
    settings = gateway_settings(own_nats.url, temporal_address=address)
    patients = synthetic_patients(5)
    js = nats.jetstream()
    expected = [f"k-{n}" for n in range(150)]

    first = await start_gateway_process(settings)
    try:
        for n, event_id in enumerate(expected):
            await publish(js, example_event("municipality.concern_raised", patient=patients[n % 5],
                                            event_id=event_id))  # fmt: skip

        async def some_delivered() -> bool:
            return len(await all_ids(client, settings, patients)) >= 10

        await wait_for(some_delivered, timeout=20)
    finally:
        first.kill()  # SIGKILL: no graceful drain, in-flight messages are never acked
        await first.wait()
    delivered_before_kill = set(await all_ids(client, settings, patients))

    second = await start_gateway_process(settings)
    try:

        async def everything() -> bool:
            return set(await all_ids(client, settings, patients)) == set(expected)

        await wait_for(everything, timeout=30)
    finally:
        second.terminate()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await second.wait()
    assert len(delivered_before_kill) < len(expected)  # the kill really was mid-stream
    assert await no_dead_letters(nats)


async def test_nats_restarted_mid_stream_the_gateway_reconnects_and_loses_nothing(
    own_nats: NatsProcess, temporal_env: WorkflowEnvironment
) -> None:
    client = temporal_env.client
    settings = gateway_settings(own_nats.url)
    patients = synthetic_patients(2)
    publisher = await connect_nats(Settings(nats_url=own_nats.url))
    js = publisher.jetstream()
    await ensure_streams(js)
    try:
        async with running_gateway(settings, temporal_delivery(client, settings.temporal_task_queue)):
            for n in range(5):
                await publish(js, example_event("hospital.risk_assessed", patient=patients[n % 2],
                                                event_id=f"n-{n}"))  # fmt: skip
            await own_nats.restart()
            for n in range(5, 10):
                async with asyncio.timeout(20):
                    while True:  # the publisher is reconnecting too: retry until the stream acks
                        try:
                            await publish(js, example_event("hospital.risk_assessed", patient=patients[n % 2],
                                                            event_id=f"n-{n}"))  # fmt: skip
                            break
                        except Exception:
                            await asyncio.sleep(0.2)

            async def everything() -> bool:
                return set(await all_ids(client, settings, patients)) == {f"n-{n}" for n in range(10)}

            await wait_for(everything, timeout=30)
    finally:
        await publisher.drain()


async def test_gateway_started_while_temporal_is_down_waits_for_it(
    own_nats: NatsProcess, nats: Nats, tmp_path: Path
) -> None:
    temporal = TemporalProcess(tmp_path)
    settings = gateway_settings(own_nats.url, temporal_address=f"127.0.0.1:{temporal.port}")
    gateway = asyncio.create_task(run_gateway(settings))
    try:
        await publish(nats.jetstream(), example_event("hospital.patient_admitted", event_id="early-1"))
        await asyncio.sleep(1.0)
        assert not gateway.done()  # no crash: it keeps trying
        await temporal.start()
        client = await Client.connect(f"127.0.0.1:{temporal.port}", data_converter=encrypted_converter())

        async def arrived() -> bool:
            return await all_ids(client, settings, [PERSONNUMMER]) == ["early-1"]

        await wait_for(arrived, timeout=30)
    finally:
        gateway.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gateway
        await temporal.kill()
