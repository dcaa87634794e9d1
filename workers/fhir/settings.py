"""`discharge fhir`'s own settings, from the environment like `Settings` (the contract names the address).

Its tokens' issuer and audience are the HTTP door's (``DISCHARGE_HTTP_ISSUER``, ``DISCHARGE_HTTP_AUDIENCE``:
workers/doors/settings.py), as the contract says.
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class FhirSettings(BaseSettings):
    """`discharge fhir`'s own settings (the contract names the address)."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    discharge_fhir_address: str = "localhost:8092"
    discharge_fhir_public_base: str | None = Field(
        None,
        description="the base URL clients see (behind a proxy), e.g. https://fhir.example/fhir/R4; "
        "default: the request's own",
    )

    @field_validator("discharge_fhir_address")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"expected host:port, e.g. localhost:8092, got {value!r}")
        return value
