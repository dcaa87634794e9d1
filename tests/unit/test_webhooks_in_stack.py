"""`discharge dev` and the webhook sender: started only with an endpoints file, which reaches it alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from discharge.settings import Settings
from workers.stack.doors import banner_lines
from workers.stack.nats_auth import publish_rights
from workers.stack.parts import APP_PARTS, dev_parts
from workers.stack.secrets import env_for, secrets_of


def test_the_stack_runs_the_webhook_sender_only_when_endpoints_are_configured(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DISCHARGE_WEBHOOKS_FILE", raising=False)
    assert dev_parts(Settings()) == APP_PARTS and "webhooks" not in APP_PARTS

    monkeypatch.setenv("DISCHARGE_WEBHOOKS_FILE", str(tmp_path / "webhooks.json"))
    assert dev_parts(Settings()) == (*APP_PARTS, "webhooks")
    assert f"Webhooks out     to the endpoints in {tmp_path / 'webhooks.json'}" in banner_lines(
        tmp_path, ("webhooks",)
    )


def test_the_endpoints_file_with_its_secrets_reaches_the_webhook_sender_alone() -> None:
    env = {"DISCHARGE_WEBHOOKS_FILE": "/secrets/webhooks.json", "NATS_URL": "nats://localhost:4222"}

    assert secrets_of("webhooks") == ["DISCHARGE_WEBHOOKS_FILE"]
    assert env_for("webhooks", env) == env
    for part in ("worker", "gateway", "delivery", "web", "http"):
        assert "DISCHARGE_WEBHOOKS_FILE" not in env_for(part, env)


def test_the_webhook_senders_nats_user_reads_deliveries_writes_only_receipts_and_dead_letters() -> None:
    rights = publish_rights("webhooks")

    assert "events.primarycare.message_acknowledged" in rights and "deadletter.deliver.>" in rights
    assert not any(r.startswith(("events.>", "discharge.", "deliver.", "deadletter.>")) for r in rights)
    consumers = [r for r in rights if r.startswith("$JS.API.CONSUMER.")]
    assert consumers and all(".DISCHARGE_DELIVERY." in r for r in consumers)
