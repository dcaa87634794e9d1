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
from pydantic import BaseModel, Field, create_model

from events.deadletter import (
    HEADER_DELIVERIES,
    HEADER_FAILED_AT,
    HEADER_KIND,
    HEADER_REASON,
    HEADER_SUBJECT,
)
from events.delivery import DELIVERY_STREAM
from events.examples import example_event
from events.inbound.envelopes import EVENT_CLASSES, CloudEvent
from events.outbound.catalogue import OUTBOUND_MODELS
from events.outbound.data import OutboundData
from events.outbound.examples import example_outbound
from events.outbound.names import OUTBOUND_SOURCE, OUTBOUND_TYPES
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM, OUTBOUND_STREAM

DOCS_DIR = Path(__file__).resolve().parents[1] / "docs"
VERSION = "1.0.0"
SCHEMA_ID_BASE = "https://regionhalland.se/discharge-orchestrator/schemas/"


def outbound_model(short_type: str) -> type[BaseModel]:
    """The CloudEvent of one outbound type, its ``data`` the type's model (events/outbound/)."""
    data_model = OUTBOUND_MODELS[short_type]
    name = "".join(part.title() for part in short_type.split("_")) + "Event"
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
    description = (
        f"discharge.{short_type}: {_receivers_text(data_model)}. {(data_model.__doc__ or '').strip()}"
    )
    model: type[BaseModel] = create_model(name, __doc__=description, **fields)
    return model


def _receivers_text(model: type[OutboundData]) -> str:
    """Who receives the type (its model's ``RECEIVERS``), for the schema's and AsyncAPI's description."""
    parts = []
    for rule in model.RECEIVERS:
        needs = [
            w for w, flag in (("needs the identity", rule.identity), ("asked to act", rule.acts)) if flag
        ]
        parts.append(f"{rule.party} ({', '.join(needs)})" if needs else rule.party)
    return "receivers: " + ", ".join(dict.fromkeys(parts))


def documentation_broker() -> NatsBroker:
    """A broker that only describes the channels: the gateway's real subscriber takes raw bytes."""
    broker = NatsBroker(
        "nats://localhost:4222",
        description=(
            "Region Halland's discharge orchestrator. Inbound CloudEvents 1.0 (JSON structured mode) on "
            f"events.<type> (stream {INBOUND_STREAM}); outbound on discharge.<type> (stream "
            f"{OUTBOUND_STREAM}); each receiver's copy on deliver.<HSA-id>.<type> (stream "
            f"{DELIVERY_STREAM}); refused inbound messages on deadletter.events.<type> (stream "
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
        if any(rule.field for rule in OUTBOUND_MODELS[short_type].RECEIVERS):  # delivered to each receiver
            broker.publisher(
                f"deliver.{{recipient}}.{short_type}",
                title=f"deliver.<recipient>.{short_type}",
                description=(
                    f"discharge.{short_type} as its receiver (HSA-id `recipient`) gets it: the same "
                    f"CloudEvent (same id) plus the attribute `recipient`, the identity only where it acts "
                    f"(stream {DELIVERY_STREAM}, Nats-Msg-Id = <id>.<recipient>; see docs/gateway.md)."
                ),
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
        files[Path("examples") / f"discharge.{short_type}.json"] = _text(example_outbound(short_type))
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
