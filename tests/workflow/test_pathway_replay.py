"""Saved histories of representative pathways replay with today's code (see record_histories.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from discharge.codec import EncryptionCodec, encrypted_data_converter
from discharge.keyring import new_ring
from tests.payloads import map_payloads
from tests.workflow.record_histories import HISTORY_DIR, SCENARIOS
from workers.worker import WORKFLOW_RUNNER
from workflows.pathway import PatientPathway
from workflows.policy import Policy
from workflows.rules import care, hospital
from workflows.rules.step import Step

HISTORIES = sorted(HISTORY_DIR.glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


RING = new_ring()


def replayer(converter: DataConverter = pydantic_data_converter) -> Replayer:
    return Replayer(workflows=[PatientPathway], data_converter=converter, workflow_runner=WORKFLOW_RUNNER)


def test_every_scenario_has_saved_histories() -> None:
    assert {path.name.split(".")[0] for path in HISTORIES} == set(SCENARIOS)
    assert len(HISTORIES) >= 4  # the readmission scenario has two runs


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_saved_pathway_replays_with_todays_code(path: Path) -> None:
    result = await replayer().replay_workflow(load(path), raise_on_replay_failure=True)
    assert result.replay_failure is None


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_saved_pathway_replays_with_the_encrypting_converter(path: Path) -> None:
    """Histories written before encryption still replay under the product's converter (pass-through)."""
    converter = encrypted_data_converter(RING)
    result = await replayer(converter).replay_workflow(load(path), raise_on_replay_failure=True)
    assert result.replay_failure is None


async def test_an_encrypted_history_replays_and_holds_no_identity() -> None:
    history = load(HISTORY_DIR / "high_risk_two_extensions.run1.json")
    signal = next(e for e in history.events if e.HasField("workflow_execution_signaled_event_attributes"))
    payload = signal.workflow_execution_signaled_event_attributes.input.payloads[0]
    identity = json.loads(payload.data)["event"]["data"]["patient"]["id"].encode()
    assert identity in b"".join(event.SerializeToString() for event in history.events)
    codec = EncryptionCodec(RING)

    async def seal(payload: Payload) -> Payload:
        return (await codec.encode([payload]))[0]

    assert sum([await map_payloads(event, seal) for event in history.events]) > 10
    assert identity not in b"".join(event.SerializeToString() for event in history.events)
    result = await replayer(encrypted_data_converter(RING)).replay_workflow(
        history, raise_on_replay_failure=True
    )
    assert result.replay_failure is None


async def test_a_change_that_drops_an_outbound_event_fails_the_replay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = care.start_support

    def without_support_started(step: Step, discharged_at: datetime, policy: Policy) -> None:
        original(step, discharged_at, policy)
        step.out.commands.pop()  # "forget" to publish support_started

    monkeypatch.setattr(hospital, "start_support", without_support_started)
    with pytest.raises(NondeterminismError):
        await replayer().replay_workflow(load(HISTORY_DIR / "high_risk_two_extensions.run1.json"))
