"""Fuzzing both doors as processes: hostile bodies over HTTP and hostile HL7 messages over MLLP.

Every request and every message is answered (HTTP 4xx with problem details, HL7 ACK with the MSA-2 it
belongs to), no answer repeats what it was sent, nothing hostile is stored, both processes keep running and
a valid event afterwards is taken at once: nothing stalled.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import hl7
import httpx
import nats
import pytest

from bench.soak import patient
from events.examples import example_event
from events.streams import INBOUND_STREAM
from tests.fuzz_messages import malformed_messages
from tests.hl7_fuzz import hostile_messages
from tests.integration.doors_support import END_BLOCK, START_BLOCK, Doors, mllp_send

pytestmark = pytest.mark.integration

BODIES = 500
MESSAGES = 550
#: Whatever else a mutation does, these are never an event: anything else may be one (a missing PD1, a
#: name full of escapes), and is then stored like any valid message.
MUST_REFUSE = frozenset({"random_bytes", "invalid_identity", "wrong_type", "bad_time"})
SEED = 20261203


async def stored(url: str) -> int:
    nc = await nats.connect(url)
    try:
        return (await nc.jetstream().stream_info(INBOUND_STREAM)).state.messages
    finally:
        await nc.close()


async def test_hostile_requests_and_messages_are_all_answered_and_nothing_stalls(doors: Doors) -> None:
    before = await stored(doors.settings.nats_url)
    pids = {name: child.pid for name, child in doors.children.items()}
    # HTTP: the gateway fuzz's malformed bodies (less the valid ones it sends on a wrong subject),
    # structured, or binary with the body as data, 20 at a time.
    bodies = [bad for bad in malformed_messages(BODIES, SEED) if bad.category != "wrong_subject"]
    auth = doors.auth("hospital")
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=doors.http_url, timeout=30) as http:
        gate = asyncio.Semaphore(20)

        async def send(index: int, body: bytes) -> httpx.Response:
            if index % 5 == 4:
                headers = {
                    "ce-specversion": "1.0",
                    "ce-id": f"f{index}",
                    "ce-source": "urn:x",
                    "ce-type": "hospital.patient_admitted",
                    "ce-time": "2026-11-20T08:00:00+01:00",
                    "Content-Type": "application/json",
                }
            else:
                headers = {"Content-Type": "application/cloudevents+json"}
            async with gate:
                return await http.post("/events", content=body, headers=headers | auth)

        answers = await asyncio.gather(*(send(i, bad.body) for i, bad in enumerate(bodies)))
    http_seconds = time.perf_counter() - started
    for bad, answer in zip(bodies, answers, strict=True):
        assert answer.status_code in (400, 413), (bad.category, answer.status_code, answer.text[:200])
        assert answer.headers["content-type"] == "application/problem+json"
        for canary in bad.canaries:
            assert canary not in answer.text, (bad.category, answer.text[:200])

    # MLLP: hostile messages over 4 connections, one message at a time on each.
    messages = list(hostile_messages(MESSAGES, SEED))
    started = time.perf_counter()
    acks = await asyncio.gather(
        *(mllp_send(doors.hl7_port, *(m.body for m in messages[i::4])) for i in range(4))
    )
    hl7_seconds = time.perf_counter() - started
    by_message = {id(m): a for i in range(4) for m, a in zip(messages[i::4], acks[i], strict=True)}
    for message in messages:
        text = by_message[id(message)].decode("utf-8", errors="replace")
        answer = hl7.parse(text)
        code = str(answer.segment("MSA")(1))
        assert code in ("AA", "AE", "AR"), (message.category, text[:300])
        if message.category in MUST_REFUSE:
            assert code in ("AE", "AR"), (message.category, text[:300])
        if message.control_id is not None:
            assert str(answer.segment("MSA")(2)) == message.control_id, message.category
        for canary in message.canaries:
            assert canary not in text, (message.category, text[:300])

    # A broken frame (no start block) closes that connection; the next one is served.
    reader, writer = await asyncio.open_connection("127.0.0.1", doors.hl7_port)
    writer.write(b"MSH|garbage" + END_BLOCK)
    await writer.drain()
    assert await asyncio.wait_for(reader.read(), 10) == b""
    writer.close()

    # Nothing hostile stored (the benign mutations of the valid A01 are one event: MSH-10 aside, the same
    # source + id is not reused, so count them), nothing stalled, nobody restarted.
    accepted = sum(
        1
        for m in messages
        if str(hl7.parse(by_message[id(m)].decode("utf-8", "replace")).segment("MSA")(1)) == "AA"
    )
    assert await stored(doors.settings.nats_url) == before + accepted
    event = example_event("hospital.patient_admitted", patient=patient(901), event_id="after-fuzz")
    async with httpx.AsyncClient(base_url=doors.http_url, timeout=5) as http:
        ok = await http.post(
            "/events",
            content=json.dumps(event),
            headers={"Content-Type": "application/cloudevents+json"} | auth,
        )
        assert ok.status_code == 202
    valid = (
        (Path(__file__).parents[2] / "docs" / "hl7" / "ADT_A01.hl7")
        .read_bytes()
        .replace(b"HSH-A01-000123", b"AFTER-FUZZ")
    )
    (after,) = await mllp_send(doors.hl7_port, valid, timeout=5)
    assert b"MSA|AA|AFTER-FUZZ" in after
    assert {name: child.pid for name, child in doors.children.items()} == pids
    assert all(child.returncode is None for child in doors.children.values())
    for name in ("http", "hl7"):
        output = "\n".join(doors.parts.lines.get(name, []))
        assert "19091231" not in output and "Traceback" not in output, name
    print(f"doors fuzz: {len(bodies)} HTTP bodies in {http_seconds:.1f} s, ", end="")
    print(f"{len(messages)} HL7 messages in {hl7_seconds:.1f} s")
    assert START_BLOCK  # the framing constants are the helper's
