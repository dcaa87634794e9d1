"""The streams and the outbound publisher against a real nats-server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from nats.js.api import StorageType
from nats.js.errors import BadRequestError

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.outbound.event import OutboundEvent
from events.streams import (
    DEADLETTER_STREAM,
    DUPLICATE_WINDOW,
    INBOUND_STREAM,
    OUTBOUND_STREAM,
    ensure_streams,
)
from tests.servers import NatsProcess, start_nats

pytestmark = pytest.mark.integration


async def test_ensure_streams_creates_durable_streams_once(nats_server: NatsProcess) -> None:
    nc = await connect_nats(Settings(nats_url=nats_server.url), retry_forever=False)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        await ensure_streams(js)  # a second process starting must not fail
        for name, subject in (
            (INBOUND_STREAM, "events.>"),
            (DEADLETTER_STREAM, "deadletter.>"),
            (OUTBOUND_STREAM, "discharge.>"),
        ):
            info = await js.stream_info(name)
            assert info.config.subjects == [subject]
            assert info.config.storage == StorageType.FILE
            assert info.config.duplicate_window == DUPLICATE_WINDOW.total_seconds()
    finally:
        await nc.drain()


async def test_outbound_publish_is_acked_and_idempotent_by_id(nats_server: NatsProcess) -> None:
    nc = await connect_nats(Settings(nats_url=nats_server.url), retry_forever=False)
    try:
        js = nc.jetstream()
        await ensure_streams(js)
        publisher = JetStreamPublisher(js)
        event = OutboundEvent(
            id="wf-test-outbound-1/step-3",
            type="support_started",
            time=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
            data={
                "patient_key": "pk_abc",
                "episode_id": "E1",
                "to": "lmv",
                "support_ends_at": "2026-12-06T10:00:00Z",
            },
        )
        first = await publisher.publish_raw(event)
        again = await publisher.publish_raw(event)
        await publisher.publish(event)
        assert first.stream == OUTBOUND_STREAM and not first.duplicate
        assert again.duplicate and again.seq == first.seq

        message = await js.get_msg(OUTBOUND_STREAM, first.seq)
        assert message.subject == "discharge.support_started"
        body = json.loads(message.data or b"")
        assert body["type"] == "discharge.support_started"
        assert body["id"] == event.id and body["specversion"] == "1.0"
        assert body["data"]["patient_key"] == "pk_abc"
    finally:
        await nc.drain()


async def test_one_shot_connect_reports_a_down_server() -> None:
    from workers.stack.servers import free_port

    with pytest.raises(Exception):  # noqa: B017 -- nats-py raises NoServersError or an OSError
        await connect_nats(Settings(nats_url=f"nats://127.0.0.1:{free_port()}"), retry_forever=False)


async def test_a_foreign_stream_on_our_subjects_is_reported_as_the_server_says(tmp_path: Path) -> None:
    (tmp_path / "nats").mkdir()
    server = await start_nats(tmp_path / "nats")
    nc = await connect_nats(Settings(nats_url=server.url), retry_forever=False)
    try:
        js = nc.jetstream()
        await js.add_stream(name="SOMEONE_ELSES", subjects=["events.>"])
        with pytest.raises(BadRequestError) as caught:
            await ensure_streams(js)
        assert "overlap" in str(caught.value.description)
    finally:
        await nc.drain()
        await server.stop()
