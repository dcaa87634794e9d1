"""`discharge webhooks`' own settings, read from the environment like `Settings`.

Kept apart from `discharge.settings.Settings`: only the webhook sender and the supervisor that starts it read
them. docs/doors.md ("Webhooks out") says why each default is what it is.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from discharge.settings import IsoDuration


class WebhookSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    discharge_webhooks_file: Path | None = Field(
        None, description="the receivers' webhook endpoints: HSA-id -> HTTPS URL and whsec_ secret (JSON)"
    )
    #: The Standard Webhooks spec recommends 15-30 s: the receiver must store the event, not act on it.
    discharge_webhook_timeout: IsoDuration = timedelta(seconds=15)
    #: Requests in flight at once, over all endpoints.
    discharge_webhook_max_concurrency: int = Field(16, ge=1, le=1024)
    #: A delivery is retried until this long has been waited in all; then it is dead-lettered.
    discharge_webhook_retry_for: IsoDuration = timedelta(hours=24)
    discharge_webhook_first_retry: IsoDuration = timedelta(seconds=5)
    discharge_webhook_max_retry_interval: IsoDuration = timedelta(hours=2)
    discharge_webhooks_http_address: str = Field(
        "localhost:9105", description="`discharge webhooks`' /metrics, /healthz, /readyz"
    )
