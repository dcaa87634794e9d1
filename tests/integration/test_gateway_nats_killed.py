"""`discharge gateway` as a process keeps consuming after nats-server is SIGKILLed and started again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import pytest

from bench.soak_parts import connect, publish_all, quietly, running_parts, soak_settings
from events.examples import PERSONNUMMER, example_event
from events.identity import parse_identity, patient_key, workflow_id_for
from events.streams import ensure_streams
from tests.integration.gateway_support import wait_for
from workers.stack.health import http_ok
from workflows.api import PathwayView
from workflows.names import QUERY_STATE

pytestmark = pytest.mark.integration


async def test_the_gateway_process_consumes_again_after_nats_is_killed_and_restarted(tmp_path: Path) -> None:
    settings = soak_settings(tmp_path, discharge_reorder_window=timedelta(0))
    now = datetime.now(UTC) - timedelta(minutes=10)
    admitted = example_event("hospital.patient_admitted", event_id="before-kill", time=now)
    assessed = example_event("hospital.risk_assessed", event_id="after-kill", time=now + timedelta(minutes=1))
    async with running_parts(tmp_path, settings) as parts:
        gateway_pid = parts.children["gateway"].pid
        sender = await nats.connect(settings.nats_url, error_cb=quietly, max_reconnect_attempts=-1)
        await ensure_streams(sender.jetstream())
        client = await connect(settings)
        secret = settings.discharge_patient_key_secret.get_secret_value()
        handle = client.get_workflow_handle(
            workflow_id_for(patient_key(parse_identity(PERSONNUMMER), secret))
        )

        async def view() -> PathwayView | None:
            try:
                state: PathwayView = await handle.query(QUERY_STATE, result_type=PathwayView)
                return state
            except Exception:
                return None

        async def admitted_applied() -> bool:
            return (state := await view()) is not None and state.admitted_at is not None

        async def assessed_applied() -> bool:
            return (state := await view()) is not None and state.risk_level == "high"

        await publish_all(sender.jetstream, [admitted])
        await wait_for(admitted_applied, timeout=30)
        await parts.kill("nats")  # SIGKILL: no goodbye to its clients
        await parts.start("nats")
        started = time.perf_counter()
        await publish_all(sender.jetstream, [assessed])  # retried until the restarted stream acks it
        await wait_for(assessed_applied, timeout=30)
        readyz = f"http://{settings.discharge_gateway_http_address}/readyz"
        await wait_for(lambda: http_ok(readyz), timeout=10)
        assert parts.children["gateway"].pid == gateway_pid and parts.children["gateway"].returncode is None
        print(f"applied {time.perf_counter() - started:.1f} s after NATS came back")
        await sender.close()
