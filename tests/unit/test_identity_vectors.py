"""Every identifier the region receives, against public test vectors (each source named).

Sources:
* personnummer/meta ``testdata/list.json`` (github.com/personnummer/meta), the shared test list of the
  personnummer libraries: ``long_format`` with its ``valid`` flag and ``type`` (ssn = personnummer,
  con = samordningsnummer). Its ``+`` and space forms are not ours (the contract: 12 digits, optional
  hyphen), so only the 12-digit form is used.
* HL7 Sweden basprofiler-r4 ``input/fsh/examples/example-patient.fsh``: Inera PU test persons
  (personnummer 195009072553, 196101182803, 189002029800, 200302022389; samordningsnummer
  196109732393; nationellt reservnummer 98240301AA06).
* Skatteverket's classic example personnummer 19121212-1212 (also HL7 Sweden's PatientExample1).
* Inera's "Lokala reservidentiteter" page: the day 32-59 local format's example 198108320014, which
  HL7 Sweden's ``Halland-local-reservnummer-invariant`` matches.
"""

from __future__ import annotations

import json

import pytest

from discharge.settings import DEV_PATIENT_KEY_SECRET
from events.identity import (
    OID_HALLAND_RESERVNUMMER,
    OID_NATIONAL_RESERVNUMMER,
    OID_PERSONNUMMER,
    OID_SAMORDNINGSNUMMER,
    InvalidIdentity,
    parse_identity,
    patient_key,
)

# personnummer/meta testdata/list.json: (long_format, valid, type)
PERSONNUMMER_META = [
    ("201509160006", False, "ssn"),  # serial 000: never issued
    ("190905271474", True, "ssn"),
    ("198707049996", False, "ssn"),
    ("198211059954", True, "ssn"),
    ("193901829913", False, "con"),
    ("195705749959", True, "con"),
    ("201211209941", False, "ssn"),
    ("199012119948", True, "ssn"),
    ("201210759984", False, "con"),
    ("197306749982", True, "con"),
    ("187912219990", True, "ssn"),
    ("200012099891", True, "ssn"),
]
KINDS = {"ssn": "personnummer", "con": "samordningsnummer"}


@pytest.mark.parametrize(("number", "valid", "kind"), PERSONNUMMER_META)
def test_personnummer_meta_shared_list(number: str, valid: bool, kind: str) -> None:
    hyphenated = f"{number[:8]}-{number[8:]}"
    if valid:
        assert parse_identity(number).kind == KINDS[kind]
        assert parse_identity(hyphenated) == parse_identity(number)
    else:
        with pytest.raises(InvalidIdentity):
            parse_identity(number)
        with pytest.raises(InvalidIdentity):
            parse_identity(hyphenated)


def test_serial_000_is_refused_by_its_own_rule_without_echoing_the_number() -> None:
    with pytest.raises(InvalidIdentity, match="serial number 000") as caught:
        parse_identity("20150916-0006")
    assert "0006" not in str(caught.value) and "20150916" not in str(caught.value)


@pytest.mark.parametrize(
    ("number", "kind", "system"),
    [
        ("195009072553", "personnummer", OID_PERSONNUMMER),  # HL7 Sweden / Inera PU test person
        ("196101182803", "personnummer", OID_PERSONNUMMER),
        ("189002029800", "personnummer", OID_PERSONNUMMER),
        ("200302022389", "personnummer", OID_PERSONNUMMER),
        ("19121212-1212", "personnummer", OID_PERSONNUMMER),  # Skatteverket's example
        ("196109732393", "samordningsnummer", OID_SAMORDNINGSNUMMER),
        ("98240301AA06", "national_reservnummer", OID_NATIONAL_RESERVNUMMER),
        ("98240301-AA06", "national_reservnummer", OID_NATIONAL_RESERVNUMMER),
        ("198108320014", "halland_reservnummer", OID_HALLAND_RESERVNUMMER),  # Inera's day 32-59 example
        ("19810832-0014", "halland_reservnummer", OID_HALLAND_RESERVNUMMER),
    ],
)
def test_each_kind_is_recognised_and_matches_its_system(number: str, kind: str, system: str) -> None:
    assert parse_identity(number).kind == kind
    assert parse_identity(number, system).kind == kind
    assert parse_identity(number, f"urn:oid:{system}").kind == kind


