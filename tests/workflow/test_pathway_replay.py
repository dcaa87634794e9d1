"""Saved histories of representative pathways replay with today's code (see record_histories.py)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from tests.workflow.record_histories import HISTORY_DIR, SCENARIOS
from workers.worker import WORKFLOW_RUNNER
from workflows.pathway import PatientPathway
from workflows.policy import Policy
from workflows.rules import Step, care, hospital

HISTORIES = sorted(HISTORY_DIR.glob("*.json"))


def load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


def replayer() -> Replayer:
    return Replayer(
        workflows=[PatientPathway], data_converter=pydantic_data_converter, workflow_runner=WORKFLOW_RUNNER
    )


def test_every_scenario_has_saved_histories() -> None:
    assert {path.name.split(".")[0] for path in HISTORIES} == set(SCENARIOS)
    assert len(HISTORIES) >= 4  # the readmission scenario has two runs


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_saved_pathway_replays_with_todays_code(path: Path) -> None:
    result = await replayer().replay_workflow(load(path), raise_on_replay_failure=True)
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
