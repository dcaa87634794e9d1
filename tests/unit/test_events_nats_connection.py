"""How every process connects to NATS: cluster URLs, credentials, TLS, reconnecting forever with backoff."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from faststream.nats.security import NatsCredentials
from nats.aio.client import Server

from discharge.nats_connection import (
    BACKOFF_MAX_SECONDS,
    ONE_SHOT_ATTEMPTS,
    _pick_server,
    backoff_delay,
    connection_options,
    server_urls,
)
from discharge.settings import Settings
from workers.gateway.consumer import broker_security


def test_a_cluster_is_a_comma_separated_nats_url() -> None:
    settings = Settings(nats_url="nats://a:4222, nats://b:4222,tls://c:4443")
    assert server_urls(settings) == ["nats://a:4222", "nats://b:4222", "tls://c:4443"]


def test_services_reconnect_forever_and_one_shot_commands_give_up() -> None:
    service = connection_options(Settings(), name="gateway")
    command = connection_options(Settings(), name="discharge-publish", retry_forever=False)
    assert service["max_reconnect_attempts"] == -1 and service["allow_reconnect"]
    assert command["max_reconnect_attempts"] == ONE_SHOT_ATTEMPTS
    assert "tls" not in service and "user_credentials" not in service


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    first = [backoff_delay(0) for _ in range(50)]
    assert all(0.08 <= delay <= 0.12 for delay in first)
    assert all(0.16 <= backoff_delay(1) <= 0.24 for _ in range(50))
    assert all(backoff_delay(40) <= BACKOFF_MAX_SECONDS * 1.2 for _ in range(50))


def test_reconnect_prefers_the_cluster_member_tried_least() -> None:
    tired = Server(uri=urlparse("nats://a:4222"), reconnects=5)
    fresh = Server(uri=urlparse("nats://b:4222"), reconnects=0)
    chosen, delay = _pick_server([tired, fresh], {})
    assert chosen is fresh and delay <= 0.12


def test_credentials_go_to_nats_py_and_to_faststream(tmp_path: Path) -> None:
    creds = tmp_path / "gateway.creds"
    creds.write_text("not read until connecting")
    options = connection_options(Settings(nats_creds=creds), name="gateway")
    assert options["user_credentials"] == str(creds)
    security = broker_security(options)
    assert isinstance(security, NatsCredentials) and security.credentials == str(creds)
    assert "user_credentials" not in options  # handed over to FastStream's security object instead
