"""The FHIR door's search parameters and scopes: every identifier kind by OID or HL7 Sweden URI to the same
patient key as the gateway's, refusals that never quote the value, SMART scopes v2 and v1."""

from __future__ import annotations

import pytest

from events.identity import (
    OID_HALLAND_RESERVNUMMER,
    OID_NATIONAL_RESERVNUMMER,
    OID_PERSONNUMMER,
    OID_SAMORDNINGSNUMMER,
    URI_NATIONAL_RESERVNUMMER,
    URI_PERSONNUMMER,
    URI_SAMORDNINGSNUMMER,
    parse_identity,
    patient_key,
)
from workers.fhir.api import may_search
from workers.fhir.search import BadSearch, parse_search

SECRET = "fhir-search-secret"


@pytest.mark.parametrize(
    ("system", "value"),
    [
        (f"urn:oid:{OID_PERSONNUMMER}", "19500907-2553"),
        (URI_PERSONNUMMER, "195009072553"),
        (f"urn:oid:{OID_SAMORDNINGSNUMMER}", "196109732393"),
        (URI_SAMORDNINGSNUMMER, "196109732393"),
        (f"urn:oid:{OID_NATIONAL_RESERVNUMMER}", "98240301AA06"),
        (URI_NATIONAL_RESERVNUMMER, "98240301-AA06"),
        (f"urn:oid:{OID_HALLAND_RESERVNUMMER}", "198108320014"),
        ("", "198108320014"),  # no system: the kind is recognised from the number
    ],
)
def test_every_identifier_kind_by_oid_or_uri_finds_the_gateways_patient_key(system: str, value: str) -> None:
    token = f"{system}|{value}" if system else value
    criteria = parse_search("EpisodeOfCare", [("patient.identifier", token)], SECRET)
    assert criteria.patient_key == patient_key(parse_identity(value), SECRET)
    assert criteria.identifier is not None and criteria.identifier[1] == value


@pytest.mark.parametrize(
    "token",
    [
        f"urn:oid:{OID_SAMORDNINGSNUMMER}|195009072553",  # a personnummer named a samordningsnummer
        f"urn:oid:{OID_PERSONNUMMER}|195009072554",  # a wrong check digit
        "urn:oid:1.2.3|195009072553",  # an unknown system
        f"urn:oid:{OID_PERSONNUMMER}|",
    ],
)
def test_a_bad_identifier_is_refused_without_quoting_it(token: str) -> None:
    with pytest.raises(BadSearch) as refused:
        parse_search("EpisodeOfCare", [("patient.identifier", token)], SECRET)
    assert refused.value.code == "invalid"
    assert "19500907" not in str(refused.value) and "2553" not in str(refused.value)


def test_unknown_repeated_and_out_of_range_parameters_are_refused() -> None:
    with pytest.raises(BadSearch) as unknown:
        parse_search("Task", [("date", "2026-12-01")], SECRET)  # a date is EpisodeOfCare's only
    assert unknown.value.code == "not-supported"
    with pytest.raises(BadSearch, match="given twice"):
        parse_search("Task", [("status", "requested"), ("status", "completed")], SECRET)
    with pytest.raises(BadSearch, match="status"):
        parse_search("Task", [("status", "active")], SECRET)  # an EpisodeOfCare status, not a Task's
    with pytest.raises(BadSearch, match="_count"):
        parse_search("Task", [("_count", "-1")], SECRET)
    with pytest.raises(BadSearch, match="not supported"):
        parse_search("EpisodeOfCare", [("date", "ne2026-12-01")], SECRET)


def test_a_day_is_searched_as_a_day_in_sweden() -> None:
    (bound,) = parse_search("EpisodeOfCare", [("date", "ge2026-03-29")], SECRET).dates
    # The day the clocks go forward: 23 hours, from 23:00 UTC the day before.
    assert (bound.prefix, bound.start.isoformat(), bound.end.isoformat()) == (
        "ge",
        "2026-03-28T23:00:00+00:00",
        "2026-03-29T22:00:00+00:00",
    )


@pytest.mark.parametrize(
    ("scopes", "episode", "task"),
    [
        ({"system/EpisodeOfCare.rs", "system/Task.rs"}, True, True),
        ({"system/EpisodeOfCare.s"}, True, False),
        ({"system/*.cruds"}, True, True),
        ({"system/EpisodeOfCare.read"}, True, False),  # SMART v1
        ({"system/EpisodeOfCare.r"}, False, False),  # read without search
        ({"patient/EpisodeOfCare.rs", "events.send"}, False, False),
    ],
)
def test_smart_system_scopes_with_search(scopes: set[str], episode: bool, task: bool) -> None:
    assert may_search(frozenset(scopes), "EpisodeOfCare") is episode
    assert may_search(frozenset(scopes), "Task") is task