@pytest.mark.parametrize(
    ("number", "system"),
    [
        ("195009072553", OID_SAMORDNINGSNUMMER),
        ("196109732393", OID_PERSONNUMMER),
        ("198108320014", OID_PERSONNUMMER),
        ("98240301AA06", OID_HALLAND_RESERVNUMMER),
        ("195009072553", OID_NATIONAL_RESERVNUMMER),
    ],
)
def test_a_number_of_another_kind_than_its_system_is_refused(number: str, system: str) -> None:
    with pytest.raises(InvalidIdentity, match=r"as patient\.system says") as caught:
        parse_identity(number, system)
    assert number not in str(caught.value)


def test_an_unknown_system_is_refused() -> None:
    with pytest.raises(InvalidIdentity, match=r"unknown patient\.system"):
        parse_identity("195009072553", "1.2.3.4")


@pytest.mark.parametrize(
    "number",
    [
        "198108320015",  # Halland: wrong Luhn check digit
        "198113320014",  # Halland: month 13
        "198108600014",  # day 60: no kind
        "98240301AI06",  # NRID: I is never used
        "98240301A06",  # NRID: one letter short
        "99240301AA06",  # NRID: 99 - century is no series (3, 6 ... 78)
        "98240230AA06",  # NRID: 2024-02-30 is no date
        "00241301AA06",  # NRID with unknown date: month must be 20-99
    ],
)
def test_malformed_reservnummer_are_refused(number: str) -> None:
    with pytest.raises(InvalidIdentity):
        parse_identity(number)


def test_nrid_with_unknown_date_and_sex() -> None:
    assert parse_identity("00242045ABC3").kind == "national_reservnummer"


@pytest.mark.parametrize("number", ["19091231-9803", "98240301-AA06", "19810832-0014", "19570574-9959"])
def test_same_person_same_patient_key_with_or_without_hyphen_or_system(number: str) -> None:
    plain = number.replace("-", "")
    key = patient_key(parse_identity(plain), DEV_PATIENT_KEY_SECRET)
    assert patient_key(parse_identity(number), DEV_PATIENT_KEY_SECRET) == key
    assert patient_key(parse_identity(number.lower()), DEV_PATIENT_KEY_SECRET) == key


def test_patient_keys_of_existing_personnummer_are_unchanged() -> None:
    """Saved histories and the demo rely on these: the canonical form of a personnummer did not change."""
    identity = parse_identity("19091231-9803")
    assert identity.canonical == "190912319803"
    assert patient_key(identity, "secret-a") == patient_key(parse_identity("190912319803"), "secret-a")


@pytest.mark.parametrize(
    ("number", "uri", "kind"),
    [
        ("195009072553", "http://electronichealth.se/identifier/personnummer", "personnummer"),
        ("196109732393", "http://electronichealth.se/identifier/samordningsnummer", "samordningsnummer"),
        (
            "98240301AA06",
            "http://electronichealth.se/identifier/nationelltReservnummer",
            "national_reservnummer",
        ),
    ],
)
def test_hl7_sweden_identifier_uris_name_the_kind_like_the_oids(number: str, uri: str, kind: str) -> None:
    assert parse_identity(number, uri).kind == kind
    with pytest.raises(InvalidIdentity, match=r"as patient\.system says"):
        parse_identity("198108320014", uri)  # a Halland reservnummer is none of these kinds


def test_an_unknown_system_is_refused_without_repeating_it() -> None:
    with pytest.raises(InvalidIdentity, match=r"unknown patient\.system") as caught:
        parse_identity("195009072553", "http://electronichealth.se/identifier/195009072553")
    assert "195009072553" not in str(caught.value)


def test_an_event_on_any_door_takes_the_uri_in_patient_system() -> None:
    from events.examples import example_event
    from events.inbound.parsing import parse_inbound

    event = example_event("hospital.patient_admitted")
    event["data"]["patient"]["system"] = "http://electronichealth.se/identifier/personnummer"
    assert parse_inbound(json.dumps(event)).data.patient.system == event["data"]["patient"]["system"]
