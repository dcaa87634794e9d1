"""HL7 v2 ADT to the contract's hospital events, and the ACKs of what cannot be taken (workers/hl7/)."""

from __future__ import annotations

import asyncio
import json
import time
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import hl7
import hl7.mllp.streams
import pytest

from events.inbound.parsing import parse_inbound
from workers.hl7.ack import ack
from workers.hl7.listener import Hl7Door, decode
from workers.hl7.mapping import Refused, hl7_time, to_event

SAMPLES = Path(__file__).parents[2] / "docs" / "hl7"
PERSONNUMMER = "190912319803"  # the synthetic patient of docs/examples


def message(name: str) -> str:
    return decode((SAMPLES / name).read_bytes())


def mapped(text: str) -> dict[str, Any]:
    return to_event(hl7.parse(decode(text.encode())))


@pytest.mark.parametrize(
    ("name", "event_type"),
    [
        ("ADT_A01.hl7", "hospital.patient_admitted"),
        ("ADT_A03.hl7", "hospital.patient_discharged"),
        ("ADT_A11.hl7", "hospital.admission_cancelled"),
        ("ADT_A13.hl7", "hospital.discharge_cancelled"),
    ],
)
def test_each_documented_sample_becomes_a_valid_event_of_its_type(name: str, event_type: str) -> None:
    event = mapped(message(name))
    assert event["type"] == event_type
    assert event["source"] == "urn:hl7:COSMIC.1.2.752.97.1.1.ISO:HALLANDS SJUKHUS HALMSTAD"
    assert event["data"]["patient"]["id"] == PERSONNUMMER
    parsed = parse_inbound(json.dumps(event))  # the gateway's own validation
    assert parsed.id == event["id"] and str(getattr(parsed.data, "episode_id", "")).startswith("VE-2026-")


def test_an_admission_maps_unit_emergency_listing_and_the_time_it_happened() -> None:
    event = mapped(message("ADT_A01.hl7"))
    assert event["time"] == "2026-11-20T07:55:00+01:00"  # EVN-6, Swedish winter time
    assert event["data"] == {
        "patient": {"id": PERSONNUMMER, "system": "1.2.752.129.2.1.3.1"},  # the second PID-3 repetition
        "episode_id": "VE-2026-000123",
        "unit": "SE2321000131-E000000000010",
        "admission": "unplanned",
        "listed_vardcentral": "SE2321000131-E000000000101",
    }
    doctor = "|||SE2321000131-E000000000020"
    planned = mapped(message("ADT_A01.hl7").replace(f"|E{doctor}", f"|R{doctor}"))
    assert planned["data"]["admission"] == "planned"


def test_newline_segment_ends_and_escape_sequences_are_read() -> None:
    text = message("ADT_A01.hl7").replace("\r", "\n").replace("VE-2026-000123", "VE\\T\\2026\\F\\1")
    assert mapped(text)["data"]["episode_id"] == "VE&2026|1"
    crlf = message("ADT_A13.hl7").replace("\r", "\r\n")
    assert mapped(crlf)["type"] == "hospital.discharge_cancelled"


@pytest.mark.parametrize(
    ("hl7_value", "rfc3339"),
    [
        ("202610250230", "2026-10-25T02:30:00+02:00"),  # the autumn's repeated hour: the earlier one
        ("20261025033000", "2026-10-25T03:30:00+01:00"),
        ("20260329023000", "2026-03-29T02:30:00+01:00"),  # the spring's missing hour: winter time's reading
        ("20260601120000", "2026-06-01T12:00:00+02:00"),
        ("20260601120000+0000", "2026-06-01T12:00:00+00:00"),  # an offset given is kept
    ],
)
def test_times_without_offset_are_swedish_time(hl7_value: str, rfc3339: str) -> None:
    assert hl7_time(hl7_value) == rfc3339


def test_a_message_without_a_swedish_identifier_is_refused_naming_the_field_not_the_number() -> None:
    local_only = message("ADT_A01.hl7").replace("~190912319803^^^&1.2.752.129.2.1.3.1&ISO^NNSWE", "")
    with pytest.raises(Refused, match="PID-3") as caught:
        mapped(local_only)
    assert "4711" not in caught.value.reason and not caught.value.reject


def test_other_message_types_are_rejected() -> None:
    with pytest.raises(Refused) as caught:
        mapped(message("ADT_A01.hl7").replace("ADT^A01^ADT_A01", "ADT^A08^ADT_A01"))
    assert caught.value.reject and caught.value.code == "201"


