"""The embedded stack with hostile messages waiting in the stream: it starts cleanly, every one becomes a
dead letter with its reason, and an event held for a pathway that never opens is dead-lettered by the
worker (its NATS user may publish there)."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as Nats
from nats.js.errors import NotFoundError

from discharge.nats_connection import dev_seed_file, login_options
from events.deadletter import HEADER_KIND, HEADER_REASON, HEADER_TRUNCATED
from events.examples import PERSONNUMMER, SAMORDNINGSNUMMER, example_event
from events.identity import parse_identity, patient_key, workflow_id_for
from events.streams import DEADLETTER_STREAM, ensure_streams, inbound_msg_id
from tests.integration.stack_support import stack_settings
from workers.stack.nats_auth import inbox_prefix
from workers.stack.supervisor import Supervisor

pytestmark = pytest.mark.integration

#: What a sender can publish under nats-server's default max_payload (1 MiB, headers included).
ALMOST_ONE_MIB = 1024 * 1024 - 300


def hostile_messages(now: datetime) -> dict[str, tuple[str, bytes]]:
    """By message id: the subject and the body of each hostile message."""
    corrected = example_event("hospital.discharge_corrected", event_id="to-9999", time=now)
    corrected["data"]["discharged_at"] = "9999-12-31T23:59:59+01:00"
    utf16 = example_event("hospital.patient_admitted", event_id="utf-16", time=now)
    return {
        "huge": ("events.hospital.patient_admitted", b'{"x": "' + b"x" * ALMOST_ONE_MIB + b'"}'),
        "utf-16": ("events.hospital.patient_admitted", json.dumps(utf16).encode("utf-16")),
        "to-9999": ("events.hospital.discharge_corrected", json.dumps(corrected).encode()),
    }


async def test_the_stack_starts_with_hostile_messages_pending_and_dead_letters_each_with_its_reason(
    tmp_path: Path,
) -> None:
    settings = stack_settings(tmp_path / "data", discharge_early_event_hold=timedelta(seconds=2))
    now = datetime.now(UTC) - timedelta(minutes=5)
    admitted = example_event("hospital.patient_admitted", event_id="valid-admitted", time=now)
    # A planning confirmation for a patient without a pathway: held 2 s, then the worker's dead letter.
    stray = example_event(
        "primarycare.planning_confirmed", patient=SAMORDNINGSNUMMER, event_id="stray", time=now
    )

    servers = Supervisor(settings, parts=(), grace=5)
    await servers.start()
    try:  # Everything waits in the stream before the gateway starts, as after a crash.
        cli = await nats.connect(settings.nats_url, **login_options(servers.settings))
        await ensure_streams(cli.jetstream())
        # Any sender can send them: here the hospital's own NATS user.
        hospital = await connect_as(servers, "hospital")
        for msg_id, (subject, body) in hostile_messages(now).items():
            await hospital.jetstream().publish(subject, body, headers={"Nats-Msg-Id": msg_id})
        for event in (admitted, stray):
            headers = {"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])}
            await cli.jetstream().publish(
                f"events.{event['type']}", json.dumps(event).encode(), headers=headers
            )
        await hospital.close()
        await cli.close()
    finally:
        await servers.stop()

    stack = Supervisor(settings, parts=("worker", "gateway"), grace=5, startup_timeout=40)
    await stack.start()  # the gateway is ready although the first message it takes is too large
    try:
        letters = await dead_letters(stack, expected=4, timeout=40)
        assert stack.client is not None
        secret = settings.discharge_patient_key_secret.get_secret_value()
        pathway = workflow_id_for(patient_key(parse_identity(PERSONNUMMER), secret))
        await stack.client.get_workflow_handle(pathway).describe()  # the valid event opened its pathway
        assert all(child.returncode is None for child in stack.children.values())
    finally:
        await stack.stop()

    assert letters["huge"][HEADER_KIND] == "too_large" and letters["huge"][HEADER_TRUNCATED] == "true"
    assert letters["utf-16"][HEADER_KIND] == "not_json" and "UTF-16" in letters["utf-16"][HEADER_REASON]
    assert letters["to-9999"][HEADER_KIND] == "schema_violation"
    assert letters["to-9999"][HEADER_REASON].startswith("data.discharged_at: a date from year 1900 to 2100")
    assert "9999" not in letters["to-9999"][HEADER_REASON]
    stray_id = inbound_msg_id(stray["source"], stray["id"])
    assert letters[stray_id][HEADER_KIND] == "no_pathway"


async def connect_as(stack: Supervisor, user: str) -> Nats:
    """A connection as one of the embedded NATS's users (workers/stack/nats_auth.py)."""
    return await nats.connect(
        stack.settings.nats_url,
        nkeys_seed=str(dev_seed_file(stack.settings.discharge_data_dir, user)),
        inbox_prefix=inbox_prefix(user),
    )


async def dead_letters(stack: Supervisor, expected: int, timeout: float) -> dict[str, dict[str, str]]:
    """The dead letters' headers by original message id, read one by one as the CLI's NATS user (the only
    right on the dead-letter stream: `$JS.API.STREAM.MSG.GET`, as `discharge deadletters` reads them)."""
    connection = await connect_as(stack, "cli")
    found: dict[str, dict[str, str]] = {}
    seq = 1
    try:
        deadline = time.monotonic() + timeout
        while len(found) < expected:
            assert time.monotonic() < deadline, f"dead letters after {timeout:.0f} s: {sorted(found)}"
            try:
                message = await connection.jetstream().get_msg(DEADLETTER_STREAM, seq)
            except NotFoundError:
                await asyncio.sleep(0.5)
                continue
            headers = dict(message.headers or {})
            found[headers.get("Discharge-Original-Msg-Id", "?")] = headers
            seq += 1
    finally:
        await connection.close()
    return found
