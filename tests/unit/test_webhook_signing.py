"""A webhook's headers as Standard Webhooks specifies, verified by the reference library."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from workers.webhooks.endpoints import Endpoint
from workers.webhooks.outcome import delivered_id
from workers.webhooks.post import signed_headers

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
BODY = json.dumps({"specversion": "1.0", "id": "1f81eb52-5198-4599-803e-771906343485", "data": {}})


def test_a_signed_delivery_verifies_with_the_receivers_secret_and_not_with_another() -> None:
    endpoint = Endpoint(url="https://vc.example.se/hook", secret=SECRET)
    headers = signed_headers(endpoint, "1f81eb52-5198-4599-803e-771906343485", BODY, datetime.now(UTC))

    assert headers["webhook-id"] == "1f81eb52-5198-4599-803e-771906343485"
    assert headers["content-type"] == "application/cloudevents+json"
    assert headers["webhook-signature"].startswith("v1,")
    assert Webhook(SECRET).verify(BODY, headers) == json.loads(BODY)
    other = "whsec_" + base64.b64encode(b"o" * 32).decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(BODY.replace("1.0", "2.0"), headers)


def test_the_webhook_id_is_the_cloudevent_id_and_never_one_with_a_dot() -> None:
    assert delivered_id({"id": "abc-1"}) == "abc-1"
    assert delivered_id({"id": "abc.1"}) is None
    assert delivered_id({"id": 7}) is None
    assert delivered_id({}) is None
