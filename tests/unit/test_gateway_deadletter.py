"""Dead-letter headers: one line each, bounded, readable back."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from events.deadletter import (
    CLIENT_HEADERS_ROOM,
    HEADER_KIND,
    HEADER_ORIGINAL_SHA256,
    HEADER_ORIGINAL_SIZE,
    HEADER_REASON,
    HEADER_TRUNCATED,
    MAX_KEPT_BODY,
    MAX_REASON_LENGTH,
    DeadLetter,
    deadletter_subject,
    header_bytes,
    kept_body,
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


ONE_MIB = 1024 * 1024


def test_a_body_over_the_bound_is_cut_and_the_letter_fits_the_servers_max_payload() -> None:
    body = b"x" * (ONE_MIB - 200)  # what a sender managed to publish under NATS's default 1 MiB
    headers = DeadLetter(
        kind="too_large",
        reason="the message is too large",
        subject="events.hospital.patient_admitted",
        failed_at=datetime(2026, 3, 2, tzinfo=UTC),
        deliveries=1,
        stream_sequence=7,
        msg_id="m" * 600,
    ).headers()
    kept, with_size = kept_body(body, headers, max_payload=ONE_MIB)
    assert len(kept) == MAX_KEPT_BODY and body.startswith(kept)
    assert len(kept) + header_bytes(with_size) + CLIENT_HEADERS_ROOM <= ONE_MIB
    assert with_size[HEADER_ORIGINAL_SIZE] == str(len(body))
    assert with_size[HEADER_ORIGINAL_SHA256] == hashlib.sha256(body).hexdigest()
    assert with_size[HEADER_TRUNCATED] == "true"


def test_a_small_server_limit_cuts_the_body_further() -> None:
    kept, headers = kept_body(b"y" * 20_000, {HEADER_KIND: "too_large"}, max_payload=8 * 1024)
    assert len(kept) + header_bytes(headers) + CLIENT_HEADERS_ROOM <= 8 * 1024
    assert headers[HEADER_TRUNCATED] == "true"


def test_a_body_within_the_bound_is_kept_whole_with_its_size_and_hash() -> None:
    body = b'{"specversion": "1.0"}'
    kept, headers = kept_body(body, {HEADER_KIND: "schema_violation"}, max_payload=ONE_MIB)
    assert kept == body
    assert headers[HEADER_ORIGINAL_SIZE] == str(len(body))
    assert headers[HEADER_ORIGINAL_SHA256] == hashlib.sha256(body).hexdigest()
    assert HEADER_TRUNCATED not in headers
