"""Corrections and consults through the real stack: NATS, the gateway, the worker, Temporal, NATS again.

Events go in as a hospital or a vårdcentral publishes them (``events.<type>`` on JetStream); what the
pathway tells the world is read back from the outbound stream, as LMV, the VC or the rota would.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client as Nats
from temporalio.testing import WorkflowEnvironment

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.examples import PERSONNUMMER, SAMORDNINGSNUMMER, example_event
from events.streams import OUTBOUND_STREAM, ensure_streams
from tests.integration.gateway_support import (
    gateway_settings,
    publish,
    running_gateway,
    signalled_events,
    wait_for,
    workflow_id,
)
from tests.servers import NatsProcess, start_nats
from workers.gateway.service import temporal_delivery
from workers.worker import build_worker

pytestmark = pytest.mark.integration

#: The on-call rota of the examples' admitting unit in activities/data/oncall_rota.json.
ROTA = "SE2321000131-E000000000911"


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsProcess]:
    server = await start_nats(tmp_path)
    yield server
    await server.stop()


@pytest.fixture
async def nats(own_nats: NatsProcess) -> AsyncIterator[Nats]:
    connection = await connect_nats(Settings(nats_url=own_nats.url), retry_forever=False)
    await ensure_streams(connection.jetstream())
    yield connection
    await connection.drain()


async def outbound(nats: Nats) -> list[dict[str, Any]]:
    """Every outbound CloudEvent on the stream so far, in order."""
    js = nats.jetstream()
    info = await js.stream_info(OUTBOUND_STREAM)
    if not info.state.messages:
        return []
    messages = [
        await js.get_msg(OUTBOUND_STREAM, seq) for seq in range(info.state.first_seq, info.state.last_seq + 1)
    ]
    return [json.loads(m.data or b"{}") for m in messages]


def of(events: list[dict[str, Any]], type_: str, patient_key: str | None = None) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e["type"] == f"discharge.{type_}" and patient_key in (None, e["data"]["patient_key"])
    ]


async def test_corrections_and_an_unanswered_consult_through_gateway_worker_and_nats(
    own_nats: NatsProcess, nats: Nats, temporal_env: WorkflowEnvironment
) -> None:
    settings = gateway_settings(
        own_nats.url,
        discharge_late_event_grace=timedelta(0),
        discharge_consult_answer_timeout_acute=timedelta(seconds=2),
    )
    client = temporal_env.client
    js = nats.jetstream()
    now = datetime.now(UTC)
    numbers = iter(range(1, 100))

    async def send(event_type: str, patient: str, ago: timedelta, **data: Any) -> None:
        event = example_event(event_type, patient=patient, time=now - ago, event_id=f"stack-{next(numbers)}")
        event["data"].update(data)
        await publish(js, event)

    async def seen(type_: str, count: int = 1, reason: str | None = None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        async def enough() -> bool:
            found[:] = [
                e for e in of(await outbound(nats), type_) if reason in (None, e["data"].get("reason"))
            ]
            return len(found) >= count

        await wait_for(enough, timeout=30)
        return found

    async with (
        build_worker(client, settings, JetStreamPublisher(js)),
        running_gateway(settings, temporal_delivery(client, settings.temporal_task_queue)),
    ):
        # One patient: discharged with LMV support, an acute consult nobody answers, then corrections.
        p = PERSONNUMMER
        await send("hospital.patient_admitted", p, timedelta(days=3))
        await send("hospital.risk_assessed", p, timedelta(days=2))
        await send("hospital.patient_discharged", p, timedelta(hours=5))
        await seen("support_started")
        await send("primarycare.consult_requested", p, timedelta(0), urgency="acute")
        request = (await seen("consult_requested"))[0]["data"]
        assert request["to"] == ROTA and request["urgency"] == "acute" and request["risk_level"] == "high"
        assert request["patient"]["id"] == "190912319803"
        escalations = await seen("escalation_raised", 2, reason="consult_not_answered")
        assert {e["data"]["to"] for e in escalations} >= {ROTA, "coordinator"}
        await send("hospital.consult_answered", p, timedelta(0), request_id=request["consult_id"])

        corrected_to = now - timedelta(days=1)
        await send("hospital.discharge_corrected", p, timedelta(0), discharged_at=corrected_to.isoformat())
        rescheduled = (await seen("support_rescheduled"))[0]["data"]
        assert rescheduled["discharged_at"] == corrected_to.isoformat()
        await send("hospital.discharge_cancelled", p, timedelta(0), reason="fel patient utskriven")
        cancelled = (await seen("discharge_cancelled"))[0]["data"]
        assert cancelled["to"] == "lmv" and cancelled["patient"]["id"] == "190912319803"
        signalled = json.dumps(await signalled_events(client, workflow_id(settings, p)))
        assert "hospital.discharge_cancelled" in signalled and "fel patient" not in signalled

        # Another patient: the admission was entered in error after joint planning was requested.
        q = SAMORDNINGSNUMMER
        await send("hospital.patient_admitted", q, timedelta(hours=3))
        await send("hospital.risk_assessed", q, timedelta(hours=2))
        await seen("joint_planning_requested", 2)
        await send("hospital.admission_cancelled", q, timedelta(0))
        withdrawn = await seen("pathway_withdrawn", 2)
        assert {w["data"]["to"] for w in withdrawn} == {"lmv", "SE2321000131-F000000000101"}
        closed = [c["data"] for c in await seen("pathway_closed")]
        assert [c["outcome"] for c in closed] == ["entered_in_error"]
        assert closed[0]["indicators"]["counted"] is False

    everything = json.dumps(await outbound(nats))
    assert "fel patient" not in everything  # the hospital's free text never leaves the gateway
