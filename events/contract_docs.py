"""The contract documents, generated from the models: AsyncAPI, one JSON Schema and one example per type.

    python -m events.contract_docs --write   # regenerate docs/ (what `make docs` runs)
    python -m events.contract_docs --check   # exit 1 if a committed document is stale

Nothing under docs/asyncapi.json, docs/schemas/ or docs/examples/ is written by hand: integrators read
these files, and a test fails when they drift from the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from faststream.nats import NatsBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel, ConfigDict, Field, create_model

from events.deadletter import (
    HEADER_DELIVERIES,
    HEADER_FAILED_AT,
    HEADER_KIND,
    HEADER_REASON,
    HEADER_SUBJECT,
)
from events.examples import example_event
from events.inbound.envelopes import EVENT_CLASSES, CloudEvent
from events.outbound import OUTBOUND_SOURCE, OUTBOUND_TYPES, EscalationReason
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM, OUTBOUND_STREAM

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"
VERSION = "1.0.0"
SCHEMA_ID_BASE = "https://regionhalland.se/discharge-orchestrator/schemas/"


class PatientRefOut(BaseModel):
    id: str = Field(description="personnummer, samordningsnummer or reservnummer, canonical (12 characters)")


class OutboundData(BaseModel):
    """What every outbound event's ``data`` carries; each type may add fields (see its description)."""

    model_config = ConfigDict(extra="allow")

    patient_key: str = Field(description="keyed pseudonym of the patient (pk_ + 32 hex digits)")
    episode_id: str | None = Field(description="the hospital's care-episode id, when known")
    patient: PatientRefOut | None = Field(
        None, description="the patient's identity: only where the receiver must act on it"
    )


class EscalationData(OutboundData):
    reason: EscalationReason
    to: str = Field(description="who must act: lmv, vardcentral, coordinator or an on-call rota")


#: Fields a type adds to ``data``, as the pathway publishes them today (the schema allows more).
OUTBOUND_FIELDS: dict[str, str] = {
    "pathway_started": "",
    "joint_planning_requested": "to LMV and the listed vårdcentral; carries `patient`",
    "support_started": (
        "`support_ends_at` (RFC 3339), `to`; carries `patient`; for the indicators also `discharged_at`, "
        "`admitted_at`, `risk_level`, `listed_vardcentral`, `home_type`"
    ),
    "extension_review_requested": "`due_at` (RFC 3339): the coordinator's task",
    "extension_granted": "the new `support_ends_at`, `days`, `decided_by`",
    "handover_requested": (
        "to the vårdcentral; carries `patient`; `reason`, `summary` (`risk_level`, `home_type`, "
        "`discharged_at`, `admitted_at`, `lmv_enrolled`, `extensions`)"
    ),
    "handover_completed": (
        "`accepted_by` (HSA-id); `accepted_at` (RFC 3339) and `within_support_period` (true when the VC "
        "accepted before the original end of LMV support; null without LMV support)"
    ),
    "home_visit_requested": "`to` (the listed vårdcentral); carries `patient`",
    "reimbursable_visit_recorded": "`performed_by` (HSA-id), `visited_at` (RFC 3339)",
    "escalation_raised": "`reason` (code), `to`, sometimes `due_at`, `urgency`, `missing` or `consult_id`",
    "pathway_closed": "`outcome` (`entered_in_error` for an admission entered in error) and `indicators` "
    "(the follow-up figures, docs/indicators.md; `counted` false when the indicators must leave the pathway "
    "out)",
    "discharge_cancelled": "`to` (`lmv` or the listed vårdcentral), each party told of the discharge; "
    "carries `patient`",
    "support_rescheduled": "`to` LMV: the new `support_ends_at` and `discharged_at` after a correction",
    "pathway_withdrawn": "`to` (`lmv` or the listed vårdcentral), each party told of the pathway: "
    "the admission was entered in error; carries `patient`",
    "consult_requested": "`to` (the on-call rota), `consult_id`, `urgency`, `party`, `requested_by`, "
    "`risk_level`, `discharged_at`, `support_ends_at`; carries `patient`",
    "physician_contact_recorded": (
        "(addition) `party`, `kind`, `contact_at` (RFC 3339), `first_lmv_contact` (true for LMV's "
        "first contact after discharge), `hours_since_discharge`: a physician contact after discharge"
    ),
    "patient_experience_recorded": (
        "(addition) `score` (1-5), `collected_by` (HSA-id), `reported_at` (RFC 3339); never a comment"
    ),
}


def outbound_model(short_type: str) -> type[BaseModel]:
    data_model = EscalationData if short_type == "escalation_raised" else OutboundData
    name = "".join(part.title() for part in short_type.split("_")) + "Out"
    # Built per type so each schema names its own `type`; a dict keeps mypy out of the dynamic Literals.
    fields: dict[str, Any] = {
        "specversion": (Literal["1.0"], ...),
        "id": (str, Field(description="deterministic per workflow step: a retried step has the same id")),
        "source": (Literal[OUTBOUND_SOURCE], ...),
        "type": (Literal[f"discharge.{short_type}"], ...),
        "time": (datetime, Field(description="when the pathway took the step, RFC 3339")),
        "datacontenttype": (Literal["application/json"], ...),
        "data": (data_model, ...),
    }
    description = f"discharge.{short_type}: {OUTBOUND_FIELDS.get(short_type) or 'the pathway opened'}"
    model: type[BaseModel] = create_model(name, __doc__=description, **fields)
    return model


