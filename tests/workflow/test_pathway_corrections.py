"""The hospital's corrections and the on-call specialist on the time-skipping server."""

from __future__ import annotations

import json

from temporalio.testing import WorkflowEnvironment

from tests.workflow.pathway_helpers import (
    REGISTRY_VC,
    accepted,
    admission_cancelled,
    admitted,
    confirmed,
    consult_answered,
    consult_requested,
    days,
    discharge_cancelled,
    discharge_corrected,
    discharged,
    hours,
    published,
    risk,
    running_worker,
    until,
)
from workflows.api import PathwayView
from workflows.policy import add_local

#: The on-call rota of the helpers' admitting unit in activities/data/oncall_rota.json.
ROTA = "SE2321000131-E000000000920"


async def test_a_cancelled_discharge_withdraws_support_and_a_later_one_starts_afresh(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time()
        for evt in (admitted(t0), risk(t0), confirmed(t0, "lmv"), confirmed(t0, "vardcentral")):
            await pw.send(evt)
        await pw.send(discharged(t0 + hours(1)))
        await until(pw, lambda v: v.phase == "lmv_support")
        await pw.send(discharge_cancelled(t0 + hours(2), reason="fel patient"))
        view = await until(pw, lambda v: v.phase == "joint_planning")
        assert view.support_ends_at is None and view.pending_task is None
        cancelled = await published(pw, "discharge_cancelled")
        assert [c.data["to"] for c in cancelled] == ["lmv"] and "patient" in cancelled[0].data
        fields = (await pw.describe_raw()).workflow_execution_info.search_attributes.indexed_fields
        assert "SupportEndsAt" not in fields or fields["SupportEndsAt"].data in (b"", b"null")
        # No deadline of the cancelled discharge fires: the first-contact target passes in silence.
        await env.sleep(days(2))
        assert pw.publisher.reasons() == []
        again = await env.get_current_time()
        await pw.send(discharged(again))
        view = await until(pw, lambda v: v.phase == "lmv_support")
        assert view.discharged_at == again and view.support_ends_at == add_local(again, days(14))
        assert "fel patient" not in json.dumps([e.data.published() for e in pw.publisher.events])
        assert "fel patient" not in view.model_dump_json()


async def test_a_corrected_discharge_moves_support_end_and_the_review(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(risk(t0))
        discharge_at = t0 + hours(1)
        await pw.send(discharged(discharge_at))
        await until(pw, lambda v: v.phase == "lmv_support")
        earlier = discharge_at - days(1)
        await pw.send(discharge_corrected(t0 + hours(2), earlier))
        end = add_local(earlier, days(14))
        view = await until(pw, lambda v: v.support_ends_at == end)
        assert view.discharged_at == earlier
        rescheduled = await published(pw, "support_rescheduled")
        assert rescheduled[0].data["support_ends_at"] == end.isoformat()
        # The review opens 3 days before the corrected end: a day before it would have.
        await env.sleep(end - days(3) - t0 + hours(0.1))
        view = await until(pw, lambda v: v.phase == "extension_review")
        assert view.task_due_at == end


async def test_an_admission_in_error_closes_the_pathway_and_withdraws_it(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(risk(t0))
        await until(pw, lambda v: v.phase == "joint_planning")
        await pw.send(admission_cancelled(t0 + hours(1)))
        result: PathwayView = await pw.handle().result()
        assert result.phase == "closed" and result.outcome == "entered_in_error"
        withdrawn = await published(pw, "pathway_withdrawn", 2)
        assert sorted(w.data["to"] for w in withdrawn) == sorted(["lmv", REGISTRY_VC])
        closed = (await published(pw, "pathway_closed"))[0]
        assert closed.data["outcome"] == "entered_in_error"
        assert closed.data["indicators"]["counted"] is False


async def test_consults_reach_the_rota_and_unanswered_ones_are_escalated_until_answered(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(risk(t0, "standard"))
        await pw.send(discharged(t0 + hours(1)))
        await pw.send(accepted(t0 + hours(2)))
        await until(pw, lambda v: v.phase == "follow_up")
        asked = await env.get_current_time()
        await pw.send(consult_requested(asked, "acute", party="vardcentral", id_="c-acute"))
        await pw.send(consult_requested(asked, "non_acute", party="vardcentral", id_="c-calm"))
        requests = await published(pw, "consult_requested", 2)
        assert {r.data["to"] for r in requests} == {ROTA}
        assert requests[0].data["risk_level"] == "standard" and requests[0].data["support_ends_at"] is None
        # The non-acute one is answered in time; the acute one is not, twice over.
        await pw.send(consult_answered(asked, request_id="c-calm"))
        await env.sleep(hours(1.1))
        escalations = await published(pw, "escalation_raised", 4)
        assert {(e.data["reason"], e.data["to"], e.data["consult_id"]) for e in escalations} == {
            ("consult_not_answered", ROTA, "c-acute"),
            ("consult_not_answered", "coordinator", "c-acute"),
        }
        assert len({e.id for e in escalations}) == len(escalations)  # each repetition its own event id
        await pw.send(consult_answered(await env.get_current_time()))
        await until(pw, lambda v: v.log[-1].summary.startswith("consult c-acute answered"))
        before = len(pw.publisher.of("escalation_raised"))
        await env.sleep(hours(5))
        assert len(pw.publisher.of("escalation_raised")) == before
