"""The worker's and the gateway's /metrics, /healthz and /readyz, scraped from the real processes.

`discharge worker` and `discharge gateway` run as child processes (as in production) against a NATS of
the test's own and the session's Temporal dev server; an event goes through and an unparseable message
is dead-lettered; then each /metrics is parsed with prometheus_client's own text parser.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from temporalio.testing import WorkflowEnvironment

from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.examples import PERSONNUMMER, example_event
from events.streams import ensure_streams, inbound_msg_id
from tests.integration.gateway_support import wait_for
from tests.servers import NatsProcess, start_nats
from workers.stack.servers import free_port
from workflows.names import PHASES

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsProcess]:
    server = await start_nats(tmp_path)
    yield server
    await server.stop()


@pytest.fixture
async def parts(own_nats: NatsProcess, temporal_env: WorkflowEnvironment) -> AsyncIterator[dict[str, str]]:
    """The worker and the gateway as processes; yields each one's ops base URL."""
    target = temporal_env.client.service_client.config.target_host
    addresses = {part: f"127.0.0.1:{free_port()}" for part in ("worker", "gateway")}
    env = {key: value for key, value in os.environ.items() if key.lower() not in Settings.model_fields}
    env |= {
        "TEMPORAL_ADDRESS": target,
        "TEMPORAL_TASK_QUEUE": f"ops-test-{uuid.uuid4()}",
        "NATS_URL": own_nats.url,
        "DISCHARGE_PATIENT_KEY_SECRET": f"ops-test-{uuid.uuid4()}",
        "DISCHARGE_WORKER_HTTP_ADDRESS": addresses["worker"],
        "DISCHARGE_GATEWAY_HTTP_ADDRESS": addresses["gateway"],
        "DISCHARGE_LOG_FORMAT": "json",
        "DISCHARGE_LOG_LEVEL": "warning",
        # The session's payload key ring (tests/conftest.py): the parts encrypt as the tests' clients do.
        "DISCHARGE_PAYLOAD_KEYS_FILE": os.environ["DISCHARGE_PAYLOAD_KEYS_FILE"],
    }
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "discharge.cli.main",
            part,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for part in ("worker", "gateway")
    ]
    try:
        yield {part: f"http://{address}" for part, address in addresses.items()}
    finally:
        for process in processes:
            if process.returncode is None:
                process.terminate()
        for process in processes:
            await process.wait()


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, str]:
    try:
        async with session.get(url) as response:
            return response.status, await response.text()
    except aiohttp.ClientError:
        return 0, ""


def samples(text: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value(found: list[Sample], name: str, **labels: str) -> float:
    return sum(
        s.value for s in found if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


async def test_worker_and_gateway_serve_parseable_metrics_health_and_readiness(
    parts: dict[str, str], own_nats: NatsProcess
) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:

        async def ready(part: str) -> bool:
            status, _ = await get(session, f"{parts[part]}/readyz")
            return status == 200

        await wait_for(lambda: ready("worker"), timeout=60)
        await wait_for(lambda: ready("gateway"), timeout=60)
        for part in parts:
            status, body = await get(session, f"{parts[part]}/healthz")
            assert status == 200 and json.loads(body) == {"status": "ok"}
            status, body = await get(session, f"{parts[part]}/readyz")
            assert json.loads(body)["ready"] is True

        nats = await connect_nats(Settings(nats_url=own_nats.url), retry_forever=False)
        js = nats.jetstream()
        await ensure_streams(js)
        event = example_event("hospital.patient_admitted", event_id=f"ops-{uuid.uuid4()}")
        headers = {"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])}
        await js.publish("events.hospital.patient_admitted", json.dumps(event).encode(), headers=headers)
        await js.publish("events.hospital.patient_admitted", b"{not json", headers={"Nats-Msg-Id": "bad-1"})
        await nats.drain()

        async def scraped(part: str, name: str, **labels: str) -> bool:
            _, text = await get(session, f"{parts[part]}/metrics")
            return value(samples(text), name, **labels) >= 1

        await wait_for(lambda: scraped("worker", "discharge_pathways_opened_total"), timeout=30)
        await wait_for(lambda: scraped("gateway", "discharge_events_dead_lettered_total"), timeout=30)

        _, gateway_text = await get(session, f"{parts['gateway']}/metrics")
        _, worker_text = await get(session, f"{parts['worker']}/metrics")
        gateway, worker = samples(gateway_text), samples(worker_text)
        admitted = {"type": "hospital.patient_admitted"}
        assert value(gateway, "discharge_events_received_total", **admitted) == 2
        assert value(gateway, "discharge_events_accepted_total", **admitted) == 1
        assert value(gateway, "discharge_events_dead_lettered_total") == 1
        assert value(gateway, "discharge_ingest_latency_seconds_count") == 1
        assert value(worker, "discharge_outbound_published_total", type="pathway_started") == 1
        assert {s.labels["phase"] for s in worker if s.name == "discharge_pathways_open"} == set(PHASES)
        # The SDK's own metrics are part of each scrape.
        assert any(s.name.startswith("temporal_") for s in worker)
        assert any(s.name.startswith("temporal_") for s in gateway)
        # Never an identity or a patient key in a label.
        for text in (gateway_text, worker_text):
            assert PERSONNUMMER.replace("-", "")[2:] not in text.replace("-", "")
            assert "pk_" not in text
