"""Webhooks out on a secured nats-server: each receiver's deliveries POSTed to its own endpoint, signed,
retried until a 2xx (the receipt `received`), dead-lettered past the budget, and never lost to a kill."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from standardwebhooks import Webhook

from discharge.cli.main import main
from discharge.deadletters import Filters, stored
from discharge.keyring import read_ring, write_ring
from discharge.nats_connection import provision
from events.delivery import RECEIPT_TYPE
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM
from tests.integration.cli_support import OPS
from tests.integration.delivery_support import connect_as, login_settings
from tests.integration.webhook_support import (
    HANG,
    Arrivals,
    Endpoint,
    endpoints_file,
    planning_requested,
    sending,
    serving,
    store_deliveries,
    until,
    webhook_settings,
)
from tests.servers import NatsProcess, start_nats
from workers.stack.nats_auth import NatsLogin, ensure_logins

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def secured(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[NatsProcess, Path]]:
    directory = tmp_path_factory.mktemp("webhooks-nats")
    server = await start_nats(directory, secured=True)
    await provision(login_settings(server, ensure_logins(directory)["cli"], directory))
    yield server, directory
    await server.stop()


def logins(directory: Path) -> dict[str, NatsLogin]:
    return ensure_logins(directory)


async def receipts_stored(server: NatsProcess, directory: Path) -> int:
    connection = await connect_as(server, logins(directory)["cli"])
    try:
        info = await connection.jetstream().stream_info(
            INBOUND_STREAM, subjects_filter=f"events.{RECEIPT_TYPE}"
        )
        return sum((info.state.subjects or {}).values())
    finally:
        await connection.close()


def given_up() -> float:
    return REGISTRY.get_sample_value("discharge_webhook_attempts_total", {"outcome": "dead_lettered"}) or 0.0


async def test_each_receiver_gets_its_own_delivery_signed_and_a_2xx_is_its_receipt(
    secured: tuple[NatsProcess, Path], tmp_path: Path
) -> None:
    server, directory = secured
    lmv, vardcentral = "SE2321000131-E000000000210", "SE2321000131-E000000000111"
    endpoints = {lmv: Endpoint([200]), vardcentral: Endpoint([204])}
    endpoints[vardcentral].secret = "whsec_" + "dmFyZGNlbnRyYWxlbnMgZWduYSBoZW1saWdoZXQ="
    settings = login_settings(server, logins(directory)["webhooks"], directory)
    settings = settings.model_copy(update={"discharge_development": True})
    receipts_before = await receipts_stored(server, directory)
    delivery = await connect_as(server, logins(directory)["delivery"])

    async with (
        serving(*endpoints.values()),
        sending(settings, webhook_settings(endpoints_file(tmp_path, endpoints))),
    ):
        assert await store_deliveries(delivery, planning_requested("wh-signed-1", vardcentral), lmv) == [
            lmv,
            vardcentral,
        ]
        await until(lambda: all(e.requests for e in endpoints.values()))
        await asyncio.sleep(0.5)  # anything more would arrive now

    await delivery.close()
    for hsa_id, endpoint in endpoints.items():
        assert len(endpoint.requests) == 1
        headers, body = endpoint.requests[0]
        assert headers["Content-Type"] == "application/cloudevents+json"
        assert headers["webhook-id"] == "wh-signed-1"
        document = Webhook(endpoint.secret).verify(body, headers)
        assert document["recipient"] == hsa_id  # its own copy, never the other's
    other = endpoints[lmv].secret
    with pytest.raises(Exception, match="signature"):
        Webhook(other).verify(endpoints[vardcentral].requests[0][1], endpoints[vardcentral].requests[0][0])
    assert await receipts_stored(server, directory) == receipts_before + 2


async def test_a_receiver_answering_500_then_200_gets_the_delivery_once_after_a_retry(
    secured: tuple[NatsProcess, Path], tmp_path: Path
) -> None:
    server, directory = secured
    lmv, vardcentral = "SE2321000131-E000000000220", "SE2321000131-E000000000121"
    flaky = Endpoint([500, 200])
    settings = login_settings(server, logins(directory)["webhooks"], directory).model_copy(
        update={"discharge_development": True}
    )
    delivery = await connect_as(server, logins(directory)["delivery"])

    async with (
        serving(flaky),
        sending(settings, webhook_settings(endpoints_file(tmp_path, {vardcentral: flaky}))),
    ):
        await store_deliveries(delivery, planning_requested("wh-flaky-1", vardcentral), lmv)
        await until(lambda: len(flaky.requests) >= 2)
        await asyncio.sleep(1.0)  # a third attempt would come within the 0.5 s cap

    await delivery.close()
    assert len(flaky.requests) == 2
    assert [headers["webhook-id"] for headers, _ in flaky.requests] == ["wh-flaky-1", "wh-flaky-1"]
    for headers, body in flaky.requests:
        Webhook(flaky.secret).verify(body, headers)


async def test_a_receiver_that_never_answers_ends_in_a_dead_letter_after_the_retry_budget(
    secured: tuple[NatsProcess, Path], tmp_path: Path
) -> None:
    server, directory = secured
    lmv, vardcentral = "SE2321000131-E000000000230", "SE2321000131-E000000000131"
    down = Endpoint([503])
    settings = login_settings(server, logins(directory)["webhooks"], directory).model_copy(
        update={"discharge_development": True}
    )
    webhooks = webhook_settings(endpoints_file(tmp_path, {vardcentral: down}), retry_for=1.5)
    receipts_before = await receipts_stored(server, directory)
    given_up_before = given_up()
    delivery = await connect_as(server, logins(directory)["delivery"])
    cli = await connect_as(server, logins(directory)["cli"])
    subject = f"deadletter.deliver.{vardcentral}.joint_planning_requested"

    async def dead_letters() -> int:
        info = await cli.jetstream().stream_info(DEADLETTER_STREAM, subjects_filter=subject)
        return sum((info.state.subjects or {}).values())

    async with serving(down), sending(settings, webhooks):
        await store_deliveries(delivery, planning_requested("wh-down-1", vardcentral), lmv)
        for _ in range(200):
            if await dead_letters():
                break
            await asyncio.sleep(0.05)
        attempts = len(down.requests)
        await asyncio.sleep(1.0)  # given up: no attempt after the dead letter

    # As `discharge deadletters --subject 'deliver.>'` lists them.
    listed = [found async for found in stored(cli.jetstream(), Filters(subject="deliver.>"))]
    await delivery.close()
    await cli.close()
    [parked] = [
        found.letter for found in listed if found.letter.subject == subject.removeprefix("deadletter.")
    ]
    assert parked.kind == "delivery_failed"
    assert "HTTP 503" in parked.reason and "webhook" in parked.reason
    assert "190912319803" not in parked.reason
    assert parked.deliveries == attempts == len(down.requests) >= 3
    assert await receipts_stored(server, directory) == receipts_before  # no receipt: not_delivered follows
    assert given_up() == given_up_before + 1  # what ops alert on (docs/operations.md)


async def test_the_webhook_process_killed_mid_delivery_loses_nothing(
    secured: tuple[NatsProcess, Path], tmp_path: Path
) -> None:
    server, directory = secured
    lmv, vardcentral = "SE2321000131-E000000000240", "SE2321000131-E000000000141"
    # Answers 500 once (a failure the sender logs), then holds the retry until the sender is killed.
    receiver = Endpoint([500, HANG, 200])
    path = endpoints_file(tmp_path, {vardcentral: receiver})
    login = logins(directory)["webhooks"]
    env = {
        **os.environ,
        "NATS_URL": server.url,
        "NATS_NKEY_SEED": str(login.seed_file),
        "NATS_INBOX_PREFIX": login.inbox_prefix,
        "DISCHARGE_DATA_DIR": str(directory),
        "DISCHARGE_DEVELOPMENT": "true",
        "DISCHARGE_WEBHOOKS_FILE": str(path),
        "DISCHARGE_WEBHOOK_TIMEOUT": "PT2S",
        "DISCHARGE_WEBHOOKS_HTTP_ADDRESS": "127.0.0.1:0",
        "DISCHARGE_LOG_FORMAT": "json",
    }
    delivery = await connect_as(server, logins(directory)["delivery"])
    settings = login_settings(server, login, directory).model_copy(update={"discharge_development": True})

    async with serving(receiver):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "discharge.cli.main",
            "webhooks",
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await store_deliveries(delivery, planning_requested("wh-killed-1", vardcentral), lmv)
            await until(lambda: len(receiver.requests) >= 2, 30)
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert process.stderr is not None
        logs = (await process.stderr.read()).decode()
        async with sending(settings, webhook_settings(path, timeout=2)):
            await until(lambda: len(receiver.requests) >= 3, 20)

    await delivery.close()
    assert [headers["webhook-id"] for headers, _ in receiver.requests] == ["wh-killed-1"] * 3
    Webhook(receiver.secret).verify(receiver.requests[2][1], receiver.requests[2][0])
    # Its log names the receiver and the endpoint's host, never the secret, the URL's path or the patient.
    assert "sending webhooks" in logs and "HTTP 500" in logs and vardcentral in logs
    assert receiver.secret.removeprefix("whsec_") not in logs and "/discharge/webhook" not in logs
    assert "190912319803" not in logs


async def test_requests_in_flight_stay_within_the_concurrency_bound_over_all_endpoints(
    secured: tuple[NatsProcess, Path], tmp_path: Path
) -> None:
    server, directory = secured
    lmv = "SE2321000131-E000000000250"
    receivers = ["SE2321000131-E000000000151", "SE2321000131-E000000000152"]
    shared = Arrivals()
    slow = {hsa_id: Endpoint([HANG], arrivals=shared) for hsa_id in receivers}
    settings = login_settings(server, logins(directory)["webhooks"], directory).model_copy(
        update={"discharge_development": True}
    )
    webhooks = webhook_settings(endpoints_file(tmp_path, slow), timeout=1, max_concurrency=1)
    delivery = await connect_as(server, logins(directory)["delivery"])

    async with serving(*slow.values()), sending(settings, webhooks):
        for number, hsa_id in enumerate(receivers * 2):
            await store_deliveries(delivery, planning_requested(f"wh-bound-{number}", hsa_id), lmv)
        # Each request is held past the sender's 1 s timeout: with one slot, the next starts only then.
        await until(lambda: len(shared.times) >= 4, 20)

    await delivery.close()
    gaps = [later - earlier for earlier, later in itertools.pairwise(shared.times)]
    assert min(gaps) >= 0.9, gaps


async def test_ops_replay_a_webhook_dead_letter_once_the_receiver_answers_again(
    secured: tuple[NatsProcess, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, directory = secured
    lmv, vardcentral = "SE2321000131-E000000000260", "SE2321000131-E000000000161"  # no other test's
    receiver = Endpoint([503])
    settings = login_settings(server, logins(directory)["webhooks"], directory).model_copy(
        update={"discharge_development": True}
    )
    path = endpoints_file(tmp_path, {vardcentral: receiver})
    delivery = await connect_as(server, logins(directory)["delivery"])
    cli = await connect_as(server, logins(directory)["cli"])
    subject = f"deliver.{vardcentral}.joint_planning_requested"

    async def parked() -> list[int]:
        letters = stored(cli.jetstream(), Filters(subject=subject))
        return [found.sequence async for found in letters]

    async with serving(receiver):
        async with sending(settings, webhook_settings(path, retry_for=1.5)):
            await store_deliveries(delivery, planning_requested("wh-replay-1", vardcentral), lmv)
            for _ in range(200):
                if await parked():
                    break
                await asyncio.sleep(0.05)
        [sequence] = await parked()
        first_id = receiver.requests[0][0]["webhook-id"]
        receipts_before = await receipts_stored(server, directory)
        # `discharge webhooks replay SEQ --as <ops>` as ops run it: the CLI's NATS user, the endpoints file.
        cli_login = logins(directory)["cli"]
        ring = read_ring(Path(os.environ["DISCHARGE_PAYLOAD_KEYS_FILE"]))
        write_ring(tmp_path / "payload-keys.json", ring.with_holders([OPS]))
        for name, value in {
            "NATS_URL": server.url,
            "NATS_NKEY_SEED": str(cli_login.seed_file),
            "NATS_INBOX_PREFIX": cli_login.inbox_prefix,
            "DISCHARGE_DATA_DIR": str(directory),
            "DISCHARGE_DEVELOPMENT": "true",
            "DISCHARGE_WEBHOOKS_FILE": str(path),
            "DISCHARGE_PAYLOAD_KEYS_FILE": str(tmp_path / "payload-keys.json"),
            "DISCHARGE_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        }.items():
            monkeypatch.setenv(name, value)

        async def replay() -> int:
            try:
                await asyncio.to_thread(main, ["webhooks", "replay", str(sequence), "--as", OPS])
            except SystemExit as exit_:
                return int(exit_.code or 0)
            return 0

        tried = len(receiver.requests)
        assert await replay() == 1  # still 503: one line, still a dead letter, no receipt
        assert len(receiver.requests) == tried + 1
        receiver.statuses = [204]
        assert await replay() == 0
    await delivery.close()
    await cli.close()
    headers, body = receiver.requests[-1]
    assert headers["webhook-id"] == first_id  # the receiver de-duplicates on it
    assert Webhook(receiver.secret).verify(body, headers)["type"] == "discharge.joint_planning_requested"
    assert await receipts_stored(server, directory) == receipts_before + 1
    audit = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert [(line["actor"], line["action"]) for line in audit] == [(OPS, "replay_deadletter")] * 2
