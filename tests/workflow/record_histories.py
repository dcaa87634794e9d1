"""Representative pathways whose histories are saved under ``tests/workflow/histories/`` and replayed.

Replaying them with today's workflow code proves a change is safe for pathways already running
(a 14-day pathway outlives many deployments). Regenerate only for a change that is deliberately
incompatible AND guarded by ``workflow.patched`` (then keep the old files too, renamed):

    .venv/bin/python -m tests.workflow.record_histories [SCENARIO ...]   # default: every scenario
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime, time
from pathlib import Path

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.inbound_events import (
    STAFF,
    accepted,
    admission_cancelled,
    admitted,
    confirmed,
    consult_answered,
    consult_requested,
    contact,
    days,
    discharge_cancelled,
    discharge_corrected,
    discharged,
    event,
    extension_decided,
    hours,
    risk,
)
from tests.workflow.pathway_helpers import WEB_ACTOR, Pathways, published, running_worker, until
from workers.stack.servers import binary
from workflows.actor import Sender
from workflows.api import Decision, DecisionResult
from workflows.names import UPDATE_DECIDE
from workflows.policy import STOCKHOLM, add_local

HISTORY_DIR = Path(__file__).parent / "histories"


async def high_risk_two_extensions(env: WorkflowEnvironment, pw: Pathways) -> None:
    """Joint planning, support, two extensions (update and event), handover, follow-up, closed."""
    t0 = await env.get_current_time()
    for evt in (admitted(t0), risk(t0), confirmed(t0, "lmv"), confirmed(t0, "vardcentral")):
        await pw.send(evt)
    await pw.send(discharged(t0 + hours(1), "nursing_home"))
    await pw.send(contact(t0 + hours(30)))
    end = add_local(t0 + hours(1), days(14))
    await env.sleep(end - days(3) - t0 + hours(1))
    await until(pw, lambda v: v.pending_task == "extension_review")
    extend = Decision(
        decision="extend", extend_days=7, reason="wound care", decided_by=STAFF, actor=WEB_ACTOR
    )
    await pw.handle().execute_update(UPDATE_DECIDE, extend, result_type=DecisionResult)
    await env.sleep(days(7))
    await until(pw, lambda v: v.pending_task == "extension_review")
    await pw.send(extension_decided(await env.get_current_time(), days=3))
    await env.sleep(days(6))  # no decision on the third review by the end: escalated
    await until(pw, lambda v: "extension_decision_overdue" in v.escalations)
    handover = Decision(decision="handover", reason="stable", decided_by=STAFF, actor=WEB_ACTOR)
    await pw.handle().execute_update(UPDATE_DECIDE, handover, result_type=DecisionResult)
    await pw.send(accepted(await env.get_current_time()))
    await until(pw, lambda v: v.phase == "follow_up")
    await env.sleep(days(10))
    await published(pw, "pathway_closed")


async def standard_risk_readmitted(env: WorkflowEnvironment, pw: Pathways) -> None:
    """Standard risk, handover not accepted in time, then an unplanned readmission (continue-as-new)."""
    t0 = await env.get_current_time()
    for evt in (admitted(t0), risk(t0, "standard"), discharged(t0 + hours(2))):
        await pw.send(evt)
    await env.sleep(days(3))
    await published(pw, "escalation_raised")
    await pw.send(event("municipality.homecare_enrolled", await env.get_current_time(), municipality="1380"))
    await pw.send(accepted(await env.get_current_time()))
    await pw.send(contact(await env.get_current_time(), "vardcentral", "home_visit"))
    await published(pw, "reimbursable_visit_recorded")
    await pw.send(admitted(await env.get_current_time(), episode="ep-2"))
    await until(pw, lambda v: v.episode_id == "ep-2")


async def discharged_first_then_died(env: WorkflowEnvironment, pw: Pathways) -> None:
    """Discharge before its risk assessment (support from the discharge), then death during support."""
    t0 = await env.get_current_time()
    await pw.send(discharged(t0 - hours(2)))
    await pw.send(risk(t0 - hours(5)))
    await until(pw, lambda v: v.phase == "lmv_support")
    await env.sleep(days(2))
    await pw.send(event("hospital.patient_deceased", await env.get_current_time()))
    await published(pw, "pathway_closed")


async def corrected_consulted_withdrawn(env: WorkflowEnvironment, pw: Pathways) -> None:
    """An unanswered consult, a corrected then cancelled discharge, a new discharge, admission in error."""
    t0 = await env.get_current_time()
    for evt in (admitted(t0), risk(t0), discharged(t0 + hours(1))):
        await pw.send(evt)
    await pw.send(consult_requested(t0 + hours(1), "acute", id_="c-1"))
    await env.sleep(hours(1.6))
    await until(pw, lambda v: "consult_not_answered" in v.escalations)
    await pw.send(consult_answered(await env.get_current_time()))
    await pw.send(discharge_corrected(await env.get_current_time(), t0))
    await published(pw, "support_rescheduled")
    await pw.send(discharge_cancelled(await env.get_current_time()))
    await until(pw, lambda v: v.phase == "joint_planning")
    await env.sleep(days(1))  # the restored planning deadline passes: escalated
    await pw.send(discharged(await env.get_current_time()))
    await until(pw, lambda v: v.phase == "lmv_support")
    await pw.send(admission_cancelled(await env.get_current_time()))
    await published(pw, "pathway_closed")


async def night_concern_friday_handover(env: WorkflowEnvironment, pw: Pathways) -> None:
    """Halland's calendar (issue 25): a concern at night routed to the beredskapsjour, a handover asked on a
    Friday afternoon and escalated on a working day, then accepted."""
    t0 = await env.get_current_time()
    await pw.send(admitted(t0))
    await pw.send(risk(t0 + hours(1), "standard"))
    friday = (t0.astimezone(STOCKHOLM) + days(1)).date()
    while friday.weekday() != 4:
        friday += days(1)
    night = datetime.combine(friday - days(1), time(2, 30), tzinfo=STOCKHOLM)
    await env.sleep(night - await env.get_current_time())
    await pw.send(event("municipality.concern_raised", night, urgency="acute", summary="fever"))
    await env.sleep(hours(0.1))
    asked = datetime.combine(friday, time(16), tzinfo=STOCKHOLM)
    await env.sleep(asked - await env.get_current_time())
    await pw.send(discharged(asked))
    await env.sleep(days(5))
    await until(pw, lambda v: "handover_not_accepted" in v.escalations)
    await pw.send(accepted(await env.get_current_time()))
    await until(pw, lambda v: v.phase == "follow_up")


async def continued_as_new(env: WorkflowEnvironment, pw: Pathways) -> None:
    """A history bound of 20 events: the run continues as new several times (patch `bounded-history`), a
    clinically earlier contact arrives late in a later run, the pathway closes in the last."""
    t0 = await env.get_current_time()
    for evt in (admitted(t0), risk(t0), confirmed(t0, "lmv"), confirmed(t0, "vardcentral")):
        await pw.send(evt)
    await pw.send(discharged(t0 + hours(1)))
    await pw.send(contact(t0 + hours(6)))
    await until(pw, lambda v: v.first_lmv_contact_at is not None)
    await pw.send(contact(t0 + hours(3), kind="video"))
    await until(pw, lambda v: v.first_lmv_contact_at == t0 + hours(3))
    await env.sleep(days(5))
    await pw.send(event("primarycare.handover_proposed", await env.get_current_time(), proposed_by=STAFF))
    await pw.send(accepted(await env.get_current_time()))
    await until(pw, lambda v: v.phase == "follow_up")
    await env.sleep(days(30))
    await published(pw, "pathway_closed")


async def forged_signals_refused(env: WorkflowEnvironment, pw: Pathways) -> None:
    """Signals whose sender may not send them (none; a CLI): dead-lettered; the gateway's are taken."""
    t0 = await env.get_current_time()
    await pw.send(admitted(t0))
    forged = risk(t0 + hours(1))
    await pw.send_as(None, forged)
    await pw.send_as(Sender(kind="system", id="hospital", process="cli"), discharged(t0 + hours(2)))
    await pw.send(forged)  # the same event from the gateway: taken, not a duplicate
    await pw.send(discharged(t0 + hours(2)))
    await until(pw, lambda v: v.phase == "lmv_support" and v.risk_level == "high")


