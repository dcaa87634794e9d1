"""What a webhook attempt's outcome does to the delivery: the receipt and ack, a retry, or a dead letter.

- A 2xx is the receipt ``received`` (docs/doors.md, "Webhooks out"): a ``primarycare.message_acknowledged``
  from the receiver (``source`` ``urn:hsa:<HSA-id>``), stored in ``DISCHARGE_EVENTS`` before the delivery is
  acked, so a crash in between re-sends the webhook (the receiver de-duplicates on ``webhook-id``) rather than
  losing the receipt. A delivery that names no patient needs no receipt (it asks nobody to act).
- A failure is retried by JetStream itself: the message is nak'ed with the schedule's wait (workers/webhooks
  /retry.py), so the retry survives a restart of this process and of NATS.
- Past the retry budget the delivery is dead-lettered (kind ``delivery_failed``, on
  ``deadletter.deliver.<HSA-id>.<type>``) and acked. The pathway has meanwhile had no receipt: a delivery that
  asks to act escalates ``not_delivered`` on its own deadline (``DISCHARGE_DELIVERY_RECEIPT_TIMEOUT``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg

from discharge.receiving import receipt_for, send_receipt
from discharge.settings import format_iso_duration
from events.deadletter import DeadLetter, deadletter_subject, kept_body
from events.streams import DEADLETTER_STREAM
from workers.webhooks.post import Attempt
from workers.webhooks.retry import RetrySchedule

RECEIVED = "received"


def delivered_id(document: dict[str, Any]) -> str | None:
    """The delivery's CloudEvent ``id`` (the ``webhook-id``); None when it cannot be one (spec: no dot)."""
    value = document.get("id")
    return value if isinstance(value, str) and value and "." not in value else None


async def acknowledge(connection: Client, message: Msg, document: dict[str, Any]) -> None:
    """A 2xx: the receipt ``received`` stored, then the delivery acked."""
    receipt = receipt_for(document, RECEIVED, datetime.now(UTC))
    if receipt is not None:
        await send_receipt(connection, receipt)
    await message.ack()


async def retry_or_give_up(
    connection: Client, message: Msg, attempt: Attempt, schedule: RetrySchedule
) -> bool:
    """A failure: the delivery nak'ed for its next attempt, or dead-lettered past the budget (True)."""
    attempts = message.metadata.num_delivered or 1
    if not schedule.gives_up_after(attempts):
        await message.nak(delay=schedule.jittered_wait_after(attempts, attempt.retry_after))
        return False
    reason = (
        f"webhook: no 2xx from the receiver's endpoint in {attempts} attempts over "
        f"{format_iso_duration(schedule.budget)} (last: {attempt.problem})"
    )
    await dead_letter(connection, message, reason, attempts)
    return True


async def dead_letter(connection: Client, message: Msg, reason: str, attempts: int) -> None:
    """``message`` parked in ``DISCHARGE_DEADLETTER`` with ``reason``, then acked (never tried again)."""
    sequence = message.metadata.sequence.stream
    letter = DeadLetter(
        kind="delivery_failed",
        reason=reason,
        subject=message.subject,
        failed_at=datetime.now(UTC),
        deliveries=attempts,
        stream_sequence=sequence,
        msg_id=(message.headers or {}).get("Nats-Msg-Id"),
    )
    body, headers = kept_body(message.data, letter.headers(), connection.max_payload)
    # Not the gateway's "deadletter <sequence>": that counts DISCHARGE_EVENTS, this DISCHARGE_DELIVERY.
    headers["Nats-Msg-Id"] = f"webhook deadletter {sequence}"
    await connection.jetstream().publish(
        deadletter_subject(message.subject), body, headers=headers, stream=DEADLETTER_STREAM
    )
    await message.ack()


def parsed(message: Msg) -> dict[str, Any] | None:
    """The delivered CloudEvent, or None when it is not one (nothing our fan-out would store)."""
    return parsed_body(message.data)


def parsed_body(body: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(body.decode("utf-8"))  # strict: the body is signed as UTF-8 text
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    return document if isinstance(document, dict) else None
