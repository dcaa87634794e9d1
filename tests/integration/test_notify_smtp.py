"""Content-free e-mail through a real SMTP server (aiosmtpd, started here): who gets one, and what it says."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats
from discharge.notify import mail
from discharge.notify.notifier import Notifier
from discharge.notify.optins import OptIns
from discharge.settings import Settings
from events.outbound.event import OutboundEvent
from events.streams import OUTBOUND_STREAM, ensure_streams
from tests.servers import start_nats
from workers.notify import DURABLE, consume, notifier_for
from workers.stack.nats_auth import ensure_logins
from workers.stack.servers import free_port

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
CENTRUM = "SE2321000131-E000000000101"
ANDERSBERG = "SE2321000131-E000000000102"
PATIENT_KEY = "pk_0123456789abcdef0123456789abcdef"
LINK = "https://utskrivning.example.se/"
EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"


class Mailbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        content = envelope.content or b""
        raw = content.encode() if isinstance(content, str) else content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[str, Mailbox]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", box
    finally:
        controller.stop()


def outbound(type_: str, **data: Any) -> dict[str, Any]:
    return {
        "type": f"discharge.{type_}",
        "data": {"patient_key": PATIENT_KEY, "episode_id": "VE-2026-000123", **data},
    }


async def test_people_who_opted_in_get_one_content_free_email_when_something_new_needs_them(
    smtp: tuple[str, Mailbox], tmp_path: Path
) -> None:
    url, box = smtp
    optins = OptIns(tmp_path / "notifications.db")
    optins.choose("SE2321000131-E000000000111", "vc", CENTRUM, "vera@centrum.example.se")
    optins.choose("SE2321000131-E000000000112", "vc", ANDERSBERG, "anna@andersberg.example.se")
    optins.choose("SE2321000131-E000000000300", "coordinator", None, "karin@region.example.se")
    optins.choose("SE2321000131-E000000000301", "coordinator", None, "olle@region.example.se")
    optins.choose("SE2321000131-E000000000301", "coordinator", None, None)  # changed their mind
    notifier = Notifier(optins, partial(mail.send, url), "utskrivningsstod@region.example.se", LINK)

    escalation = outbound(
        "escalation_raised", reason="handover_not_accepted", to="vardcentral", listed_vardcentral=CENTRUM
    )
    assert await notifier.handle(escalation, NOW) == 1
    [(to, message)] = box.received
    assert to == ["vera@centrum.example.se"]  # Centrum's physician only: not Andersberg's
    assert message["Subject"] == "Ny uppgift i utskrivningsstödet"
    body = message.get_content()
    assert LINK in body
    everything = body + "".join(f"{name}: {value}\n" for name, value in message.items())
    for secret in (PATIENT_KEY, "VE-2026-000123", "handover", CENTRUM):
        assert secret not in everything

    # A second event soon after: the page shows it; no second e-mail within the interval.
    assert await notifier.handle(escalation, NOW + timedelta(minutes=5)) == 0
    assert await notifier.handle(escalation, NOW + timedelta(minutes=20)) == 1

    assert await notifier.handle(outbound("extension_review_requested"), NOW) == 1
    assert box.received[-1][0] == ["karin@region.example.se"]  # the one who opted out gets nothing
    assert await notifier.handle(outbound("support_started"), NOW + timedelta(hours=1)) == 0
    assert len(box.received) == 3


async def test_discharge_notify_mails_from_the_outbound_stream_as_its_own_nats_user(
    smtp: tuple[str, Mailbox], tmp_path: Path
) -> None:
    """`discharge notify`'s consumer on a nats-server secured as `discharge dev` secures it."""
    url, box = smtp
    server = await start_nats(tmp_path, secured=True)
    try:
        logins = ensure_logins(tmp_path)

        def as_user(user: str) -> Settings:
            login = logins[user]
            return Settings(
                nats_url=server.url,
                nats_nkey_seed=login.seed_file,
                nats_inbox_prefix=login.inbox_prefix,
                discharge_data_dir=tmp_path / "data",
                discharge_smtp_url=url,
                discharge_web_public_url=LINK,
            )

        cli = await connect_nats(as_user("cli"), retry_forever=False)
        await ensure_streams(cli.jetstream())  # provisioning is the CLI's (the supervisor's) alone
        settings = as_user("notify")
        OptIns(settings.notification_store_path).choose(
            "SE2321000131-E000000000300", "coordinator", None, "karin@region.example.se"
        )
        stop = asyncio.Event()
        task = asyncio.create_task(consume(settings, notifier_for(settings), stop=stop))
        worker = await connect_nats(as_user("worker"), retry_forever=False)
        try:
            for _ in range(100):  # the consumer starts at new events: publish once it exists
                with contextlib.suppress(Exception):
                    await cli.jetstream().consumer_info(OUTBOUND_STREAM, DURABLE, timeout=0.5)
                    break
                await asyncio.sleep(0.1)
            example = json.loads((EXAMPLES / "discharge.extension_review_requested.json").read_text())
            await JetStreamPublisher(worker.jetstream()).publish(OutboundEvent.from_cloudevent(example))
            for _ in range(100):
                if box.received:
                    break
                await asyncio.sleep(0.1)
        finally:
            await worker.close()
            await cli.close()
            stop.set()
            await asyncio.wait_for(task, 10)
        [(to, message)] = box.received
        assert to == ["karin@region.example.se"] and LINK in message.get_content()
    finally:
        await server.stop()
