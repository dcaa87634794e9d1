"""Receipts through the real parts: a hospital event in, the delivery out, the receiver's receipt back in.

NATS, the gateway, the worker (Temporal), the delivery fan-out and a receiving vårdcentral as
`discharge receive --ack` plays it; the LMV unit answers nothing and is escalated `not_delivered`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats, provision
from discharge.receiving import receive
from events.examples import PERSONNUMMER, example_event
from tests.integration.delivery_support import LMV_UNIT, fan_out
from tests.integration.gateway_support import gateway_settings, publish, running_gateway, wait_for
from tests.integration.test_corrections_stack import of, outbound
from tests.servers import NatsProcess, start_nats
from workers.gateway.service import temporal_delivery
from workers.worker import build_worker

pytestmark = pytest.mark.integration

VC = "SE2321000131-F000000000101"  # the examples' listed vårdcentral


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsProcess]:
    server = await start_nats(tmp_path)
    yield server
    await server.stop()


async def test_a_vardcentrals_receipt_reaches_its_pathway_and_lmvs_silence_is_escalated(
    own_nats: NatsProcess, temporal_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    settings = gateway_settings(
        own_nats.url,
        discharge_data_dir=tmp_path,
        discharge_late_event_grace=timedelta(0),
        discharge_delivery_receipt_timeout=timedelta(seconds=6),
        discharge_lmv_unit=LMV_UNIT,
    )
    await provision(settings)
    nats = await connect_nats(settings, retry_forever=False)
    js = nats.jetstream()
    now = datetime.now(UTC)
    client = temporal_env.client
    try:
        async with (
            build_worker(client, settings, JetStreamPublisher(js)),
            running_gateway(settings, temporal_delivery(client, settings.temporal_task_queue)),
            fan_out(settings),
        ):
            for number, (type_, ago) in enumerate(
                (
                    ("hospital.patient_admitted", timedelta(hours=3)),
                    ("hospital.risk_assessed", timedelta(hours=2)),
                )
            ):
                event = example_event(
                    type_, patient=PERSONNUMMER, time=now - ago, event_id=f"receipts-{number}"
                )
                await publish(js, event)
            acked: list[str] = []
            read = await receive(
                settings, VC, lambda d, sent: acked.append(d["type"]) if sent else None, ack=True, idle=3
            )
            assert "discharge.joint_planning_requested" in acked and read >= 2

            async def answered() -> bool:
                events = await outbound(nats)
                return bool(of(events, "delivery_received")) and any(
                    e["data"]["reason"] == "not_delivered" for e in of(events, "escalation_raised")
                )

            await wait_for(answered, timeout=30)
        events = await outbound(nats)
        received = of(events, "delivery_received")[0]["data"]
        assert (received["receiver"], received["delivered_type"]) == (VC, "joint_planning_requested")
        escalated = [
            e["data"] for e in of(events, "escalation_raised") if e["data"]["reason"] == "not_delivered"
        ]
        assert [(e["receiver"], e["delivered_type"]) for e in escalated] == [
            (LMV_UNIT, "joint_planning_requested")
        ]
    finally:
        await nats.close()