def test_an_ack_answers_the_control_id_and_escapes_its_reason() -> None:
    text = ack(code="AE", control_id="HSH-1", trigger="A01", reason="data.unit: a|b^c", error_code="101")
    segments = hl7.parse(text.decode()).segments
    parsed = hl7.parse(text.decode())
    assert str(parsed.segment("MSA")(1)) == "AE" and str(parsed.segment("MSA")(2)) == "HSH-1"
    assert parsed.unescape(str(parsed.segment("ERR")(8))) == "data.unit: a|b^c"
    assert len(segments("ERR")) == 1


async def never_stored():
    raise AssertionError("nothing may be stored for a refused message")


def door() -> Hl7Door:
    return Hl7Door(
        never_stored,  # type: ignore[arg-type]
        future_tolerance=timedelta(minutes=5),
        idle_timeout=timedelta(seconds=5),
        max_connections=2,
    )


async def test_an_invalid_identity_gets_ae_quoting_no_identity() -> None:
    wrong_check_digit = message("ADT_A01.hl7").replace("190912319803", "190912319804")
    answer = hl7.parse((await door().answer(wrong_check_digit.encode())).decode())
    assert str(answer.segment("MSA")(1)) == "AE"
    assert str(answer.segment("MSA")(2)) == "HSH-A01-000123"
    assert "check digit" in str(answer.segment("ERR")(8))
    assert str(answer.segment("ERR")(2)) == "PID^1^3"
    assert "19091231" not in str(answer)


@pytest.mark.parametrize(
    "hostile",
    [
        b"",
        b"hello",
        b"MSH",
        b"MSH|",
        b"MSH|^~\\&|" + b"|" * 5000,
        "MSH|^~\\&|\u00e5\u00e4\u00f6".encode("latin-1"),
    ],
)
async def test_hostile_blocks_are_answered_without_storing(hostile: bytes) -> None:
    answer = (await door().answer(hostile)).decode()
    assert "\rMSA|A" in answer


def test_docs_show_each_sample_as_it_is() -> None:
    doors_md = (SAMPLES.parent / "doors.md").read_text(encoding="utf-8")
    for sample in sorted(SAMPLES.glob("*.hl7")):
        for segment in sample.read_text(encoding="utf-8").split("\r"):
            assert segment in doors_md, (sample.name, segment[:40])


async def test_thousands_of_repetitions_are_refused_before_parsing() -> None:
    many = message("ADT_A01.hl7").replace("4711-0815", "~".join(["4711-0815"] * 3000))
    started = time.perf_counter()
    answer = hl7.parse((await door().answer(many.encode())).decode())
    assert time.perf_counter() - started < 0.1  # python-hl7 would take a second or more to parse it
    assert [str(answer.segment("MSA")(n)) for n in (1, 2)] == ["AE", "HSH-A01-000123"]


def test_a_value_with_an_empty_escape_sequence_maps_without_a_deprecation_warning() -> None:
    """python-hl7 reports the empty ``\\\\`` with the deprecated ``Logger.warn``: under ``-W error`` that
    failed the parse of a message we can read."""
    text = message("ADT_A03.hl7")
    episode = mapped(text)["data"]["episode_id"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        event = mapped(text.replace(episode, episode[:2] + "\\\\" + episode[2:], 1))
    assert event["data"]["episode_id"] == episode


async def test_the_mllp_server_never_asks_for_the_deprecated_get_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """python-hl7's ``start_hl7_server`` calls ``asyncio.get_event_loop()`` (deprecated; an error in 3.14
    without a running loop): the door makes its server on the running loop with the library's framing."""

    def deprecated() -> None:
        raise AssertionError("asyncio.get_event_loop() called")

    monkeypatch.setattr(hl7.mllp.streams, "get_event_loop", deprecated)
    door = Hl7Door(
        lambda: None,  # type: ignore[arg-type,return-value]  # nothing is stored: the message is refused
        future_tolerance=timedelta(minutes=5),
        idle_timeout=timedelta(seconds=5),
        max_connections=2,
    )
    server = await door.serve("127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        unsupported = message("ADT_A01.hl7").replace("ADT^A01^ADT_A01", "ADT^A08^ADT_A01")
        writer.write(b"\x0b" + unsupported.encode() + b"\x1c\r")
        answer = await asyncio.wait_for(reader.readuntil(b"\x1c\r"), 10)
        writer.close()
    finally:
        server.close()
    assert answer.startswith(b"\x0bMSH|") and b"MSA|AR|" in answer
