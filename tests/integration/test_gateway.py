"""The gateway against a real nats-server and a real Temporal dev server."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from nats.aio.client import Client as Nats
from nats.js.errors import NotFoundError
from temporalio.testing import WorkflowEnvironment

from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.deadletter import DeadLetter
from events.examples import (
    PERSONNUMMER,
    PERSONNUMMER_NO_HYPHEN,
    RESERVNUMMER,
    SAMORDNINGSNUMMER,
    example_event,
)
from events.inbound.envelopes import INBOUND_TYPES
from events.streams import DEADLETTER_STREAM, ensure_streams
from tests.integration.gateway_support import (
    dead_letters,
    gateway_settings,
    publish,
    running_gateway,
    signalled_events,
    wait_for,
    workflow_id,
)
from tests.servers import NatsProcess, start_nats
from workers.gateway.service import run_gateway, temporal_delivery
from workflows.api import PathwayEvent

pytestmark = pytest.mark.integration


@pytest.fixture
async def own_nats(tmp_path: Path) -> AsyncIterator[NatsProcess]:
    """A nats-server of the test's own: the durable consumer sees only this test's events."""
    server = await start_nats(tmp_path)
    yield server
    await server.stop()


@pytest.fixture
async def nats(own_nats: NatsProcess) -> AsyncIterator[Nats]:
    connection = await connect_nats(Settings(nats_url=own_nats.url), retry_forever=False)
    await ensure_streams(connection.jetstream())
    yield connection
    await connection.drain()


async def test_every_inbound_type_reaches_its_pathway(
    own_nats: NatsProcess, nats: Nats, temporal_env: WorkflowEnvironment
) -> None:
    settings = gateway_settings(own_nats.url)
    client = temporal_env.client
    js = nats.jetstream()
    patients = [PERSONNUMMER, PERSONNUMMER_NO_HYPHEN, SAMORDNINGSNUMMER, RESERVNUMMER]
    async with running_gateway(settings, temporal_delivery(client, settings.temporal_task_queue)):
        for index, event_type in enumerate(INBOUND_TYPES):
            patient = patients[index % len(patients)]
            await publish(js, example_event(event_type, patient=patient, event_id=f"e-{index}"))

        expected = {
            patient: [f"e-{i}" for i in range(len(INBOUND_TYPES)) if i % len(patients) == n]
            for n, patient in enumerate(patients)
        }

        async def all_signalled() -> bool:
            for patient, ids in expected.items():
                seen = [e["id"] for e in await signalled_events(client, workflow_id(settings, patient))]
                if sorted(seen) != sorted(ids):
                    return False
            return True

        await wait_for(all_signalled, timeout=20)

    # The workflow ID and the search attribute carry the pseudonym, never the identity.
    handle = client.get_workflow_handle(workflow_id(settings, PERSONNUMMER))
    description = await handle.describe()
    assert "19091231" not in description.id
    assert description.id.startswith("pathway-pk_")
    first = (await signalled_events(client, description.id))[0]
    assert first["type"] == INBOUND_TYPES[0] and first["data"]["patient"]["id"] == "190912319803"


async def test_bad_input_is_dead_lettered_with_a_reason_and_the_next_event_still_flows(
    own_nats: NatsProcess, nats: Nats, temporal_env: WorkflowEnvironment
) -> None:
    settings = gateway_settings(own_nats.url)
    client = temporal_env.client
    js = nats.jetstream()
    bad_check_digit = example_event("hospital.patient_admitted", event_id="bad-pnr")
    bad_check_digit["data"]["patient"]["id"] = "19091231-9804"
    too_long = example_event("coordination.extension_decided", event_id="bad-days")
    too_long["data"]["extend_days"] = 15
    future = example_event(
        "hospital.risk_assessed", event_id="future", time=datetime.now(UTC) + timedelta(hours=2)
    )
    unknown = example_event("hospital.risk_assessed", event_id="unknown")
    unknown["type"] = "hospital.risk_reassessed"
    misrouted = example_event("hospital.risk_assessed", event_id="misrouted")
    bad: list[tuple[bytes, str, str, str]] = [
        (b"{not json", "events.hospital.patient_admitted", "not_json", "not JSON"),
        (json.dumps(unknown).encode(), "events.hospital.risk_reassessed", "unknown_type",
         "type: not an event type of the contract"),
        (json.dumps(bad_check_digit).encode(), "events.hospital.patient_admitted", "schema_violation",
         "data.patient.id: not a valid personnummer: the check digit is wrong"),
        (json.dumps(too_long).encode(), "events.coordination.extension_decided", "schema_violation",
         "data.extend_days"),
        (json.dumps(future).encode(), "events.hospital.risk_assessed", "clock_error", "clock is wrong"),
        (json.dumps(misrouted).encode(), "events.hospital.patient_admitted", "wrong_subject",
         "must be published on events.hospital.risk_assessed"),
    ]  # fmt: skip
    async with running_gateway(settings, temporal_delivery(client, settings.temporal_task_queue)):
        for body, subject, _, _ in bad:
            await publish(js, body, subject)
        good = example_event("hospital.patient_admitted", event_id="good-after-bad")
        await publish(js, good)

        async def good_arrived() -> bool:
            events = await signalled_events(client, workflow_id(settings, PERSONNUMMER))
            return [e["id"] for e in events] == ["good-after-bad"]

        await wait_for(good_arrived)
        letters = await dead_letters(nats, len(bad))

    assert len(letters) == len(bad)
    by_subject_body = {(subject, body): headers for subject, body, headers in letters}
    for body, subject, kind, reason in bad:
        headers = by_subject_body[(f"deadletter.{subject}", body)]  # original bytes, kept as they were
        letter = DeadLetter.from_headers(headers)
        assert letter.kind == kind
        assert reason in letter.reason
        assert letter.subject == subject
        assert letter.deliveries == 1
        assert "19091231" not in letter.reason and "190912319804" not in letter.reason


async def test_the_same_event_sent_twice_is_stored_and_signalled_once(
    own_nats: NatsProcess, nats: Nats, temporal_env: WorkflowEnvironment
) -> None:
    settings = gateway_settings(own_nats.url)
    client = temporal_env.client
    js = nats.jetstream()
    event = example_event("primarycare.physician_contact", event_id="contact-1")
    async with running_gateway(settings, temporal_delivery(client, settings.temporal_task_queue)):
        first = await publish(js, event)
        again = await publish(js, event)
        assert not first.duplicate and again.duplicate
        await publish(js, example_event("primarycare.physician_contact", event_id="contact-2"))

        async def both() -> bool:
            events = await signalled_events(client, workflow_id(settings, PERSONNUMMER))
            return len(events) >= 2

        await wait_for(both)
    events = await signalled_events(client, workflow_id(settings, PERSONNUMMER))
    assert sorted(e["id"] for e in events) == ["contact-1", "contact-2"]  # handled concurrently: any order


async def test_a_failed_delivery_is_redelivered_not_dropped(own_nats: NatsProcess, nats: Nats) -> None:
    """The FastStream trap: a failing handler must lead to redelivery by the real server."""
    settings = gateway_settings(own_nats.url)
    attempts: list[str] = []
    received: set[datetime | None] = set()
    delivered: list[PathwayEvent] = []

    async def flaky(event: PathwayEvent) -> None:
        attempts.append(event.event.id)
        received.add(event.received_at)
        if len(attempts) < 3:
            raise ConnectionError("Temporal unreachable")
        delivered.append(event)

    async with running_gateway(settings, flaky):
        await publish(nats.jetstream(), example_event("hospital.patient_discharged", event_id="d-1"))

        async def done() -> bool:
            return bool(delivered)

        await wait_for(done, timeout=15)
    assert attempts == ["d-1", "d-1", "d-1"]
    assert len(received) == 1  # the stream's time, not the delivery's: a redelivery is the same signal
    assert [e.event.id for e in delivered] == ["d-1"]
    assert delivered[0].patient_key.startswith("pk_")


async def test_a_message_still_failing_after_max_deliveries_is_dead_lettered(
    own_nats: NatsProcess, nats: Nats
) -> None:
    settings = gateway_settings(own_nats.url, discharge_max_deliveries=2)
    attempts = 0

    async def broken(event: PathwayEvent) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("namespace not found")

    body = json.dumps(example_event("hospital.patient_deceased", event_id="x-1")).encode()
    async with running_gateway(settings, broken):
        await publish(nats.jetstream(), body, "events.hospital.patient_deceased")
        letters = await dead_letters(nats, 1)
    subject, dead_body, headers = letters[0]
    letter = DeadLetter.from_headers(headers)
    assert subject == "deadletter.events.hospital.patient_deceased" and dead_body == body
    assert letter.kind == "delivery_failed" and letter.deliveries == 2
    assert "RuntimeError: namespace not found" in letter.reason
    assert attempts == 2


async def test_run_gateway_creates_the_streams_delivers_and_stops_cleanly(
    own_nats: NatsProcess, temporal_env: WorkflowEnvironment
) -> None:
    client = temporal_env.client
    settings = gateway_settings(own_nats.url, temporal_address=client.service_client.config.target_host)
    gateway = asyncio.create_task(run_gateway(settings))
    nats = await connect_nats(Settings(nats_url=own_nats.url), retry_forever=False)
    try:
        js = nats.jetstream()

        async def streams_exist() -> bool:
            try:
                await js.stream_info(DEADLETTER_STREAM)
                return True
            except NotFoundError:
                return False

        await wait_for(streams_exist)  # on a fresh server, made by the gateway itself
        await publish(js, example_event("hospital.patient_admitted", event_id="run-1"))

        async def arrived() -> bool:
            return len(await signalled_events(client, workflow_id(settings, PERSONNUMMER))) == 1

        await wait_for(arrived)
    finally:
        await nats.drain()
        gateway.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gateway
    assert gateway.done()
