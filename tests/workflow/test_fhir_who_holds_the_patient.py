"""Who holds the patient now, asked over FHIR: real pathways on the time-skipping server, their outbound
events fed into a real read model, and the FHIR door over HTTP answering from it (issue 23's "Done when")."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from events.identity import OID_PERSONNUMMER, URI_PERSONNUMMER
from tests.fhir_support import READER, FhirDoor, serving_fhir
from tests.inbound_events import (
    OTHER_PATIENT,
    PATIENT,
    REGISTRY_VC,
    STAFF,
    UNIT,
    accepted,
    admission_cancelled,
    admitted,
    confirmed,
    days,
    discharged,
    hours,
    risk,
)
from tests.workflow.pathway_helpers import WEB_ACTOR, Pathways, published, running_worker, until
from workers.fhir.resources import HSA_SYSTEM, SUPPORT_END_URL
from workflows.api import Decision, DecisionResult
from workflows.names import UPDATE_DECIDE
from workflows.policy import add_local

BY_OID = f"urn:oid:{OID_PERSONNUMMER}|{PATIENT}"
BY_URI = f"{URI_PERSONNUMMER}|{PATIENT.replace('-', '')}"


def feed(pw: Pathways, door: FhirDoor) -> None:
    """Every outbound event so far into the read model, as `discharge readmodel` applies them (by id:
    those applied before change nothing)."""
    door.store.apply(event.cloudevent() for event in pw.publisher.events)


async def episode(door: FhirDoor, identifier: str = BY_OID) -> dict[str, Any]:
    bundle = await door.search("EpisodeOfCare", **{"patient.identifier": identifier})
    assert bundle["total"] == 1, bundle
    found: dict[str, Any] = bundle["entry"][0]["resource"]
    return found


def managed_by(resource: dict[str, Any]) -> str:
    reference = resource["managingOrganization"]["identifier"]
    assert reference["system"] == HSA_SYSTEM
    return str(reference["value"])


def support_end(resource: dict[str, Any]) -> datetime | None:
    for extension in resource.get("extension", []):
        if extension["url"] == SUPPORT_END_URL:
            return datetime.fromisoformat(extension["valueDateTime"])
    return None


async def test_a_high_risk_patient_from_admission_to_follow_up_end_as_fhir_sees_it(
    pathway_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        secret = pw.settings.discharge_patient_key_secret.get_secret_value()
        async with serving_fhir(tmp_path, secret) as door:
            t0: datetime = await env.get_current_time()
            await pw.send(admitted(t0))
            await pw.send(risk(t0 + hours(1)))
            await until(pw, lambda v: v.phase == "joint_planning")
            feed(pw, door)
            planned = await episode(door)
            assert planned["status"] == "planned"
            assert planned["managingOrganization"]["identifier"]["value"] == UNIT  # the admitting unit
            assert planned["patient"]["identifier"] == {
                "system": f"urn:oid:{OID_PERSONNUMMER}",
                "value": PATIENT,
            }

            await pw.send(confirmed(t0 + hours(2), "lmv"))
            await pw.send(confirmed(t0 + hours(3), "vardcentral"))
            discharge_at = t0 + hours(4)
            await pw.send(discharged(discharge_at))
            view = await until(pw, lambda v: v.phase == "lmv_support")
            end = add_local(discharge_at, days(14))
            assert view.support_ends_at == end
            feed(pw, door)
            # In LMV support: active, managed by the LMV unit, with the end of support; by either system.
            for identifier in (BY_OID, BY_URI):
                supported = await episode(door, identifier)
                assert supported["status"] == "active"
                assert managed_by(supported) == UNIT
                assert support_end(supported) == end
            team = {p["member"]["identifier"]["value"] for p in supported["contained"][0]["participant"]}
            assert team == {UNIT, REGISTRY_VC}
            assert (await door.search("Task", status="requested"))["total"] == 0

            # The extension review: the coordinators' open task, due when support ends.
            await env.sleep(end - days(3) - t0 + hours(0.1))
            await until(pw, lambda v: v.pending_task == "extension_review")
            await published(pw, "extension_review_requested")
            feed(pw, door)
            review = (await door.search("Task", status="requested"))["entry"]
            assert [t["resource"]["code"]["coding"][0]["code"] for t in review] == ["extension_review"]
            assert datetime.fromisoformat(review[0]["resource"]["restriction"]["period"]["end"]) == end
            assert review[0]["resource"]["focus"]["reference"] == f"EpisodeOfCare/{supported['id']}"

            decision = Decision(decision="handover", reason="stable", decided_by=STAFF, actor=WEB_ACTOR)
            await pw.handle().execute_update(UPDATE_DECIDE, decision, result_type=DecisionResult)
            await until(pw, lambda v: v.pending_task == "handover_acceptance")
            await published(pw, "handover_requested")
            feed(pw, door)
            awaiting = await episode(door)
            assert (awaiting["status"], managed_by(awaiting)) == ("active", UNIT)  # LMV's until accepted
            open_tasks = (await door.search("Task", status="requested"))["entry"]
            handover_task = open_tasks[0]["resource"]
            assert handover_task["code"]["coding"][0]["code"] == "handover_acceptance"
            assert handover_task["owner"]["identifier"] == {"system": HSA_SYSTEM, "value": REGISTRY_VC}
            assert "end" in handover_task["restriction"]["period"]
            assert len(open_tasks) == 1  # the review was closed by the decision

            await pw.send(accepted(await env.get_current_time()))
            await until(pw, lambda v: v.phase == "follow_up")
            await published(pw, "handover_completed")
            feed(pw, door)
            handed_over = await episode(door)
            assert (handed_over["status"], managed_by(handed_over)) == ("active", REGISTRY_VC)
            assert (await door.search("Task", status="requested"))["total"] == 0

            # The follow-up window ends: the pathway closes, finished.
            await env.sleep(days(31))
            await published(pw, "pathway_closed")
            feed(pw, door)
            finished = await episode(door)
            assert finished["status"] == "finished"
            assert "end" in finished["period"]

            # Every identity search is one line in the access log, with the patient's key, by the reader.
            lines = [e for e in door.audit() if e.action == "search_identity"]
            assert len(lines) == 6  # planned, active (by OID and by URI), awaiting, handed over, finished
            assert {(e.actor, e.patient_key) for e in lines} == {(READER, pw.key(PATIENT))}


async def test_an_admission_entered_in_error_and_an_unknown_patient(
    pathway_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        secret = pw.settings.discharge_patient_key_secret.get_secret_value()
        async with serving_fhir(tmp_path, secret) as door:
            t0: datetime = await env.get_current_time()
            await pw.send(admitted(t0), OTHER_PATIENT)
            await until(pw, lambda v: v.phase == "inpatient", OTHER_PATIENT)
            await pw.send(admission_cancelled(t0 + hours(1)), OTHER_PATIENT)
            await published(pw, "pathway_closed")
            feed(pw, door)
            withdrawn = await episode(door, f"urn:oid:{OID_PERSONNUMMER}|{OTHER_PATIENT}")
            assert withdrawn["status"] == "entered-in-error"

            unknown = await door.search("EpisodeOfCare", **{"patient.identifier": BY_OID})
            assert unknown["total"] == 0 and "entry" not in unknown
            keys = [e.patient_key for e in door.audit() if e.action == "search_identity"]
            assert keys == [pw.key(OTHER_PATIENT), pw.key(PATIENT)]  # the unknown one too: a look-up
