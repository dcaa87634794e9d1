"""The FHIR door over HTTP: its CapabilityStatement, who may ask, what it refuses (as OperationOutcome, never
quoting the value), its other searches and paging; the read model fed with outbound CloudEvents as the
pathway publishes them. The pathway's course as FHIR sees it:
tests/workflow/test_fhir_who_holds_the_patient.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from discharge.bearer import dev_issuer_key, issue_token
from discharge.readmodel.care import care_episodes
from events.identity import parse_identity, patient_key
from events.outbound.names import OUTBOUND_SOURCE
from tests.fhir_support import FhirDoor, serving_fhir, validate
from workers.fhir.queries import _status_clause
from workers.fhir.resources import status_of
from workers.fhir.search import EPISODE_STATUSES

SECRET = "fhir-door-test-secret"
PATIENT = "19091231-9803"
LMV_UNIT = "SE2321000131-E000000000200"
VC = "SE2321000131-E000000000101"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def outbound(type_: str, seq: int, at: datetime, key: str, episode: str, **data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"{key}-{episode}-{seq}",
        "source": OUTBOUND_SOURCE,
        "type": f"discharge.{type_}",
        "time": at.isoformat(),
        "datacontenttype": "application/json",
        "data": {"patient_key": key, "episode_id": episode, **data},
    }


def supported_pathway(key: str, episode: str, start: datetime) -> list[dict[str, Any]]:
    """Admitted, discharged into LMV support, with the coordinator's review open."""
    end = start + timedelta(days=14)
    return [
        outbound(
            "pathway_started",
            1,
            start,
            key,
            episode,
            opened_by="hospital.patient_admitted",
            phase="inpatient",
        ),
        outbound(
            "support_started",
            2,
            start + timedelta(days=1),
            key,
            episode,
            to="lmv",
            support_ends_at=end.isoformat(),
            discharged_at=(start + timedelta(days=1)).isoformat(),
            lmv_unit=LMV_UNIT,
            listed_vardcentral=VC,
        ),
        outbound(
            "extension_review_requested", 3, end - timedelta(days=3), key, episode, due_at=end.isoformat()
        ),
    ]


@pytest.fixture
async def door(tmp_path: Path) -> AsyncIterator[FhirDoor]:
    async with serving_fhir(tmp_path, SECRET) as serving:
        key = patient_key(parse_identity(PATIENT), SECRET)
        events = [
            e for n in range(25) for e in supported_pathway(f"pk_{n:032x}", "ep", T0 + timedelta(hours=n))
        ]
        serving.store.apply([*events, *supported_pathway(key, "ep-1", T0)])
        yield serving


async def test_the_capability_statement_names_what_is_supported_without_a_token(door: FhirDoor) -> None:
    response = await door.get("metadata", token=None)
    assert response.status_code == 200
    statement = response.json()
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["format"] == ["application/fhir+json"]
    resources = {r["type"]: {p["name"] for p in r["searchParam"]} for r in statement["rest"][0]["resource"]}
    assert resources["EpisodeOfCare"] >= {"patient.identifier", "_id", "status", "date"}
    assert resources["Task"] >= {"patient.identifier", "status"}


async def test_a_search_without_a_valid_token_is_401_and_without_the_scope_403(door: FhirDoor) -> None:
    query = {"patient.identifier": f"urn:oid:1.2.752.129.2.1.3.1|{PATIENT}"}
    refused = await door.get("EpisodeOfCare", token=None, **query)
    assert refused.status_code == 401
    assert refused.json()["issue"][0]["code"] == "login"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await door.get("EpisodeOfCare", token="not-a-jwt", **query)).status_code == 401
    sender = issue_token(dev_issuer_key(door.access_log.path.parent), client_id="hosp", scope="events.send")
    assert (await door.get("EpisodeOfCare", token=sender, **query)).status_code == 403
    assert door.audit() == []  # nothing was read


async def test_refusals_are_operation_outcomes_that_never_quote_the_value(door: FhirDoor) -> None:
    wrong_check_digit = "19091231-9804"
    cases = {
        "unknown parameter": ({"name": wrong_check_digit}, "not-supported"),
        "bad identifier": (
            {"patient.identifier": f"urn:oid:1.2.752.129.2.1.3.1|{wrong_check_digit}"},
            "invalid",
        ),
        "unknown system": ({"patient.identifier": f"urn:oid:9.9.9|{PATIENT}"}, "invalid"),
        "bad status": ({"status": "bogus"}, "invalid"),
        "bad date": ({"date": "ge-yesterday"}, "invalid"),
        "too many": ({"_count": "1000"}, "invalid"),
    }
    for name, (params, code) in cases.items():
        response = await door.get("EpisodeOfCare", **params)
        assert response.status_code == 400, name
        issue = response.json()["issue"][0]
        assert issue["code"] == code, name
        assert wrong_check_digit not in response.text and PATIENT not in response.text, name
    assert (await door.get("Patient")).status_code == 404
    assert (await door.http.post(f"{door.base}/EpisodeOfCare")).status_code == 405
    assert door.audit() == []