SCENARIOS: dict[str, Callable[[WorkflowEnvironment, Pathways], Awaitable[None]]] = {
    "high_risk_two_extensions": high_risk_two_extensions,
    "standard_risk_readmitted": standard_risk_readmitted,
    "discharged_first_then_died": discharged_first_then_died,
    "corrected_consulted_withdrawn": corrected_consulted_withdrawn,
    "night_concern_friday_handover": night_concern_friday_handover,
    "continued_as_new": continued_as_new,
    "forged_signals_refused": forged_signals_refused,
}
#: Settings of a scenario's worker beyond the tests' own.
SCENARIO_SETTINGS: dict[str, dict[str, object]] = {"continued_as_new": {"discharge_history_bound": 20}}


async def record(env: WorkflowEnvironment, name: str) -> list[WorkflowHistory]:
    """Run one scenario and return the histories of all its runs (oldest first)."""
    async with running_worker(env.client, **SCENARIO_SETTINGS.get(name, {})) as pw:
        await SCENARIOS[name](env, pw)
        await pw.settle("19091231-9803")
        histories: list[WorkflowHistory] = []
        run_id: str | None = (await pw.describe_raw()).workflow_execution_info.first_run_id
        while run_id:
            handle = env.client.get_workflow_handle(pw.handle().id, run_id=run_id)
            history = await handle.fetch_history()
            histories.append(history)
            last = history.events[-1]
            attrs = last.workflow_execution_continued_as_new_event_attributes
            run_id = (
                attrs.new_execution_run_id
                if last.HasField("workflow_execution_continued_as_new_event_attributes")
                else None
            )
        return histories


async def main() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binary("temporal-test-server")), data_converter=pydantic_data_converter
    )
    from tests.workflow.conftest import register_search_attributes

    try:
        await register_search_attributes(env)
        HISTORY_DIR.mkdir(exist_ok=True)
        for name in sys.argv[1:] or SCENARIOS:
            for number, history in enumerate(await record(env, name), start=1):
                path = HISTORY_DIR / f"{name}.run{number}.json"
                path.write_text(history.to_json())
                print(f"wrote {path} ({len(history.events)} events)")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
