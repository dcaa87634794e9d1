"""Which dead letters `discharge webhooks replay` sends again (workers/webhooks/replay.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from discharge.deadletters import StoredDeadLetter
from events.deadletter import DeadLetter
from workers.webhooks.replay import ReplayRefused, webhook_delivery

VC = "SE2321000131-E000000000101"
DELIVERED = {"id": "0b6c4f0e-1d8e-4c55-9a43-3d1e0c7b9a10", "type": "discharge.joint_planning_requested"}


def letter(kind: str, subject: str, body: bytes) -> StoredDeadLetter:
    return StoredDeadLetter(7, DeadLetter(kind, "why", subject, datetime(2026, 12, 3, tzinfo=UTC), 23), body)


def test_a_webhook_dead_letter_names_its_receiver_and_delivery() -> None:
    found = letter(
        "delivery_failed", f"deliver.{VC}.joint_planning_requested", json.dumps(DELIVERED).encode()
    )
    receiver, event_id, document = webhook_delivery(found)
    assert (receiver, event_id, document) == (VC, DELIVERED["id"], DELIVERED)


@pytest.mark.parametrize(
    ("kind", "subject", "body", "why"),
    [
        ("schema_violation", "events.hospital.patient_admitted", b"{}", "discharge deadletters replay"),
        ("delivery_failed", f"deliver.{VC}.joint_planning_requested", b'{"id": "cut off', "whole"),
        ("delivery_failed", f"deliver.{VC}.joint_planning_requested", b'{"type": "x"}', "whole"),
    ],
)
def test_an_inbound_or_a_cut_off_letter_is_refused_saying_why(
    kind: str, subject: str, body: bytes, why: str
) -> None:
    with pytest.raises(ReplayRefused, match=why):
        webhook_delivery(letter(kind, subject, body))
