"""Coordinators' decisions through the `decide` update: validated before anything changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from tests.workflow.pathway_helpers import (
    STAFF,
    Pathways,
    accepted,
    admitted,
    contact,
    days,
    discharged,
    extension_decided,
    hours,
    published,
    risk,
    running_worker,
    until,
)
from workflows.api import Decision, DecisionResult
from workflows.names import UPDATE_DECIDE
from workflows.policy import add_local


async def failure_of(pw: Pathways, decision: Any) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as raised:
        await pw.handle().execute_update(UPDATE_DECIDE, decision, result_type=DecisionResult)
    cause = raised.value.cause
    return str(cause.message if hasattr(cause, "message") else cause)


async def in_extension_review(env: WorkflowEnvironment, pw: Pathways) -> datetime:
    t0 = await env.get_current_time()
    for evt in (admitted(t0), risk(t0), discharged(t0 + hours(1)), contact(t0 + hours(2))):
        await pw.send(evt)
    end = add_local(t0 + hours(1), days(14))
    await until(pw, lambda v: v.phase == "lmv_support")
    await env.sleep(end - days(3) - t0 + hours(1))
    await until(pw, lambda v: v.pending_task == "extension_review")
    return end


async def test_decisions_without_an_open_task_are_refused(pathway_env: WorkflowEnvironment) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0))
        await until(pw, lambda v: v.phase == "inpatient")
        handover = Decision(decision="handover", reason="stable", decided_by=STAFF)
        assert "no open task" in await failure_of(pw, handover)

        # A handover waiting for the VC cannot be accepted by a coordinator on the VC's behalf.
        await pw.send(risk(t0, "standard"))
        await pw.send(discharged(t0 + hours(1)))
        await until(pw, lambda v: v.pending_task == "handover_acceptance")
        assert "only the VC can accept" in await failure_of(pw, handover)
        view = await pw.view()
        assert view.phase == "handover" and all(e.kind != "decision" for e in view.log)


async def test_invalid_extension_decisions_are_refused_and_change_nothing(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        end = await in_extension_review(pathway_env, pw)
        before = await pw.view()
        base = {"decision": "extend", "reason": "needs more time", "decided_by": STAFF}
        assert "extend_days" in await failure_of(pw, base)
        assert "14" in await failure_of(pw, {**base, "extend_days": 20})
        assert "1" in await failure_of(pw, {**base, "extend_days": 0})
        assert "reason" in await failure_of(pw, {**base, "extend_days": 3, "reason": "   "})
        assert "reason" in await failure_of(pw, {**base, "extend_days": 3, "reason": ""})
        after = await pw.view()
        assert after == before
        assert (after.pending_task, after.support_ends_at) == ("extension_review", end)


async def test_a_valid_extension_returns_the_new_end(pathway_env: WorkflowEnvironment) -> None:
    async with running_worker(pathway_env.client) as pw:
        end = await in_extension_review(pathway_env, pw)
        decision = Decision(decision="extend", extend_days=5, reason="infection", decided_by=STAFF)
        result = await pw.handle().execute_update(UPDATE_DECIDE, decision, result_type=DecisionResult)
        assert result.support_ends_at == add_local(end, days(5))
        assert "5 days" in result.message
        granted = (await published(pw, "extension_granted"))[0]
        assert granted.data["days"] == 5 and granted.data["decided_by"] == STAFF
        view = await pw.view()
        record = view.extensions[0]
        assert (record.days, record.reason, record.decided_by) == (5, "infection", STAFF)
        assert any(e.kind == "decision" and e.actor == STAFF and "infection" in e.summary for e in view.log)


async def test_extension_decision_event_without_open_task_is_recorded_as_ignored(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(extension_decided(t0 + hours(1)))
        view = await until(pw, lambda v: any(e.kind == "ignored" for e in v.log))
        ignored = next(e for e in view.log if e.kind == "ignored")
        assert ignored.event_type == "coordination.extension_decided"
        assert view.phase == "inpatient" and view.extensions == []


async def test_decision_to_hand_over_moves_the_deadline_to_the_vc(pathway_env: WorkflowEnvironment) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        await in_extension_review(env, pw)
        handover = Decision(decision="handover", reason="stable", decided_by=STAFF)
        result = await pw.handle().execute_update(UPDATE_DECIDE, handover, result_type=DecisionResult)
        assert result.decision == "handover" and result.support_ends_at is None
        view = await until(pw, lambda v: v.pending_task == "handover_acceptance")
        assert view.task_due_at is not None
        # The new (earlier) deadline is honoured although the workflow was waiting for a later one.
        await env.sleep(view.task_due_at - (await env.get_current_time()) + hours(1))
        await published(pw, "escalation_raised")
        assert pw.publisher.reasons().count("handover_not_accepted") == 1
        await pw.send(accepted(await env.get_current_time()))
        await until(pw, lambda v: v.phase == "follow_up")
