"""The receivers' webhook endpoints: which HTTPS URL gets each receiver's deliveries, signed with what.

One JSON file (``DISCHARGE_WEBHOOKS_FILE``), validated whole before anything is sent::

    {"SE2321000131-E000000000101": {"url": "https://vc.example.se/discharge/events",
                                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}

A key is the receiver's HSA-id: the endpoint gets that receiver's deliveries (``deliver.<HSA-id>.>``) and
nothing else. The secret is the Standard Webhooks symmetric one, ``whsec_`` and base64 of 24 to 64 random
bytes, one per endpoint; it is a ``SecretStr``, so it never appears in a repr, a log line or an error.
A URL must be ``https`` (``http`` only with ``DISCHARGE_DEVELOPMENT=true``) and carry no user or password.
"""

from __future__ import annotations

import base64
import binascii
import json
import stat
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, RootModel, SecretStr, ValidationError, field_validator

from events.delivery import is_hsa_id

SECRET_PREFIX = "whsec_"
#: The spec's bounds for a symmetric signing secret: at least 192 bits, at most 512.
SECRET_BYTES = (24, 64)


class EndpointError(ValueError):
    """The endpoints file cannot be used; the message names the receiver and the rule, never a secret."""


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    secret: SecretStr

    @field_validator("url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be an absolute https URL")
        if parts.username or parts.password:
            raise ValueError("must not carry a user or password (the signature authenticates us)")
        return value

    @field_validator("secret")
    @classmethod
    def _standard_webhooks_secret(cls, value: SecretStr) -> SecretStr:
        text = value.get_secret_value()
        if not text.startswith(SECRET_PREFIX):
            raise ValueError(f"must start with {SECRET_PREFIX}")
        try:
            key = base64.b64decode(text.removeprefix(SECRET_PREFIX), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("must be base64 after whsec_") from None
        low, high = SECRET_BYTES
        if not low <= len(key) <= high:
            raise ValueError(f"must hold {low} to {high} random bytes")
        return value

    @property
    def host(self) -> str:
        """What a log line may say about the endpoint (a URL's path or query may hold a token)."""
        return urlsplit(self.url).hostname or ""

    @property
    def https(self) -> bool:
        return urlsplit(self.url).scheme == "https"


class _EndpointsFile(RootModel[dict[str, Endpoint]]):
    pass


def parse_endpoints(text: str, *, development: bool) -> dict[str, Endpoint]:
    """The endpoints of a file's text, keyed by receiver HSA-id; ``EndpointError`` naming what is wrong."""
    try:
        endpoints = _EndpointsFile.model_validate_json(text).root
    except ValidationError as error:
        # The reasons name the receiver and the rule; include_input=False keeps a secret out of them.
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_input=False)
        )
        raise EndpointError(f"DISCHARGE_WEBHOOKS_FILE: {problems}") from None
    for receiver, endpoint in endpoints.items():
        if not is_hsa_id(receiver):
            raise EndpointError(f"DISCHARGE_WEBHOOKS_FILE: {receiver!r} is not an HSA-id")
        if not endpoint.https and not development:
            raise EndpointError(
                f"DISCHARGE_WEBHOOKS_FILE: {receiver}: the URL must be https "
                "(http only with DISCHARGE_DEVELOPMENT=true)"
            )
    return endpoints


def load_endpoints(path: Path | None, *, development: bool) -> dict[str, Endpoint]:
    """The endpoints of ``DISCHARGE_WEBHOOKS_FILE``; none when it is not set. Outside development the file
    must be its owner's alone (0600 or 0400): it holds every endpoint's signing secret, and anyone who can
    read one can sign events that its receiver takes as ours."""
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
        mode = path.stat().st_mode
    except OSError as error:
        raise EndpointError(f"DISCHARGE_WEBHOOKS_FILE {path}: {error.strerror}") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise EndpointError(f"DISCHARGE_WEBHOOKS_FILE {path}: not JSON (line {error.lineno})") from None
    endpoints = parse_endpoints(text, development=development)
    if mode & 0o077 and not development:
        raise EndpointError(
            f"DISCHARGE_WEBHOOKS_FILE {path}: readable by others than its owner (mode "
            f"{stat.S_IMODE(mode):04o}); it holds the endpoints' whsec_ secrets: chmod 600 it"
        )
    return endpoints
