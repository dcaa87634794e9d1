"""`discharge webhooks replay SEQ`: a webhook's dead letter (``delivery_failed``) sent to its endpoint again.

Past the retry budget a delivery is parked in ``DISCHARGE_DEADLETTER`` on
``deadletter.deliver.<HSA-id>.<type>`` with its body as stored (workers/webhooks/outcome.py). Once the
receiver's endpoint works again, ops send it from there: one signed POST now (the same ``webhook-id``, so a
receiver that did get it de-duplicates), and on a 2xx the receipt ``received``, as the sender itself does.
A failure is one line saying what the endpoint answered; nothing is retried in the background (run it
again). The letter stays in the stream (the CLI's NATS user may only read it); the receipt's id is the
delivery's, so sending it twice counts once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client

from discharge.deadletters import StoredDeadLetter
from discharge.receiving import receipt_for, send_receipt
from workers.webhooks.endpoints import Endpoint
from workers.webhooks.outcome import RECEIVED, delivered_id, parsed_body
from workers.webhooks.post import Attempt, http_client, post

#: The dead letters of webhook deliveries: their original subject is a receiver's delivery subject.
DELIVERY_PREFIX = "deliver."


class ReplayRefused(ValueError):
    """The dead letter is not a webhook delivery that can be sent again; the message says why (no body)."""


@dataclass(frozen=True)
class Replayed:
    receiver: str
    host: str
    event_id: str
    attempt: Attempt
    receipt_stored: bool


def webhook_delivery(found: StoredDeadLetter) -> tuple[str, str, dict[str, Any]]:
    """The receiver's HSA-id, the delivery's id and the delivered CloudEvent of a webhook's dead letter."""
    letter = found.letter
    if letter.kind != "delivery_failed" or not letter.subject.startswith(DELIVERY_PREFIX):
        raise ReplayRefused(
            f"dead letter {found.sequence} is not a webhook delivery (kind {letter.kind}, subject "
            f"{letter.subject}); a refused inbound event is sent again with `discharge deadletters replay`"
        )
    receiver = letter.subject.removeprefix(DELIVERY_PREFIX).split(".", 1)[0]
    document = parsed_body(found.body)
    event_id = delivered_id(document) if document is not None else None
    if document is None or event_id is None:
        raise ReplayRefused(
            f"dead letter {found.sequence} does not hold a whole delivered CloudEvent (cut off at the "
            "server's limit, or never one): nothing to send"
        )
    return receiver, event_id, document


async def replay(
    connection: Client, found: StoredDeadLetter, endpoints: dict[str, Endpoint], timeout: float
) -> Replayed:
    """One signed POST of the dead letter's delivery to its receiver's endpoint; the receipt on a 2xx."""
    receiver, event_id, document = webhook_delivery(found)
    endpoint = endpoints.get(receiver)
    if endpoint is None:
        raise ReplayRefused(f"{receiver} has no endpoint in DISCHARGE_WEBHOOKS_FILE")
    async with http_client(timeout, 1) as client:
        attempt = await post(client, endpoint, event_id, found.body.decode("utf-8"))
    receipt = receipt_for(document, RECEIVED, datetime.now(UTC)) if attempt.delivered else None
    if receipt is not None:
        await send_receipt(connection, receipt)
    return Replayed(receiver, endpoint.host, event_id, attempt, receipt is not None)
