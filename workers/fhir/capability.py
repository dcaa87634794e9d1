"""``GET /fhir/R4/metadata``: the CapabilityStatement, naming exactly what the door supports."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from workers.fhir.resources import validated

FHIR_VERSION = "4.0.1"
#: The date of this statement's content: change it with what the door supports.
STATEMENT_DATE = "2026-12-03"
SCOPES_TEXT = (
    "OAuth 2.0 bearer access tokens (client credentials) with SMART v2 system scopes: "
    "system/EpisodeOfCare.rs, system/Task.rs (or system/*.rs; the v1 form .read is accepted too)."
)


def _token(name: str, documentation: str) -> dict[str, str]:
    return {"name": name, "type": "token", "documentation": documentation}


_IDENTIFIER = _token(
    "patient.identifier",
    "system|value: personnummer, samordningsnummer, reservnummer (OID urn:oid:... or HL7 Sweden URI)",
)
_PAGING = [
    {"name": "_count", "type": "number", "documentation": "page size, 0-100 (default 20)"},
    {"name": "_offset", "type": "number", "documentation": "page start (the Bundle's links carry it)"},
]


def capability_statement(base: str) -> dict[str, Any]:
    episode = {
        "type": "EpisodeOfCare",
        "interaction": [{"code": "search-type"}],
        "searchParam": [
            _IDENTIFIER,
            _token("_id", "the EpisodeOfCare's id"),
            _token("status", "planned | active | finished | cancelled | entered-in-error"),
            {"name": "date", "type": "date", "documentation": "the period; prefixes eq, gt, lt, ge, le"},
            *_PAGING,
        ],
    }
    task = {
        "type": "Task",
        "interaction": [{"code": "search-type"}],
        "searchParam": [
            _IDENTIFIER,
            _token("_id", "the Task's id"),
            _token("status", "requested | completed | cancelled"),
            *_PAGING,
        ],
    }
    statement = {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": STATEMENT_DATE,
        "publisher": "Region Halland",
        "kind": "instance",
        "software": {"name": "discharge orchestrator (discharge fhir)"},
        "implementation": {
            "description": "Who holds the patient now: LMV until when, or the vårdcentral",
            "url": base,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only. Search by GET or by POST [type]/_search (form body: keeps identifiers out of "
                    "URLs). Unknown search parameters are refused (OperationOutcome)."
                ),
                "security": {
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "OAuth",
                                }
                            ]
                        }
                    ],
                    "description": SCOPES_TEXT,
                },
                "resource": [episode, task],
            }
        ],
    }
    return validated(CapabilityStatement, statement)
