"""Who may send what on the embedded NATS: each sending system only its own subjects (real nats-server)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as Nats
from nats.errors import NoServersError

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.delivery import DELIVERY_STREAM
from events.examples import example_event
from events.outbound.event import OutboundEvent
from events.outbound.examples import example_outbound
from events.streams import INBOUND_STREAM, ensure_streams
from tests.servers import NatsProcess, start_nats
from workers.doors.intake import read_event, store
from workers.stack.nats_auth import NatsLogin, ensure_logins

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def secured(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[NatsProcess, Path]]:
    directory = tmp_path_factory.mktemp("secured-nats")
    server = await start_nats(directory, secured=True)
    yield server, directory
    await server.stop()


async def connect_as(server: NatsProcess, login: NatsLogin, errors: list[str] | None = None) -> Nats:
    async def collect(error: Exception) -> None:
        if errors is not None:
            errors.append(str(error))

    return await nats.connect(
        server.url,
        nkeys_seed=str(login.seed_file),
        inbox_prefix=login.inbox_prefix,
        error_cb=collect,
        max_reconnect_attempts=0,
        allow_reconnect=False,
    )


async def messages_on(js: object, subject: str) -> int:
    info = await js.stream_info(INBOUND_STREAM, subjects_filter=subject)  # type: ignore[attr-defined]
    return sum((info.state.subjects or {}).values())


async def test_a_municipality_cannot_publish_a_coordinators_decision_but_can_publish_its_own(
    secured: tuple[NatsProcess, Path],
) -> None:
    server, directory = secured
    logins = ensure_logins(directory)
    cli = await connect_as(server, logins["cli"])
    await ensure_streams(cli.jetstream())
    errors: list[str] = []
    municipality = await connect_as(server, logins["municipality"], errors)
    try:
        decision = example_event("coordination.extension_decided")
        await municipality.publish("events.coordination.extension_decided", json.dumps(decision).encode())
        await municipality.flush()
        for _ in range(50):  # the server's -ERR arrives asynchronously
            if errors:
                break
            await asyncio.sleep(0.05)
        assert any("permissions violation for publish" in error.lower() for error in errors), errors
        assert await messages_on(cli.jetstream(), "events.coordination.extension_decided") == 0

        enrolled = example_event("municipality.homecare_enrolled")
        ack = await municipality.jetstream().publish(
            "events.municipality.homecare_enrolled", json.dumps(enrolled).encode()
        )
        assert ack.stream == INBOUND_STREAM
        assert await messages_on(cli.jetstream(), "events.municipality.homecare_enrolled") == 1
    finally:
        await municipality.close()
        await cli.close()


async def test_a_sender_cannot_read_another_users_inbox_nor_connect_without_a_key(
    secured: tuple[NatsProcess, Path],
) -> None:
    server, directory = secured
    logins = ensure_logins(directory)
    errors: list[str] = []
    hospital = await connect_as(server, logins["hospital"], errors)
    try:
        await hospital.subscribe("_INBOX_gateway.>")  # where the gateway's pushed events arrive
        await hospital.flush()
        for _ in range(50):
            if errors:
                break
            await asyncio.sleep(0.05)
        assert any("permissions violation for subscription" in error.lower() for error in errors), errors
    finally:
        await hospital.close()
    with pytest.raises((NoServersError, OSError, nats.errors.Error)):
        await nats.connect(server.url, max_reconnect_attempts=0, allow_reconnect=False, connect_timeout=2)


async def test_the_cli_login_of_a_dev_data_dir_is_found_without_settings(
    secured: tuple[NatsProcess, Path],
) -> None:
    """`discharge publish` against a running `discharge dev` needs no setup: the data dir has its login."""
    server, directory = secured
    connection = await connect_nats(
        Settings(nats_url=server.url, discharge_data_dir=directory), retry_forever=False
    )
    try:
        await ensure_streams(connection.jetstream())
        event = example_event("hospital.patient_admitted")
        ack = await connection.jetstream().publish(
            "events.hospital.patient_admitted", json.dumps(event).encode()
        )
        assert ack.stream == INBOUND_STREAM
    finally:
        await connection.close()


async def test_the_web_page_stores_primary_cares_events_through_the_door_and_no_hospital_event(
    secured: tuple[NatsProcess, Path],
) -> None:
    """The physicians' actions (workers/web/send.py) as the `web` user: primary care's events only."""
    server, directory = secured
    logins = ensure_logins(directory)
    cli = await connect_as(server, logins["cli"])
    await ensure_streams(cli.jetstream())
    errors: list[str] = []
    web = await connect_as(server, logins["web"], errors)
    try:
        contact = example_event("primarycare.physician_contact")
        ready = read_event(json.dumps(contact).encode(), label="web", future_tolerance=timedelta(minutes=5))
        await store(web.jetstream(), "web", [ready])
        assert await messages_on(cli.jetstream(), "events.primarycare.physician_contact") == 1
        admitted = example_event("hospital.patient_admitted")
        await web.publish("events.hospital.patient_admitted", json.dumps(admitted).encode())
        await web.flush()
        for _ in range(50):
            if errors:
                break
            await asyncio.sleep(0.05)
        assert any("permissions violation for publish" in error.lower() for error in errors), errors
    finally:
        await web.close()
        await cli.close()


async def test_the_worker_may_deliver_an_event_to_a_receiver_it_names_once(
    secured: tuple[NatsProcess, Path],
) -> None:
    # A step published before its LMV unit was known is delivered to it by the pathway itself
    # (workflows/rules/entries.py `Deliver`): the worker's user may publish on `deliver.>`, and a retry is
    # stored once (the fan-out's `Nats-Msg-Id`).
    server, directory = secured
    logins = ensure_logins(directory)
    cli = await connect_as(server, logins["cli"])
    await ensure_streams(cli.jetstream())
    worker = await connect_as(server, logins["worker"])
    try:
        event = OutboundEvent.from_cloudevent(example_outbound("handover_completed"))
        lmv = next(r for r in event.data.receivers() if r.party == "lmv")
        publisher = JetStreamPublisher(worker.jetstream())
        for _ in range(2):
            await publisher.deliver(event, [lmv])
        info = await cli.jetstream().stream_info(DELIVERY_STREAM, subjects_filter="deliver.>")
        assert info.state.subjects == {f"deliver.{lmv.hsa_id}.handover_completed": 1}
    finally:
        await worker.close()
        await cli.close()
