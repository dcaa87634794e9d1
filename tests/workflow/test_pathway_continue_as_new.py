"""A pathway whose history grows long continues as new and ends as if it had not (workflows/carried.py)."""

from __future__ import annotations

from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import STAFF, accepted, admitted, confirmed, contact, days, discharged, hours, risk
from tests.workflow.pathway_helpers import WEB_ACTOR, Pathways, running_worker, until
from workflows.api import Decision, DecisionResult, PathwayView
from workflows.names import UPDATE_DECIDE


def comparable(view: PathwayView) -> dict[str, Any]:
    """The view without what differs between two workers' runs of the same events: the patient's key (each
    test worker has its own secret) and when each log line was written (the two run side by side)."""
    dumped = view.model_dump(exclude={"patient_key"})
    dumped["log"] = [{k: v for k, v in line.items() if k != "at"} for line in dumped["log"]]
    return dumped


async def runs_of(pw: Pathways) -> int:
    """How many runs the pathway had: each run's history ends in CONTINUED_AS_NEW but the last."""
    handle = pw.handle()
    history = await handle.fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    runs = 1
    while started.continued_execution_run_id:
        runs += 1
        earlier = pw.client.get_workflow_handle(handle.id, run_id=started.continued_execution_run_id)
        first = (await earlier.fetch_history()).events
        assert EventType.Name(first[-1].event_type) == "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW"
        started = first[0].workflow_execution_started_event_attributes
    return runs


async def test_a_pathway_that_continues_as_new_ends_as_one_that_did_not_and_publishes_each_step_once(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    # A bound of 20 history events makes the run continue as new every few events; the other worker's
    # pathway, the same events, never does.
    async with (
        running_worker(env.client, discharge_history_bound=20) as bounded,
        running_worker(env.client) as plain,
    ):
        both = (bounded, plain)

        async def send(evt: InboundEvent) -> None:
            for pw in both:
                await pw.send(evt)

        async def reach(check: Any) -> None:
            for pw in both:
                await until(pw, check)

        t0 = await env.get_current_time()
        await send(admitted(t0))
        await send(risk(t0 + hours(1)))
        await send(confirmed(t0 + hours(2), "lmv"))
        await reach(lambda v: v.phase == "joint_planning")
        # The vårdcentral does not confirm in time: an escalation, raised after the grace, across runs.
        await env.sleep(days(1.2))
        await reach(lambda v: len(v.escalations) == 1)
        await send(confirmed(await env.get_current_time(), "vardcentral"))
        discharge_at = await env.get_current_time()
        await send(discharged(discharge_at))
        await send(contact(discharge_at + hours(5)))
        await reach(lambda v: v.first_lmv_contact_at is not None)
        # A clinically earlier contact arrives late: the state is re-derived from every event, in a later run
        # than the one that published the others (which must not be published again).
        await send(contact(discharge_at + hours(2), kind="video"))
        await reach(lambda v: v.first_lmv_contact_at == discharge_at + hours(2))
        await env.sleep(days(11.1))
        await reach(lambda v: v.pending_task == "extension_review")
        handover = Decision(decision="handover", reason="stable at home", decided_by=STAFF, actor=WEB_ACTOR)
        for pw in both:
            result = await pw.handle().execute_update(UPDATE_DECIDE, handover, result_type=DecisionResult)
            assert result.decision == "handover"
        await reach(lambda v: v.pending_task == "handover_acceptance")
        await send(accepted(await env.get_current_time()))
        await reach(lambda v: v.phase == "follow_up")
        await env.sleep(days(30))
        ended: list[PathwayView] = [await pw.handle().result() for pw in both]

        assert await runs_of(bounded) > 3 and await runs_of(plain) == 1
        assert ended[0].outcome == "completed"
        assert comparable(ended[0]) == comparable(ended[1])
        assert bounded.publisher.types() == plain.publisher.types()
        ids = [e.id for e in bounded.publisher.events]
        assert len(ids) == len(set(ids))  # no step published again by a later run
