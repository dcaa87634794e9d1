"""`discharge webhooks`' metrics: what became of each attempt (docs/operations.md lists them)."""

from __future__ import annotations

from typing import Literal

from prometheus_client import Counter

Outcome = Literal["delivered", "failed", "dead_lettered"]

WEBHOOK_ATTEMPTS = Counter(
    "discharge_webhook_attempts",
    "Webhook attempts by outcome: delivered (a 2xx), failed (tried again later), dead_lettered (given up)",
    ["outcome"],
)


def count(outcome: Outcome) -> None:
    WEBHOOK_ATTEMPTS.labels(outcome).inc()
