"""`discharge readmodel`'s /healthz, /readyz and /metrics against a real nats-server: ready while consuming
with its store answering, its lag as the newest applied event's time, not ready once NATS is gone."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from discharge.settings import Settings
from tests.integration.test_readmodel_consumer import publish
from tests.readmodel_support import cloudevents, trace_where, types
from tests.servers import start_nats
from workers.readmodel import run_readmodel
from workers.stack.servers import free_port

pytestmark = pytest.mark.integration


def metric(text: str, name: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


async def test_the_read_model_is_ready_while_consuming_and_shows_how_current_it_is(tmp_path: Path) -> None:
    nats = await start_nats(tmp_path)
    ops = f"127.0.0.1:{free_port()}"
    settings = Settings(
        nats_url=nats.url, discharge_data_dir=tmp_path / "data", discharge_readmodel_http_address=ops
    )
    _, trace = trace_where(lambda t: "support_started" in types(t))
    events = cloudevents(trace)[:3]
    newest = max(datetime.fromisoformat(str(e["time"])) for e in events)
    task = asyncio.create_task(run_readmodel(settings))
    try:
        async with httpx.AsyncClient(base_url=f"http://{ops}", timeout=2) as client:

            async def status(path: str) -> int:
                try:
                    return (await client.get(path)).status_code
                except httpx.HTTPError:
                    return 0

            for _ in range(200):
                if await status("/readyz") == 200:
                    break
                await asyncio.sleep(0.05)
            ready = (await client.get("/readyz")).json()
            assert ready == {"ready": True, "checks": {"nats": True, "consuming": True, "store": True}}
            assert (await client.get("/healthz")).status_code == 200

            await publish(settings, events)
            lag_metric = "discharge_readmodel_last_event_time_seconds"
            for _ in range(200):
                if metric((await client.get("/metrics")).text, lag_metric) == newest.timestamp():
                    break
                await asyncio.sleep(0.05)
            text = (await client.get("/metrics")).text
            assert metric(text, lag_metric) == newest.timestamp()
            assert (metric(text, "discharge_readmodel_events_applied_total") or 0) >= len(events)

            await nats.stop()
            for _ in range(200):
                if await status("/readyz") == 503:
                    break
                await asyncio.sleep(0.05)
            refused = (await client.get("/readyz")).json()
            assert refused["ready"] is False and refused["checks"]["nats"] is False
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await nats.stop()