async def test_status_date_id_searches_page_with_links_and_audit_each_patient_shown(door: FhirDoor) -> None:
    first = await door.search("EpisodeOfCare", status="active", _count="10")
    assert first["total"] == 26 and len(first["entry"]) == 10
    links = {link["relation"]: link["url"] for link in first["link"]}
    assert "_offset=10" in links["next"] and "previous" not in links
    last = await door.search("EpisodeOfCare", status="active", _count="10", _offset="20")
    assert len(last["entry"]) == 6 and "next" not in {link["relation"] for link in last["link"]}
    shown = {e["resource"]["id"] for e in first["entry"] + last["entry"]}
    assert len(shown) == 16

    one = first["entry"][0]["resource"]
    by_id = await door.search("EpisodeOfCare", _id=one["id"])
    assert [e["resource"]["id"] for e in by_id["entry"]] == [one["id"]]
    assert (await door.search("EpisodeOfCare", status="finished,planned"))["total"] == 0
    # Started before 2 December in Stockholm (23:00 UTC): the hourly ones from 08:00 to 22:00 UTC (15), and
    # the patient's.
    assert (await door.search("EpisodeOfCare", date="lt2026-12-02"))["total"] == 16
    assert (await door.search("EpisodeOfCare", date="ge2026-12-02"))["total"] == 26  # all still open

    tasks = await door.search("Task", status="requested", _count="5")
    assert tasks["total"] == 26
    assert all(t["resource"]["owner"]["display"] for t in tasks["entry"])  # the coordinators
    lines = door.audit()
    assert {line.action for line in lines} == {"search"}
    assert all(line.patient_key and line.actor == "test-fhir-reader" for line in lines)


async def test_the_status_search_and_the_status_shown_are_one_rule(door: FhirDoor) -> None:
    phases = (
        "inpatient",
        "joint_planning",
        "lmv_support",
        "extension_review",
        "handover",
        "follow_up",
        "closed",
    )
    rows = [
        dict(phase=phase, outcome=outcome, discharged_at=discharged)
        for phase in phases
        for outcome in (None, "completed", "entered_in_error")
        for discharged in (None, T0)
    ]
    with door.store.engine.begin() as conn:
        conn.execute(care_episodes.delete())
        for n, row in enumerate(rows):
            conn.execute(
                care_episodes.insert().values(
                    pathway_key=f"k{n}",
                    resource_id=f"r{n}",
                    patient_key=f"pk{n}",
                    started_at=T0,
                    updated_at=T0,
                    **row,
                )
            )
        for status in EPISODE_STATUSES:
            selected = {
                r.resource_id for r in conn.execute(sa.select(care_episodes).where(_status_clause(status)))
            }
            shown = {f"r{n}" for n, row in enumerate(rows) if status_of(row) == status}
            assert selected == shown, status


async def test_a_post_search_keeps_the_identifier_out_of_the_url(door: FhirDoor) -> None:
    form = {"patient.identifier": f"urn:oid:1.2.752.129.2.1.3.1|{PATIENT}"}
    headers = {"Authorization": f"Bearer {door.token}"}
    response = await door.http.post(f"{door.base}/EpisodeOfCare/_search", data=form, headers=headers)
    assert response.status_code == 200, response.text
    validate(response.json())
    assert response.json()["total"] == 1
    assert PATIENT not in str(response.url)
    json_body = await door.http.post(f"{door.base}/Task/_search", json=form, headers=headers)
    assert json_body.status_code == 415
    assert [line.action for line in door.audit()] == ["search_identity"]


async def test_support_without_a_named_lmv_unit_is_the_regions_and_units_have_their_names(
    tmp_path: Path,
) -> None:
    region_lmv = "SE2321000131-E000000000299"
    names = {VC: "Vårdcentralen Centrum"}
    async with serving_fhir(tmp_path, SECRET, lmv_unit=region_lmv, unit_names=names) as door:
        key = patient_key(parse_identity(PATIENT), SECRET)
        unnamed = supported_pathway(key, "ep-2", T0)
        del unnamed[1]["data"]["lmv_unit"]
        door.store.apply(unnamed)
        bundle = await door.search("EpisodeOfCare", **{"patient.identifier": PATIENT.replace("-", "")})
        episode = bundle["entry"][0]["resource"]
        assert episode["managingOrganization"]["identifier"]["value"] == region_lmv
        members = [p["member"] for p in episode["contained"][0]["participant"]]
        assert [m["identifier"]["value"] for m in members] == [region_lmv, VC]
        assert [m.get("display") for m in members] == [None, "Vårdcentralen Centrum"]  # from the directory
