"""Delivery on a secured nats-server: a vårdcentral reads its own patients' events and nothing else."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig, StreamConfig

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import provision
from discharge.receiving import receive
from discharge.settings import Settings
from events.delivery import DELIVERY_STREAM, receiver_user
from events.outbound.event import OutboundEvent
from events.streams import INBOUND_STREAM, OUTBOUND_STREAM
from tests.integration.delivery_support import (
    LMV_UNIT,
    VC_ANDERSBERG,
    VC_CENTRUM,
    VC_VARBERG,
    connect_as,
    fan_out,
    login_settings,
    received,
    receiver_consumer,
)
from tests.servers import NatsProcess, start_nats
from workers.stack.nats_auth import ensure_logins
from workers.stack.servers import free_port

pytestmark = pytest.mark.integration

OWN_PATIENT, OTHER_PATIENT = "190912319803", "190503172389"


@pytest.fixture(scope="module")
async def secured(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[NatsProcess, Path]]:
    directory = tmp_path_factory.mktemp("delivery-nats")
    server = await start_nats(directory, secured=True)
    await provision(login_settings(server, ensure_logins(directory)["cli"], directory))
    yield server, directory
    await server.stop()


def planning_requested(event_id: str, personnummer: str, vardcentral: str) -> OutboundEvent:
    return OutboundEvent(
        id=event_id,
        type="joint_planning_requested",
        time=datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
        data={
            "patient_key": f"pk_{event_id}",
            "episode_id": f"episode-{event_id}",
            "patient": {"id": personnummer},
            "to": ["lmv", "vardcentral"],
            "listed_vardcentral": vardcentral,
        },
    )


async def refused(create: asyncio.Future[object] | object, errors: list[str]) -> bool:
    """Whether the server refused a consumer create: a permissions violation, and no answer."""
    try:
        await create  # type: ignore[misc]
    except (NatsError, TimeoutError):
        pass
    else:
        return False
    for _ in range(40):  # the server's -ERR arrives asynchronously
        if any("permissions violation" in error.lower() for error in errors):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_a_vardcentral_reads_its_own_patients_planning_request_and_nothing_about_anothers(
    secured: tuple[NatsProcess, Path],
) -> None:
    server, directory = secured
    logins = ensure_logins(directory)
    worker = await connect_as(server, logins["worker"])
    errors: list[str] = []
    vardcentral = await connect_as(server, logins[receiver_user(VC_CENTRUM)], errors)
    try:
        async with fan_out(login_settings(server, logins["delivery"], directory)):
            publisher = JetStreamPublisher(worker.jetstream())
            await publisher.publish(planning_requested("own-1", OWN_PATIENT, VC_CENTRUM))
            await publisher.publish(planning_requested("other-1", OTHER_PATIENT, VC_ANDERSBERG))
            await publisher.publish(planning_requested("own-1", OWN_PATIENT, VC_CENTRUM))  # a retried step
            documents = await received(vardcentral, VC_CENTRUM, at_least=1, seconds=5)

        assert [d["id"] for d in documents] == ["own-1"]  # once, and only its own patient
        own = documents[0]
        assert own["recipient"] == VC_CENTRUM
        assert own["type"] == "discharge.joint_planning_requested"
        assert own["data"]["patient"] == {"id": OWN_PATIENT}  # it must act: the identity is there
        assert OTHER_PATIENT not in str(documents)
        # The LMV unit got both (it plans with every vårdcentral); each copy stored once.
        info = await worker.jetstream().stream_info(DELIVERY_STREAM, subjects_filter="deliver.>")
        assert info.state.subjects == {
            f"deliver.{VC_CENTRUM}.joint_planning_requested": 1,
            f"deliver.{VC_ANDERSBERG}.joint_planning_requested": 1,
            f"deliver.{LMV_UNIT}.joint_planning_requested": 2,
        }

        # The server itself refuses any other filter: another VC's, every delivery, the outbound stream.
        js = vardcentral.jetstream()
        others = receiver_consumer(VC_CENTRUM, f"deliver.{VC_ANDERSBERG}.>")
        assert await refused(js.add_consumer(DELIVERY_STREAM, others, timeout=1), errors)
        errors.clear()
        everything = receiver_consumer(VC_CENTRUM, "deliver.>")
        assert await refused(js.add_consumer(DELIVERY_STREAM, everything, timeout=1), errors)
        errors.clear()
        outbound = receiver_consumer(VC_CENTRUM, "discharge.>")
        assert await refused(js.add_consumer(OUTBOUND_STREAM, outbound, timeout=1), errors)
        # Nor by hand, on its own create subject with a wider filter in the body (nats-server #6180).
        name = receiver_user(VC_CENTRUM)
        own_subject = f"$JS.API.CONSUMER.CREATE.{DELIVERY_STREAM}.{name}.deliver.{VC_CENTRUM}.>"
        for wider in ({"filter_subject": "deliver.>"}, {"filter_subjects": ["deliver.>"]}):
            request = {
                "stream_name": DELIVERY_STREAM,
                "config": {"name": name, "ack_policy": "explicit", **wider},
            }
            answer = json.loads((await vardcentral.request(own_subject, json.dumps(request).encode())).data)
            assert answer["error"]["err_code"] in (10131, 10137), answer  # filter mismatch / several filters
    finally:
        await vardcentral.close()
        await worker.close()


async def test_discharge_receive_reads_a_handover_request_once_and_sends_its_receipt(
    secured: tuple[NatsProcess, Path],
) -> None:
    server, directory = secured
    logins = ensure_logins(directory)
    worker = await connect_as(server, logins["worker"])
    handover = OutboundEvent(
        id="handover-1",
        type="handover_requested",
        time=datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
        data={
            "patient_key": "pk_handover",
            "episode_id": "episode-handover",
            "patient": {"id": OTHER_PATIENT},
            "to": VC_VARBERG,
            "reason": "support period ended",
            "summary": {
                "risk_level": "high",
                "home_type": "own_home",
                "discharged_at": "2026-11-19T10:00:00+01:00",
                "lmv_enrolled": True,
                "extensions": 0,
            },
        },
    )
    shown: list[tuple[dict[str, object], bool]] = []
    try:
        async with fan_out(login_settings(server, logins["delivery"], directory)):
            await JetStreamPublisher(worker.jetstream()).publish(handover)
            # Its own seed, found in the data dir as `discharge receive --as` finds it.
            as_receiver = Settings(nats_url=server.url, discharge_data_dir=directory)
            read = await receive(
                as_receiver, VC_VARBERG, lambda d, acked: shown.append((d, acked)), ack=True, idle=2
            )
        assert read == 1 and shown[0][1] is True
        assert shown[0][0]["id"] == "handover-1" and shown[0][0]["recipient"] == VC_VARBERG
        info = await worker.jetstream().stream_info(INBOUND_STREAM, subjects_filter="events.>")
        assert info.state.subjects == {"events.primarycare.message_acknowledged": 1}
        # Read once: a second look finds nothing new.
        assert await receive(as_receiver, VC_VARBERG, lambda d, acked: None, idle=1) == 0
    finally:
        await worker.close()


async def test_the_read_model_cannot_read_the_inbound_stream_and_no_service_can_create_a_stream(
    secured: tuple[NatsProcess, Path],
) -> None:
    server, directory = secured
    logins = ensure_logins(directory)

    async def peek_refused(user: str) -> bool:
        errors: list[str] = []
        connection = await connect_as(server, logins[user], errors)
        try:
            js = connection.jetstream()
            peek = ConsumerConfig(name="peek", durable_name="peek", filter_subject="events.>")
            return await refused(js.add_consumer(INBOUND_STREAM, peek, timeout=1), errors)
        finally:
            await connection.close()

    async def stream_refused(user: str) -> bool:
        errors: list[str] = []
        connection = await connect_as(server, logins[user], errors)
        try:
            stream = StreamConfig(name=f"ROGUE_{user.upper()}", subjects=[f"rogue.{user}.>"])
            return await refused(connection.jetstream(timeout=1).add_stream(stream), errors)
        finally:
            await connection.close()

    # Each user on a connection of its own, all at once: every refusal is a 1 s wait for an answer that
    # never comes, and they need not wait for each other.
    peekers, creators = ("readmodel", "delivery"), ("worker", "gateway", "readmodel", "delivery")
    checks = [*(f"peek as {u}" for u in peekers), *(f"stream as {u}" for u in creators)]
    results = await asyncio.gather(*map(peek_refused, peekers), *map(stream_refused, creators))
    assert [check for check, was_refused in zip(checks, results, strict=True) if not was_refused] == []


async def test_the_delivery_serves_health_readiness_and_metrics_like_every_process(
    secured: tuple[NatsProcess, Path],
) -> None:
    server, directory = secured
    address = f"127.0.0.1:{free_port()}"
    settings = login_settings(server, ensure_logins(directory)["delivery"], directory).model_copy(
        update={"discharge_delivery_http_address": address}
    )
    async with fan_out(settings), httpx.AsyncClient(base_url=f"http://{address}", timeout=5) as http:
        assert (await http.get("/healthz")).status_code == 200
        ready = await http.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"nats": True, "streams": True, "fetching": True}
        metrics = (await http.get("/metrics")).text
        assert "process_cpu_seconds_total" in metrics and "discharge_deliveries_stored_total" in metrics
