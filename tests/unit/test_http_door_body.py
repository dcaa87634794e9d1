"""`POST /events` reading its body and taking a slot: a body that came with the headers and one that trickles
in are stored the same, byte for byte; a body too large without a Content-Length is 413, one that stalls is
400, and a request that finds every slot taken waits, then is 503 (workers/http/door.py, in process: aiohttp's
test server, JetStream replaced by a recorder)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from discharge.bearer import dev_verifier, write_dev_tokens
from events.examples import example_event
from tests.inbound_events import PATIENT
from workers.http import door as door_module
from workers.http.door import EventsDoor

STRUCTURED = "application/cloudevents+json"


class RecordingJetStream:
    """Records what would be stored; ``gate`` (when given) holds every publish until it is set."""

    def __init__(self, gate: asyncio.Event | None = None) -> None:
        self.stored: list[bytes] = []
        self.gate = gate

    async def publish(self, subject: str, payload: bytes, **_: Any) -> SimpleNamespace:
        if self.gate is not None:
            await self.gate.wait()
        self.stored.append(payload)
        return SimpleNamespace(duplicate=False)


def admission(number: int) -> bytes:
    event = example_event("hospital.patient_admitted", patient=PATIENT, event_id=f"body-{number}")
    return json.dumps(event).encode()


async def client_for(door: EventsDoor) -> TestClient[web.Request, web.Application]:
    app = web.Application()
    app.router.add_post("/events", door.handle)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def token(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    yield write_dev_tokens(tmp_path)["hospital"].read_text().strip(), tmp_path


def events_door(data_dir: Path, js: RecordingJetStream, slots: int = 8) -> EventsDoor:
    return EventsDoor(
        dev_verifier(data_dir),
        lambda: js,  # type: ignore[arg-type,return-value]
        future_tolerance=timedelta(minutes=5),
        max_concurrency=slots,
        rate=1000,
    )


async def trickle(body: bytes, pause: float = 0.05, stall: float = 0.0) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 100):
        await asyncio.sleep(pause)
        yield body[start : start + 100]
        await asyncio.sleep(stall)
        stall = 0.0


async def test_a_body_at_once_and_one_that_trickles_in_are_stored_byte_for_byte(
    token: tuple[str, Path],
) -> None:
    bearer, data_dir = token
    js = RecordingJetStream()
    client = await client_for(events_door(data_dir, js))
    headers = {"Content-Type": STRUCTURED, "Authorization": f"Bearer {bearer}"}
    try:
        whole = await client.post("/events", data=admission(1), headers=headers)
        chunked = await client.post("/events", data=trickle(admission(2)), headers=headers)
        assert (whole.status, chunked.status) == (202, 202), await chunked.text()
        assert js.stored == [admission(1), admission(2)]
    finally:
        await client.close()


async def test_a_chunked_body_over_the_bound_is_413_and_a_stalled_one_is_400(
    token: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bearer, data_dir = token
    monkeypatch.setattr(door_module, "BODY_TIMEOUT", 0.3)
    js = RecordingJetStream()
    client = await client_for(events_door(data_dir, js))
    headers = {"Content-Type": STRUCTURED, "Authorization": f"Bearer {bearer}"}
    try:
        large = await client.post("/events", data=trickle(b" " * (64 * 1024 + 1), 0), headers=headers)
        assert large.status == 413
        stalled = await client.post("/events", data=trickle(admission(3), stall=0.6), headers=headers)
        assert stalled.status == 400
        assert (await stalled.json())["type"] == "urn:discharge:problem:incomplete"
        assert js.stored == []
    finally:
        await client.close()


async def test_a_request_that_finds_every_slot_taken_waits_then_is_503(
    token: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    bearer, data_dir = token
    monkeypatch.setattr(door_module, "QUEUE_TIMEOUT", 0.3)
    gate = asyncio.Event()
    js = RecordingJetStream(gate)
    client = await client_for(events_door(data_dir, js, slots=1))
    headers = {"Content-Type": STRUCTURED, "Authorization": f"Bearer {bearer}"}
    try:
        holding = asyncio.create_task(client.post("/events", data=admission(4), headers=headers))
        await asyncio.sleep(0.1)  # the first request holds the only slot, waiting for its store
        busy = await client.post("/events", data=admission(5), headers=headers)
        assert busy.status == 503 and busy.headers["Retry-After"] == "1"
        # A request that waits for a slot freed within the bound is served.
        waiting = asyncio.create_task(client.post("/events", data=admission(6), headers=headers))
        await asyncio.sleep(0.1)
        gate.set()
        assert ((await holding).status, (await waiting).status) == (202, 202)
        assert js.stored == [admission(4), admission(6)]
    finally:
        await client.close()
