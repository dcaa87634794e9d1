"""Dead-letter headers: one line each, bounded, readable back."""

from __future__ import annotations

from datetime import UTC, datetime

from events.deadletter import (
    HEADER_KIND,
    HEADER_REASON,
    MAX_REASON_LENGTH,
    DeadLetter,
    deadletter_subject,
)


def test_headers_round_trip_and_carry_a_stable_dedup_id() -> None:
    letter = DeadLetter(
        kind="schema_violation",
        reason="data.level: Input should be 'high' or 'standard'",
        subject="events.hospital.risk_assessed",
        failed_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        deliveries=1,
        stream_sequence=42,
        msg_id="urn:hsa:SE2321000131-E000000000001 r-1",
    )
    headers = letter.headers()
    assert headers[HEADER_KIND] == "schema_violation"
    assert headers["Nats-Msg-Id"] == "deadletter 42"
    assert headers["Discharge-Original-Subject"] == "events.hospital.risk_assessed"
    assert headers["Discharge-Failed-At"] == "2026-03-02T10:00:00+00:00"
    assert headers["Discharge-Deliveries"] == "1"
    assert DeadLetter.from_headers(headers) == letter


def test_a_reason_is_one_line_and_bounded() -> None:
    letter = DeadLetter(
        kind="schema_violation",
        reason="first\r\nsecond\n" + "x" * 5000,
        subject="events.hospital.risk_assessed",
        failed_at=datetime(2026, 3, 2, tzinfo=UTC),
        deliveries=1,
    )
    reason = letter.headers()[HEADER_REASON]
    assert "\n" not in reason and "\r" not in reason
    assert reason.startswith("first second x")
    assert len(reason) == MAX_REASON_LENGTH
    assert "Nats-Msg-Id" not in letter.headers()  # no stream sequence (TestBroker): no dedup id


def test_dead_letters_keep_the_original_subject_under_their_prefix() -> None:
    subject = "events.hospital.patient_admitted"
    assert deadletter_subject(subject) == "deadletter.events.hospital.patient_admitted"
