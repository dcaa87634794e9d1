"""The read model's rows as FHIR R4 resources: ``EpisodeOfCare`` (its ``CareTeam`` contained) and ``Task``.

Each resource is built as FHIR JSON and then validated by ``fhir.resources``' R4B models (R4B's
EpisodeOfCare, CareTeam, Task, Bundle and OperationOutcome are R4's: the same elements and value sets), so
nothing leaves the door that the model library would refuse. The mapping (phase -> status, who manages the
episode when) is documented in docs/fhir.md; no identity is stored, so the patient is named by the
identifier the caller searched with, or by the pseudonymous ``patient_key``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.task import Task

#: HSA-ids as FHIR identifiers (HL7 Sweden basprofiler: the HSA-id's OID).
HSA_SYSTEM = "urn:oid:1.2.752.129.2.1.4.1"
#: The pseudonym, where the caller did not search by identity (never the identity: we do not keep it).
PATIENT_KEY_SYSTEM = "urn:discharge:patient-key"
#: The hospital's care-episode id (``episode_id`` of the events).
EPISODE_SYSTEM = "urn:discharge:hospital-episode-id"
#: Our extension: when LMV support ends as it stands now (after extensions and corrections).
SUPPORT_END_URL = "urn:discharge:fhir:StructureDefinition:lmv-support-end"
TASK_CODE_SYSTEM = "urn:discharge:task"
PATHWAY_TYPE_TEXT = "Samordnad plan vid utskrivning (SPU): läkarinsatser i hemmet efter utskrivning"

#: DischargePhase -> EpisodeOfCare.status while the pathway runs (docs/fhir.md).
_OPEN_STATUS = {
    "inpatient": "planned",
    "joint_planning": "planned",
    "lmv_support": "active",
    "extension_review": "active",
    "handover": "active",
    "follow_up": "active",
}
_ROLE_TEXT = {
    "hospital": "Sjukhusenhet (utskrivande)",
    "lmv": "Läkarmedverkan i hemsjukvården (LMV)",
    "vardcentral": "Vårdcentral (listad)",
}
_TASK_TEXT = {
    "extension_review": "Förlängningsbeslut: förläng LMV-stödet eller överlämna till vårdcentralen",
    "handover_acceptance": "Ta emot överlämningen av patientens vård",
}
COORDINATOR_TEXT = "Samordnare (koordinator)"
#: Times are shown in Swedish time (with their offset): what a banner prints is the local day and hour.
LOCAL = ZoneInfo("Europe/Stockholm")


def status_of(row: dict[str, Any]) -> str:
    """EpisodeOfCare.status: ``planned`` before discharge, ``active`` in support, handover and follow-up,
    ``finished`` once closed after a discharge, ``cancelled`` when closed without one, ``entered-in-error``
    for an admission entered in error."""
    if row["outcome"] == "entered_in_error":
        return "entered-in-error"
    if row["phase"] == "closed" or row["outcome"] is not None:
        return "finished" if row["discharged_at"] is not None else "cancelled"
    return _OPEN_STATUS.get(row["phase"], "planned")


def manager_of(row: dict[str, Any]) -> str | None:
    """The unit responsible now (or last, once closed): the vårdcentral after handover, LMV from discharge
    into support until then, the vårdcentral of a pathway in handover without LMV, else the admitting unit."""
    if row["handed_over_at"] is not None:
        return row["listed_vardcentral"]  # type: ignore[no-any-return]
    if row["support_ends_at"] is not None and row["discharged_at"] is not None:  # in LMV support
        return row["lmv_unit"]  # type: ignore[no-any-return]
    if row["phase"] in ("handover", "follow_up"):
        return row["listed_vardcentral"]  # type: ignore[no-any-return]
    return row["hospital_unit"]  # type: ignore[no-any-return]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LOCAL).isoformat()


def unit_reference(hsa_id: str, names: dict[str, str]) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "type": "Organization",
        "identifier": {"system": HSA_SYSTEM, "value": hsa_id},
    }
    if hsa_id in names:
        reference["display"] = names[hsa_id]
    return reference


def patient_reference(row: dict[str, Any], searched: tuple[str, str] | None) -> dict[str, Any]:
    system, value = searched or (PATIENT_KEY_SYSTEM, row["patient_key"])
    return {"type": "Patient", "identifier": {"system": system, "value": value}}


def _care_team(row: dict[str, Any], status: str, names: dict[str, str]) -> dict[str, Any]:
    parties = (
        ("hospital", row["hospital_unit"], row["started_at"], row["discharged_at"]),
        ("lmv", row["lmv_unit"], row["discharged_at"], row["handed_over_at"] or row["closed_at"]),
        ("vardcentral", row["listed_vardcentral"], None, None),
    )
    participants = []
    for role, hsa_id, start, end in parties:
        if not hsa_id:
            continue
        participant: dict[str, Any] = {
            "role": [{"text": _ROLE_TEXT[role]}],
            "member": unit_reference(hsa_id, names),
        }
        if start is not None or end is not None:
            participant["period"] = {k: v for k, v in (("start", _iso(start)), ("end", _iso(end))) if v}
        participants.append(participant)
    team: dict[str, Any] = {
        "resourceType": "CareTeam",
        "id": "team",
        "status": "active" if status in ("planned", "active") else "inactive",
        "name": "Vårdteam kring utskrivningen",
    }
    if participants:
        team["participant"] = participants
    return team


def episode_of_care(
    row: dict[str, Any], names: dict[str, str], searched: tuple[str, str] | None = None
) -> dict[str, Any]:
    """One ``care_episodes`` row as a validated EpisodeOfCare (FHIR JSON)."""
    status = status_of(row)
    resource: dict[str, Any] = {
        "resourceType": "EpisodeOfCare",
        "id": row["resource_id"],
        "meta": {"lastUpdated": _iso(row["updated_at"])},
        "identifier": [{"system": EPISODE_SYSTEM, "value": row["episode_id"]}] if row["episode_id"] else [],
        "status": status,
        "type": [{"text": PATHWAY_TYPE_TEXT}],
        "patient": patient_reference(row, searched),
        "period": {"start": _iso(row["started_at"])},
        "contained": [_care_team(row, status, names)],
        "team": [{"reference": "#team"}],
    }
    if not resource["identifier"]:
        del resource["identifier"]
    if row["closed_at"] is not None:
        resource["period"]["end"] = _iso(row["closed_at"])
    manager = manager_of(row)
    if manager:
        resource["managingOrganization"] = unit_reference(manager, names)
    if row["support_ends_at"] is not None and row["discharged_at"] is not None:
        resource["extension"] = [{"url": SUPPORT_END_URL, "valueDateTime": _iso(row["support_ends_at"])}]
    return validated(EpisodeOfCare, resource)


def task(
    row: dict[str, Any],
    names: dict[str, str],
    handover_accept_timeout: timedelta,
    searched: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """One ``care_tasks`` row (joined with its episode) as a validated Task (FHIR JSON)."""
    due = row["due_at"]
    if due is None and row["kind"] == "handover_acceptance":
        due = row["requested_at"] + handover_accept_timeout  # as the pathway's rule sets it
    owner = (
        unit_reference(row["owner"], names)
        if row["owner"]
        else {"type": "Organization", "display": COORDINATOR_TEXT}
    )
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": row["task_id"],
        "status": row["status"],
        "intent": "order",
        "code": {
            "coding": [{"system": TASK_CODE_SYSTEM, "code": row["kind"]}],
            "text": _TASK_TEXT[row["kind"]],
        },
        "focus": {"reference": f"EpisodeOfCare/{row['resource_id']}"},
        "for": patient_reference(row, searched),
        "authoredOn": _iso(row["requested_at"]),
        "owner": owner,
    }
    if due is not None:
        resource["restriction"] = {"period": {"end": _iso(due)}}
    if row["closed_at"] is not None:
        resource["executionPeriod"] = {"start": _iso(row["requested_at"]), "end": _iso(row["closed_at"])}
    return validated(Task, resource)


def validated(model: Any, resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` as the model library reads it; its ``ValidationError`` is a bug of ours (500)."""
    model.model_validate(resource)
    return resource
