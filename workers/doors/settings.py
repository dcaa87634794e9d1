"""The doors' own settings (`discharge http`, `discharge hl7`), read from the environment like `Settings`.

Kept apart from `discharge.settings.Settings`: only the doors and the supervisor that starts them read
these. The contract names the addresses, the issuer and the audience; the bounds are ours
(docs/doors.md says why each is what it is).
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from discharge.settings import IsoDuration


def host_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host or "localhost", int(port)


class DoorSettings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    discharge_http_address: str = "localhost:8090"
    discharge_http_issuer: str | None = Field(
        None, description="the authorisation server whose access tokens the HTTP door accepts"
    )
    discharge_http_audience: str | None = Field(None, description="the `aud` those tokens must carry")
    #: Requests handled at once; more wait for a slot up to the queue timeout, then get 503.
    discharge_http_max_concurrency: int = Field(64, ge=1, le=4096)
    #: Events per second per sending system (a token bucket of one second's worth); more get 429.
    discharge_http_rate: float = Field(500.0, gt=0)
    discharge_hl7_address: str = "localhost:2575"
    discharge_hl7_http_address: str = Field(
        "localhost:9104", description="`discharge hl7`'s /metrics, /healthz, /readyz"
    )
    #: A connection with no complete message for this long is closed (and one message must arrive within it).
    discharge_hl7_idle_timeout: IsoDuration = timedelta(minutes=5)
    discharge_hl7_max_connections: int = Field(32, ge=1, le=4096)

    @field_validator("discharge_http_address", "discharge_hl7_address", "discharge_hl7_http_address")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"expected host:port, e.g. localhost:8090, got {value!r}")
        return value
