"""An identity hidden in an identifier field is refused, and no reason, header or subject repeats it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from events.deadletter import HEADER_MSG_ID, HEADER_REASON, HEADER_SUBJECT, DeadLetter, deadletter_subject
from events.examples import example_event
from events.hidden_identity import WITHHELD, holds_identity
from events.inbound.parsing import InvalidEvent, parse_inbound
from tests.web_support import personnummer

HIDDEN = personnummer("19121212", "121")  # 19121212-1212 (the Skatteverket test number)
SAMORDNING = "19570574-9959"


def forms(identity: str) -> list[str]:
    digits = identity.replace("-", "")
    return [identity, digits, digits[2:], identity[2:]]


@pytest.mark.parametrize("form", [*forms(HIDDEN), *forms(SAMORDNING)])
@pytest.mark.parametrize("around", ["{}", "HS-{}", "x{}y", "urn:hsa:{}", "VE-2026-{}-01", "{}+"])
def test_every_form_of_a_number_is_found_wherever_it_stands(form: str, around: str) -> None:
    assert holds_identity(around.format(form))


@pytest.mark.parametrize(
    "text",
    [
        "VE-2026-000123",  # the contract's example episode
        "SE2321000131-E000000000001",  # an HSA-id: the organisation number's "month" is 21
        "HS-20261123-123456",  # a date and a six-digit serial
        "19121212-1213",  # the wrong check digit
        "19121312-1212",  # no 13th month
        "1912121212123",  # 13 digits
        "urn:hsa:SE2321000131-E000000000001",
        "8605901944ae",  # ten digits inside a UUID's last group
    ],
)
def test_identifiers_that_are_no_identity_pass(text: str) -> None:
    assert not holds_identity(text)


def test_no_uuid_of_ten_thousand_is_taken_for_an_identity() -> None:
    assert not any(holds_identity(str(uuid.uuid4())) for _ in range(10_000))


def _refusal(event: dict[str, object]) -> InvalidEvent:
    with pytest.raises(InvalidEvent) as refused:
        parse_inbound(json.dumps(event))
    return refused.value


@pytest.mark.parametrize("where", ["id", "source", "data.episode_id", "data.unit"])
def test_an_identity_in_an_identifier_field_is_refused_with_a_reason_that_does_not_repeat_it(
    where: str,
) -> None:
    event = example_event("hospital.patient_admitted")
    values = {
        "id": f"adm-{HIDDEN}",
        "source": f"urn:hospital:{HIDDEN.replace('-', '')}",
        "data.episode_id": f"HS{HIDDEN[2:]}",
        "data.unit": f"SE2321000131-{HIDDEN.replace('-', '')}",
    }
    if where.startswith("data."):
        event["data"][where.removeprefix("data.")] = values[where]
    else:
        event[where] = values[where]
    refused = _refusal(event)
    assert refused.kind == "schema_violation" and refused.reason.startswith(f"{where}: holds what reads as")
    assert not holds_identity(str(refused)) and "1212" not in refused.reason


def test_a_dead_letter_never_shows_an_identity_in_its_subject_headers_or_reason() -> None:
    subject = f"events.hospital.patient_admitted.{HIDDEN}"
    letter = DeadLetter(
        kind="wrong_subject",
        reason=f"copied by mistake: {HIDDEN}",
        subject=subject,
        failed_at=datetime(2026, 3, 2, tzinfo=UTC),
        deliveries=1,
        stream_sequence=7,
        msg_id=f"urn:hospital:x {HIDDEN}",
    )
    headers = letter.headers()
    assert headers[HEADER_SUBJECT] == headers[HEADER_MSG_ID] == headers[HEADER_REASON] == WITHHELD
    assert not any(holds_identity(value) for value in headers.values())
    assert deadletter_subject(subject) == "deadletter.events.withheld"
    ordinary = "events.hospital.patient_admitted"
    assert deadletter_subject(ordinary) == f"deadletter.{ordinary}"
