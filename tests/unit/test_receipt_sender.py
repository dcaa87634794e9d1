"""A receipt comes from the receiver it names: a receiver cannot acknowledge another's delivery."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from events.cloudevent import cloudevent
from events.inbound.parsing import InvalidEvent, parse_inbound
from tests.inbound_events import PATIENT
from tests.unit.test_gateway_ingest import NOW, Recorder, ingest
from workers.doors.intake import read_event
from workers.gateway.ingest import Delivery

VC_CENTRUM = "SE2321000131-E000000000101"
VC_OTHER = "SE2321000131-E000000000555"


def receipt_from(source: str, recipient: str = VC_CENTRUM) -> bytes:
    body = cloudevent(
        id="ack-1",
        source=source,
        type="primarycare.message_acknowledged",
        time=datetime(2026, 3, 2, 10, tzinfo=UTC),
        data={"patient": {"id": PATIENT}, "message_id": "m-1", "recipient": recipient, "outcome": "received"},
    )
    return json.dumps(body).encode()


def test_a_receivers_own_receipt_is_accepted() -> None:
    event = parse_inbound(receipt_from(f"urn:hsa:{VC_CENTRUM}"))
    assert event.type == "primarycare.message_acknowledged"


@pytest.mark.parametrize(
    "source",
    [f"urn:hsa:{VC_OTHER}", "urn:hsa:", f"urn:hsa:{VC_CENTRUM}x", "https://vc.example/", VC_CENTRUM],
)
def test_a_receipt_for_someone_elses_delivery_is_refused_without_quoting_either(source: str) -> None:
    with pytest.raises(InvalidEvent) as refused:
        parse_inbound(receipt_from(source))
    assert refused.value.kind == "wrong_sender"
    assert "source" in refused.value.reason and "recipient" in refused.value.reason
    assert VC_OTHER not in refused.value.reason and VC_CENTRUM not in refused.value.reason


async def test_the_gateway_dead_letters_it_and_the_doors_refuse_it_with_the_same_kind() -> None:
    body = receipt_from(f"urn:hsa:{VC_OTHER}")
    recorder = Recorder()
    outcome = await ingest(recorder).process(
        Delivery(body=body, subject="events.primarycare.message_acknowledged", stored_at=NOW)
    )
    assert outcome.ack and not recorder.delivered
    assert outcome.dead_letter is not None and outcome.dead_letter.kind == "wrong_sender"
    with pytest.raises(InvalidEvent) as refused:  # the HTTP door's check before storing (its 400)
        read_event(body, label="item 1", future_tolerance=timedelta(minutes=5), now=NOW)
    assert refused.value.kind == "wrong_sender"
