"""A run started before `any-arrival-order` no longer fails its workflow task forever when a rule raises.

Such runs apply events in arrival order, without the ledger that sets a failing event aside in newer runs.
Here a run is made to take that branch (the patch answered "no", as for a run started before it) and the
rule for the discharge raises, as a defect or a year-9999 date would. A saved history cannot show this: the
Replayer treats the last workflow task as replayed too, so it expects the commands of the new branch
(the dead letter) to be in the history already.
"""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment

from events.inbound.envelopes import PatientDischarged
from tests.inbound_events import admitted, confirmed, discharged, hours, risk
from tests.workflow.pathway_helpers import published, running_worker, until
from workflows import patches
from workflows.policy import Policy
from workflows.rules import dispatch
from workflows.rules.step import RuleOutcome, Step


def discharge_rule_raises(step: Step, event: PatientDischarged, policy: Policy) -> RuleOutcome:
    raise OverflowError("date value out of range")


async def test_a_rule_that_raises_in_an_old_run_dead_letters_its_event_and_the_run_goes_on(
    pathway_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = pathway_env
    monkeypatch.setattr(patches, "since", lambda patch_id: False)  # a run in arrival order
    monkeypatch.setattr(dispatch, "discharged_remembering", discharge_rule_raises)
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time()
        for evt in (admitted(t0), risk(t0 + hours(1)), discharged(t0 + hours(2))):
            await pw.send(evt)
        # Waiting on the pathway waits for its activities too: the dead letter is published by then.
        await until(pw, lambda v: v.phase == "joint_planning" and len(v.log) >= 4)
        [(_, letter)] = pw.publisher.dead_letters
        assert letter.kind == "rule_failed" and "OverflowError" in letter.reason
        assert "patient_discharged" in letter.reason

        # The run goes on: the next events apply, in the state from before the failed discharge.
        await pw.send(confirmed(t0 + hours(3), "lmv"))
        view = await until(pw, lambda v: v.log[-1].event_type == "primarycare.planning_confirmed")
        assert view.phase == "joint_planning" and view.discharged_at is None
        assert await published(pw, "joint_planning_requested")
