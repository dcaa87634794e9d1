"""The doors through the real processes: `discharge http` and `discharge hl7` in front of NATS, the gateway,
the worker and Temporal, each a process of its own."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import hl7
import httpx
import nats
import pytest

from bench.soak import patient
from events.examples import example_event
from events.identity import parse_identity, patient_key, workflow_id_for
from events.streams import INBOUND_STREAM
from tests.integration.doors_support import Doors, mllp_send
from workflows.api import PathwayView
from workflows.names import QUERY_STATE

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).parents[2] / "docs" / "hl7"
STRUCTURED = {"Content-Type": "application/cloudevents+json"}


def admission(number: int, event_id: str) -> dict[str, Any]:
    event = example_event("hospital.patient_admitted", patient=patient(number), event_id=event_id)
    event["data"]["episode_id"] = f"doors-{number}"
    return event


async def pathway(doors: Doors, number: int, until: str, timeout: float = 30) -> PathwayView:
    from bench.soak_parts import connect

    client = await connect(doors.settings)
    secret = doors.settings.discharge_patient_key_secret.get_secret_value()
    handle = client.get_workflow_handle(workflow_id_for(patient_key(parse_identity(patient(number)), secret)))
    deadline = time.monotonic() + timeout
    while True:
        try:
            view: PathwayView = await handle.query(QUERY_STATE, result_type=PathwayView)
            if getattr(view, until) is not None:
                return view
        except Exception:
            pass
        assert time.monotonic() < deadline, f"the pathway never had {until}"
        await asyncio.sleep(0.3)


async def stored(doors: Doors) -> int:
    nc = await nats.connect(doors.settings.nats_url)
    try:
        return (await nc.jetstream().stream_info(INBOUND_STREAM)).state.messages
    finally:
        await nc.close()


async def test_an_admission_over_http_opens_the_pathway_and_a_resend_is_stored_once(doors: Doors) -> None:
    event = admission(101, "http-admit-101")
    async with httpx.AsyncClient(base_url=doors.http_url) as http:
        before = await stored(doors)
        first = await http.post(
            "/events", content=json.dumps(event), headers=STRUCTURED | doors.auth("hospital")
        )
        assert first.status_code == 202, first.text
        assert first.json() == {"accepted": ["http-admit-101"]}
        again = await http.post(
            "/events", content=json.dumps(event), headers=STRUCTURED | doors.auth("hospital")
        )
        assert again.status_code == 202
        assert await stored(doors) == before + 1  # JetStream de-duplicated by source + id
    view = await pathway(doors, 101, "admitted_at")
    assert view.episode_id == "doors-101"


async def test_binary_and_batched_modes_are_taken(doors: Doors) -> None:
    event = admission(102, "http-binary-102")
    headers = {f"ce-{name}": str(event[name]) for name in ("specversion", "id", "source", "type", "time")}
    risk = example_event("hospital.risk_assessed", patient=patient(102), event_id="http-batch-risk-102")
    risk["data"]["episode_id"] = "doors-102"
    async with httpx.AsyncClient(base_url=doors.http_url) as http:
        binary = await http.post(
            "/events",
            content=json.dumps(event["data"]),
            headers=headers | {"Content-Type": "application/json"} | doors.auth("hospital"),
        )
        assert binary.status_code == 202, binary.text
        batch = await http.post(
            "/events",
            content=json.dumps([event, risk]),
            headers={"Content-Type": "application/cloudevents-batch+json"} | doors.auth("hospital"),
        )
        assert batch.status_code == 202, batch.text
        assert batch.json() == {"accepted": ["http-binary-102", "http-batch-risk-102"]}
    view = await pathway(doors, 102, "risk_level")  # both modes' events reached the pathway
    assert view.admitted_at is not None


async def test_refusals_say_why_in_problem_details_and_store_nothing(doors: Doors) -> None:
    event = admission(103, "http-refused-103")
    before = await stored(doors)
    async with httpx.AsyncClient(base_url=doors.http_url) as http:
        body = json.dumps(event)
        unauthorised = [
            await http.post("/events", content=body, headers=STRUCTURED),
            await http.post("/events", content=body, headers=STRUCTURED | {"Authorization": "Bearer x.y.z"}),
        ]
        assert [r.status_code for r in unauthorised] == [401, 401]
        assert unauthorised[0].headers["content-type"] == "application/problem+json"
        assert unauthorised[0].headers["www-authenticate"].startswith("Bearer")

        forbidden = await http.post("/events", content=body, headers=STRUCTURED | doors.auth("municipality"))
        assert forbidden.status_code == 403 and forbidden.json()["status"] == 403

        bad = json.loads(body)
        bad["data"]["patient"]["id"] = "19091231-9804"  # wrong check digit
        invalid = await http.post(
            "/events", content=json.dumps(bad), headers=STRUCTURED | doors.auth("hospital")
        )
        assert invalid.status_code == 400 and invalid.headers["content-type"] == "application/problem+json"
        problem = invalid.json()
        assert problem["type"] == "urn:discharge:problem:schema_violation"
        assert "data.patient.id" in problem["detail"] and "check digit" in problem["detail"]
        assert "9804" not in invalid.text and "19091231" not in invalid.text

        large = await http.post(
            "/events", content=b"x" * (64 * 1024 + 1), headers=STRUCTURED | doors.auth("hospital")
        )
        assert large.status_code == 413
        other = await http.post(
            "/events", content=body, headers={"Content-Type": "text/plain"} | doors.auth("hospital")
        )
        assert other.status_code == 415
        # A batch with one bad event stores none of it.
        batch = await http.post(
            "/events",
            content=json.dumps([event, bad]),
            headers={"Content-Type": "application/cloudevents-batch+json"} | doors.auth("hospital"),
        )
        assert batch.status_code == 400 and batch.json()["errors"][0].startswith("item 2:")
    assert await stored(doors) == before


def sample(name: str, number: int, control_id: str) -> bytes:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    text = text.replace("190912319803", patient(number).replace("-", ""))
    text = text.replace("VE-2026-000123", f"doors-{number}")
    for original in ("HSH-A01-000123", "HSH-A03-000123"):
        text = text.replace(original, control_id)
    return text.encode()


def acknowledgement(answer: bytes) -> tuple[str, str, str]:
    message = hl7.parse(answer.decode())
    err = str(message.segment("ERR")(8)) if "\rERR|" in answer.decode() else ""
    return str(message.segment("MSA")(1)), str(message.segment("MSA")(2)), err


async def test_an_a01_over_mllp_opens_the_pathway_and_an_a03_discharges_it(doors: Doors) -> None:
    admitted, discharged = await mllp_send(
        doors.hl7_port,
        sample("ADT_A01.hl7", 104, "MLLP-A01-104"),
        sample("ADT_A03.hl7", 104, "MLLP-A03-104"),
    )
    assert acknowledgement(admitted) == ("AA", "MLLP-A01-104", "")
    assert acknowledgement(discharged) == ("AA", "MLLP-A03-104", "")
    view = await pathway(doors, 104, "discharged_at")
    assert view.admitted_at is not None and view.episode_id == "doors-104"
    # A sender that missed the ACK sends the same message again: AA again, stored once.
    before = await stored(doors)
    (again,) = await mllp_send(doors.hl7_port, sample("ADT_A01.hl7", 104, "MLLP-A01-104"))
    assert acknowledgement(again)[0] == "AA" and await stored(doors) == before


async def test_an_invalid_identity_over_mllp_gets_ae_and_stores_nothing(doors: Doors) -> None:
    before = await stored(doors)
    wrong = sample("ADT_A01.hl7", 105, "MLLP-A01-105").decode()
    number = patient(105).replace("-", "")
    wrong = wrong.replace(number, number[:-1] + str((int(number[-1]) + 1) % 10))
    (answer,) = await mllp_send(doors.hl7_port, wrong.encode())
    code, control_id, reason = acknowledgement(answer)
    assert (code, control_id) == ("AE", "MLLP-A01-105") and "check digit" in reason
    assert number[:8] not in answer.decode()
    (unsupported,) = await mllp_send(doors.hl7_port, wrong.replace("ADT^A01", "ADT^A08").encode())
    assert acknowledgement(unsupported)[0] == "AR"
    assert await stored(doors) == before
