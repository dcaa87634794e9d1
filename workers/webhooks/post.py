"""One webhook attempt: a delivered CloudEvent POSTed to its receiver's endpoint, signed (Standard Webhooks).

The body is the delivery as stored in ``DISCHARGE_DELIVERY``, byte for byte: the CloudEvents HTTP binding's
structured mode (``Content-Type: application/cloudevents+json``). The headers are the spec's ``webhook-id``
(the CloudEvent's ``id``, the same on every retry: the receiver's de-duplication key), ``webhook-timestamp``
(this attempt, Unix seconds) and ``webhook-signature`` (``v1,`` + HMAC-SHA256 of ``id.timestamp.body`` by the
`standardwebhooks` library). Only a 2xx is a success; a redirect is not followed (it is a failure: the
receiver should register its new URL), and neither is anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from standardwebhooks import Webhook

from events.streams import CLOUDEVENTS_CONTENT_TYPE
from workers.webhooks.endpoints import Endpoint

USER_AGENT = "discharge-webhooks (Region Halland discharge orchestrator)"


@dataclass(frozen=True)
class Attempt:
    """What one POST came to: ``delivered`` on a 2xx; else ``problem`` says why (no body, no secret)."""

    delivered: bool
    problem: str = ""
    retry_after: float | None = None


def signed_headers(endpoint: Endpoint, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """The request's headers, signed for ``now`` (whole seconds: the signed and the sent timestamp agree)."""
    at = now.astimezone(UTC).replace(microsecond=0)
    signature: str = Webhook(endpoint.secret.get_secret_value()).sign(message_id, at, body)
    return {
        "content-type": CLOUDEVENTS_CONTENT_TYPE,
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


async def post(client: httpx.AsyncClient, endpoint: Endpoint, message_id: str, body: str) -> Attempt:
    """POST one delivery; never raises for what the receiver or the network does."""
    headers = signed_headers(endpoint, message_id, body, datetime.now(UTC))
    try:
        response = await client.post(endpoint.url, content=body.encode(), headers=headers)
    except httpx.TimeoutException:
        return Attempt(False, "no answer within the timeout")
    except httpx.HTTPError as error:
        return Attempt(False, f"not reached: {type(error).__name__}")
    if 200 <= response.status_code < 300:
        return Attempt(True)
    return Attempt(False, f"HTTP {response.status_code}", _retry_after(response))


def http_client(timeout: float, max_connections: int) -> httpx.AsyncClient:
    """The one client of the process: no redirects, bounded connections. ``HTTPS_PROXY`` is honoured: the
    spec's defence against server-side request forgery is an egress proxy that refuses internal addresses."""
    return httpx.AsyncClient(
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
    )
