"""Fuzzing the real gateway: 2,000+ malformed messages among valid ones, gateway and worker as processes.

Every malformed message is dead-lettered with a reason that repeats nothing it held, every valid event
reaches its pathway, neither process restarts, and the consumer ends with nothing pending.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import nats
import pytest
from temporalio.client import Client

from bench.soak import patient
from bench.soak_parts import connect, quietly, running_parts, soak_settings
from events.deadletter import HEADER_KIND, HEADER_MSG_ID, HEADER_REASON
from events.examples import example_event
from events.identity import parse_identity, patient_key, workflow_id_for
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM, ensure_streams, inbound_msg_id
from tests.fuzz_messages import malformed_messages
from workers.gateway.consumer import DURABLE
from workflows.api import PathwayView
from workflows.names import QUERY_STATE

pytestmark = pytest.mark.integration

MALFORMED = 2_040
PATIENTS = 40
SEED = 20261123


def valid_events(run: str) -> list[dict[str, Any]]:
    events = []
    for number in range(PATIENTS):
        for event_type in ("hospital.patient_admitted", "hospital.risk_assessed"):
            event = example_event(
                event_type, patient=patient(number), event_id=f"{run}-{number}-{event_type}"
            )
            event["data"]["episode_id"] = f"fuzz-{number}"
            event["data"]["level"] = "standard" if event_type == "hospital.risk_assessed" else None
            event["data"] = {k: v for k, v in event["data"].items() if v is not None}
            events.append(event)
    return events


async def test_malformed_messages_are_dead_lettered_and_valid_ones_applied(tmp_path: Path) -> None:
    settings = soak_settings(tmp_path, discharge_reorder_window=timedelta(0))
    malformed = list(malformed_messages(MALFORMED, SEED))
    valid = valid_events(f"ok{SEED}")
    async with running_parts(tmp_path, settings) as parts:
        pids = {name: parts.children[name].pid for name in ("worker", "gateway")}
        nc = await nats.connect(settings.nats_url, error_cb=quietly)
        js = nc.jetstream()
        await ensure_streams(js)
        started = time.perf_counter()
        # Interleaved: a valid event after every ~50 malformed ones, in one stream.
        batches: list[list[tuple[str, bytes, str]]] = []
        every = MALFORMED // len(valid)
        for index, bad in enumerate(malformed):
            if not batches or len(batches[-1]) >= 50:
                batches.append([])
            batches[-1].append((bad.subject, bad.body, f"fuzz {index}"))
            if index % every == 0 and index // every < len(valid):
                event = valid[index // every]
                body = json.dumps(event).encode()
                batches[-1].append(
                    (f"events.{event['type']}", body, inbound_msg_id(event["source"], event["id"]))
                )
        for batch in batches:
            await asyncio.gather(*(js.publish(s, b, headers={"Nats-Msg-Id": m}) for s, b, m in batch))

        letters = await dead_letters(js, MALFORMED, timeout=120)
        client = await connect(settings)
        await all_applied(client, settings, timeout=60)
        # Duplicate ids with other content (a high risk instead of standard): JetStream's de-duplication on
        # the contract's `Nats-Msg-Id` (source + id) drops them, and the pathways keep what came first.
        for event in valid[1::2]:
            other = json.dumps({**event, "data": {**event["data"], "level": "high"}}).encode()
            headers = {"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])}
            assert (await js.publish(f"events.{event['type']}", other, headers=headers)).duplicate
        await all_applied(client, settings, timeout=10)
        info = await wait_for_idle(js)
        elapsed = time.perf_counter() - started

        by_id = {f"fuzz {index}": bad for index, bad in enumerate(malformed)}
        assert sorted(letters) == sorted(by_id), "every malformed message dead-lettered, and only those"
        for msg_id, headers in letters.items():
            bad = by_id[msg_id]
            assert headers[HEADER_KIND] not in ("delivery_failed", "no_pathway"), (bad.category, headers)
            for canary in bad.canaries:
                assert canary not in headers[HEADER_REASON], (bad.category, headers[HEADER_REASON])
        gateway_output = "\n".join(parts.lines.get("gateway", []))
        leaked = [bad.category for bad in malformed for canary in bad.canaries if canary in gateway_output]
        assert leaked == []
        assert info.num_ack_pending == 0 and info.num_pending == 0 and info.num_redelivered == 0
        assert {name: parts.children[name].pid for name in pids} == pids
        assert all(parts.children[name].returncode is None for name in pids)
        assert parts.non_json_lines() == []
        print(f"fuzz: {MALFORMED} malformed + {len(valid)} valid messages settled in {elapsed:.1f} s")
        await nc.close()


async def dead_letters(js: Any, expected: int, timeout: float) -> dict[str, dict[str, str]]:
    """Dead letters by the original message id, once ``expected`` are there."""
    deadline = time.perf_counter() + timeout
    while (await js.stream_info(DEADLETTER_STREAM)).state.messages < expected:
        assert time.perf_counter() < deadline, "not every malformed message was dead-lettered in time"
        await asyncio.sleep(0.5)
    found: dict[str, dict[str, str]] = {}
    subscription = await js.pull_subscribe("deadletter.>", stream=DEADLETTER_STREAM)
    while True:
        try:
            batch = await subscription.fetch(500, timeout=2)
        except TimeoutError:
            break
        for message in batch:
            headers = dict(message.headers or {})
            found[headers.get(HEADER_MSG_ID, "?")] = headers
            await message.ack()
    await subscription.unsubscribe()
    return found


async def all_applied(client: Client, settings: Any, timeout: float) -> None:
    secret = settings.discharge_patient_key_secret.get_secret_value()
    deadline = time.perf_counter() + timeout
    for number in range(PATIENTS):
        handle = client.get_workflow_handle(
            workflow_id_for(patient_key(parse_identity(patient(number)), secret))
        )
        while True:
            try:
                view = await handle.query(QUERY_STATE, result_type=PathwayView)
                if view.admitted_at is not None and view.risk_level == "standard":
                    break
            except Exception:
                pass
            assert time.perf_counter() < deadline, f"patient {number}'s events were not applied"
            await asyncio.sleep(0.2)


async def wait_for_idle(js: Any) -> Any:
    for _ in range(100):
        info = await js.consumer_info(INBOUND_STREAM, DURABLE)
        if info.num_ack_pending == 0 and info.num_pending == 0:
            return info
        await asyncio.sleep(0.2)
    return info
