"""`discharge receive --json` prints a delivery whole, identity included: a line in the access log first."""

from __future__ import annotations

import json
from pathlib import Path

from discharge.cli.receive import log_shown_delivery
from discharge.settings import Settings
from tests.inbound_events import PATIENT

VC = "SE2321000131-E000000000101"


def test_a_delivery_naming_a_patient_is_logged_before_it_is_shown_and_one_without_is_not(
    tmp_path: Path,
) -> None:
    settings = Settings(discharge_audit_log=tmp_path / "audit.jsonl")
    with_identity = {
        "type": "discharge.handover_requested",
        "data": {"patient_key": "pk_" + "a" * 32, "patient": {"id": PATIENT}},
    }
    log_shown_delivery(settings, VC, with_identity)
    log_shown_delivery(settings, VC, {"type": "discharge.support_started", "data": {"patient_key": "pk_b"}})
    [line] = [json.loads(text) for text in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert (line["actor"], line["role"], line["action"]) == (VC, "receiver", "receive_delivery")
    assert line["patient_key"] == "pk_" + "a" * 32 and line["result"] == "granted"
    assert PATIENT not in (tmp_path / "audit.jsonl").read_text()