class DeadLetterHeaders(BaseModel):
    """A dead letter's body is the refused message's original bytes; why is in these headers."""

    kind: str = Field(alias=HEADER_KIND, description="not_json | unknown_type | schema_violation | …")
    reason: str = Field(alias=HEADER_REASON, description="what is wrong, field by field; never input values")
    subject: str = Field(alias=HEADER_SUBJECT)
    failed_at: datetime = Field(alias=HEADER_FAILED_AT)
    deliveries: int = Field(alias=HEADER_DELIVERIES)


def documentation_broker() -> NatsBroker:
    """A broker that only describes the channels: the gateway's real subscriber takes raw bytes."""
    broker = NatsBroker(
        "nats://localhost:4222",
        description=(
            "Region Halland's discharge orchestrator. Inbound CloudEvents 1.0 (JSON structured mode) on "
            f"events.<type> (stream {INBOUND_STREAM}); outbound on discharge.<type> (stream "
            f"{OUTBOUND_STREAM}); refused inbound messages on deadletter.events.<type> (stream "
            f"{DEADLETTER_STREAM}). Publish with header Nats-Msg-Id = source + ' ' + id. See docs/gateway.md."
        ),
    )
    for event_type, model in EVENT_CLASSES.items():
        broker.subscriber(
            f"events.{event_type}",
            title=f"events.{event_type}",
            description=(model.__doc__ or "").strip(),
        )(_handler_for(model))
        broker.publisher(
            f"deadletter.events.{event_type}",
            title=f"deadletter.events.{event_type}",
            description=(
                "The refused message's original bytes. Headers: "
                f"{HEADER_KIND}, {HEADER_REASON}, {HEADER_SUBJECT}, {HEADER_FAILED_AT}, {HEADER_DELIVERIES}."
            ),
            schema=bytes,
        )
    for short_type in OUTBOUND_TYPES:
        outbound = outbound_model(short_type)
        broker.publisher(
            f"discharge.{short_type}",
            title=f"discharge.{short_type}",
            description=outbound.__doc__,
            schema=outbound,
        )
    return broker


def _handler_for(model: type[CloudEvent]) -> Any:
    async def handler(event: Any) -> None:
        return None

    handler.__annotations__ = {"event": model, "return": None}
    handler.__name__ = model.__name__
    return handler


def asyncapi_document() -> dict[str, Any]:
    spec = AsyncAPI(
        documentation_broker(),
        title="Discharge orchestrator events",
        version=VERSION,
        description="The outside contract of the discharge orchestrator's events (see docs/gateway.md).",
        schema_version="3.0.0",
    ).to_specification()
    document: dict[str, Any] = spec.to_jsonable()
    return document


def inbound_schema(event_type: str) -> dict[str, Any]:
    schema = EVENT_CLASSES[event_type].model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_ID_BASE}{event_type}.json",
        **schema,
    }


def outbound_schema(short_type: str) -> dict[str, Any]:
    schema = outbound_model(short_type).model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_ID_BASE}discharge.{short_type}.json",
        **schema,
    }


def _text(document: Any) -> str:
    # Sorted keys: FastStream's channel order is not stable between runs, the committed file must be.
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def documents() -> dict[Path, str]:
    """Every generated file, relative to docs/, with its content."""
    files: dict[Path, str] = {Path("asyncapi.json"): _text(asyncapi_document())}
    for event_type in EVENT_CLASSES:
        files[Path("schemas") / f"{event_type}.json"] = _text(inbound_schema(event_type))
        files[Path("examples") / f"{event_type}.json"] = _text(example_event(event_type))
    for short_type in OUTBOUND_TYPES:
        files[Path("schemas") / f"discharge.{short_type}.json"] = _text(outbound_schema(short_type))
    return files


def stale(docs_dir: Path = DOCS_DIR) -> list[Path]:
    """Generated files that are missing or differ from what the code generates now."""
    return [
        path
        for path, content in documents().items()
        if not (docs_dir / path).exists() or (docs_dir / path).read_text(encoding="utf-8") != content
    ]


def write(docs_dir: Path = DOCS_DIR) -> list[Path]:
    written = []
    for path, content in documents().items():
        target = docs_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            target.write_text(content, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m events.contract_docs", description=__doc__)
    parser.add_argument("--write", action="store_true", help="regenerate the documents under docs/")
    parser.add_argument("--check", action="store_true", help="exit 1 when a committed document is stale")
    parser.add_argument("--docs-dir", type=Path, default=DOCS_DIR)
    args = parser.parse_args(argv)
    if args.write:
        for path in write(args.docs_dir):
            print(f"wrote docs/{path}")
        return 0
    outdated = stale(args.docs_dir)
    for path in outdated:
        print(f"stale: docs/{path} (run `make docs`)", file=sys.stderr)
    return 1 if outdated else 0


if __name__ == "__main__":
    raise SystemExit(main())
