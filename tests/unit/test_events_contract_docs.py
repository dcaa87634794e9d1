"""The committed contract documents are exactly what the models generate, and every example is valid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events.contract_docs import DOCS_DIR, asyncapi_document, main, stale, write
from events.inbound.envelopes import INBOUND_TYPES
from events.inbound.parsing import parse_inbound
from events.outbound import OUTBOUND_TYPES


def test_committed_documents_are_up_to_date() -> None:
    outdated = stale()
    assert outdated == [], f"stale contract documents {outdated}: run `make docs` and commit docs/"


@pytest.mark.parametrize("event_type", INBOUND_TYPES)
def test_every_committed_example_is_a_valid_event_of_its_type(event_type: str) -> None:
    raw = (DOCS_DIR / "examples" / f"{event_type}.json").read_text(encoding="utf-8")
    event = parse_inbound(raw)
    assert event.type == event_type
    born = int(event.data.patient.id[:4])
    assert born < 1910  # synthetic identities only


def test_the_asyncapi_document_names_every_channel() -> None:
    channels = asyncapi_document()["channels"]
    for event_type in INBOUND_TYPES:
        assert f"events.{event_type}" in channels
        assert f"deadletter.events.{event_type}" in channels
    for short_type in OUTBOUND_TYPES:
        assert f"discharge.{short_type}" in channels


def test_each_schema_describes_its_type() -> None:
    for event_type in INBOUND_TYPES:
        schema = json.loads((DOCS_DIR / "schemas" / f"{event_type}.json").read_text(encoding="utf-8"))
        assert schema["properties"]["type"]["const"] == event_type
        assert "data" in schema["required"]
    escalation = json.loads((DOCS_DIR / "schemas" / "discharge.escalation_raised.json").read_text())
    reasons = escalation["$defs"]["EscalationData"]["properties"]["reason"]["enum"]
    assert "discharged_without_risk_assessment" in reasons


def test_check_reports_a_stale_document_and_write_fixes_it(tmp_path: Path) -> None:
    assert main(["--check", "--docs-dir", str(tmp_path)]) == 1  # nothing written yet
    write(tmp_path)
    assert main(["--check", "--docs-dir", str(tmp_path)]) == 0
    (tmp_path / "schemas" / "hospital.risk_assessed.json").write_text("{}\n")
    assert stale(tmp_path) == [Path("schemas") / "hospital.risk_assessed.json"]
