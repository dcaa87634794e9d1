"""Real event streams on the time-skipping server: duplicates, disorder, lateness, readmission, death."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from tests.inbound_events import (
    DEFAULT_VC,
    EVENT_VC,
    OTHER_PATIENT,
    REGISTRY_VC,
    accepted,
    admitted,
    confirmed,
    contact,
    days,
    discharged,
    event,
    hours,
    risk,
)
from tests.workflow.pathway_helpers import published, running_worker, until
from workflows.api import PathwayView
from workflows.policy import add_local


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


async def test_a_duplicate_event_has_no_second_effect(pathway_env: WorkflowEnvironment) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0))
        high = risk(t0 + hours(1))
        await pw.send(high)
        await pw.send(high)  # the hospital's system sent it twice
        view = await until(pw, lambda v: any("duplicate" in e.summary for e in v.log))
        await published(pw, "joint_planning_requested")
        assert pw.publisher.types() == ["pathway_started", "joint_planning_requested"]
        assert [e.kind for e in view.log if e.event_type == "hospital.risk_assessed"].count("event") == 1


async def test_discharge_before_its_risk_assessment_still_gives_lmv_support(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        discharge_at = t0 - hours(2)
        await pw.send(discharged(discharge_at))  # the discharge overtook the admission and the assessment
        await pw.send(admitted(t0 - days(3), listed_vardcentral=EVENT_VC))
        await pw.send(risk(t0 - days(2)))
        view = await until(pw, lambda v: v.phase == "lmv_support")
        assert view.support_ends_at == add_local(discharge_at, days(14))
        assert view.risk_level == "high" and view.admitted_at == t0 - days(3)
        # The discharge escalates (joint planning not confirmed): what it asked for waits for the grace.
        await pathway_env.sleep(minutes(2))
        await published(pw, "support_started")
        # Looked up in the registry at the discharge; the hospital's own value, arriving later, wins.
        assert view.listed_vardcentral == EVENT_VC
        assert REGISTRY_VC != EVENT_VC


async def test_a_late_discharge_is_not_given_a_fresh_first_contact_period(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0 - days(4), listed_vardcentral=EVENT_VC))
        await pw.send(risk(t0 - days(4)))
        await pw.send(confirmed(t0 - days(4), "lmv"))
        await pw.send(confirmed(t0 - days(4), "vardcentral"))
        await pw.send(discharged(t0 - days(2)))  # arrives two days late
        await until(pw, lambda v: v.phase == "lmv_support")
        await pathway_env.sleep(minutes(2))  # the grace for a backlog to arrive: no contact came
        await published(pw, "escalation_raised")
        assert pw.publisher.reasons() == ["first_contact_overdue"]
        view = await until(pw, lambda v: v.escalated)
        assert view.listed_vardcentral == EVENT_VC


async def test_a_late_backlog_raises_no_escalation_its_own_events_answer(
    pathway_env: WorkflowEnvironment,
) -> None:
    # After an outage the whole story arrives at once, two days late: the first contact follows the
    # discharge (and its long-past deadline) by moments, so nothing was ever overdue.
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0 - days(4), listed_vardcentral=EVENT_VC))
        await pw.send(risk(t0 - days(4)))
        await pw.send(confirmed(t0 - days(4), "lmv"))
        await pw.send(confirmed(t0 - days(4), "vardcentral"))
        await pw.send(discharged(t0 - days(2)))
        await until(pw, lambda v: v.phase == "lmv_support")  # applied before the contact arrives
        await pw.send(contact(t0 - days(2) + hours(3)))
        await until(pw, lambda v: v.first_lmv_contact_at is not None)
        await pathway_env.sleep(minutes(2))
        view = await until(pw, lambda v: True)  # settled: every workflow task and activity done
        assert not view.escalated and "escalation_raised" not in pw.publisher.types()


async def test_listed_vc_comes_from_the_registry_default_when_unknown(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0, patient=OTHER_PATIENT), OTHER_PATIENT)
        view = await until(pw, lambda v: v.listed_vardcentral is not None, OTHER_PATIENT)
        assert view.listed_vardcentral == DEFAULT_VC


async def test_unplanned_readmission_closes_and_opens_a_new_pathway(pathway_env: WorkflowEnvironment) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        first_admission = admitted(t0 - days(10))
        for evt in (first_admission, risk(t0 - days(10), "standard"), discharged(t0 - days(8))):
            await pw.send(evt)
        await pw.send(accepted(t0 - days(7)))
        await until(pw, lambda v: v.phase == "follow_up")
        first_run = (await pw.describe_raw()).workflow_execution_info.execution.run_id
        await pw.send(admitted(t0, episode="ep-2"))
        view = await until(pw, lambda v: v.episode_id == "ep-2")
        assert view.phase == "inpatient" and view.admitted_at == t0
        closed = (await published(pw, "pathway_closed"))[0]
        assert closed.data["outcome"] == "readmitted" and closed.data["episode_id"] == "ep-1"
        assert closed.data["indicators"]["readmitted_within_window"] is True
        assert (await pw.describe_raw()).workflow_execution_info.execution.run_id != first_run
        # The seen event keys travel with the new run: a redelivered old event has no effect.
        await pw.send(first_admission)
        view = await until(pw, lambda v: any("duplicate" in e.summary for e in v.log))
        assert view.episode_id == "ep-2"


async def test_death_closes_the_pathway_at_once(pathway_env: WorkflowEnvironment) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        for evt in (admitted(t0), risk(t0, "standard"), discharged(t0 + hours(1))):
            await pw.send(evt)
        await until(pw, lambda v: v.pending_task == "handover_acceptance")
        await pw.send(event("hospital.patient_deceased", t0 + hours(5)))
        final: PathwayView = await pw.handle().result()
        assert final.phase == "closed" and final.outcome == "deceased" and final.pending_task is None
        assert (await published(pw, "pathway_closed"))[0].data["outcome"] == "deceased"


async def test_overdue_deadlines_escalate_again_each_day(pathway_env: WorkflowEnvironment) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(risk(t0))
        await pw.send(confirmed(t0, "lmv"))  # the VC never confirms
        await env.sleep(hours(25))
        await published(pw, "escalation_raised")
        assert pw.publisher.reasons() == ["planning_not_confirmed"]
        assert pw.publisher.of("escalation_raised")[0].data["missing"] == ["vardcentral"]
        discharge_at = await env.get_current_time()
        await pw.send(discharged(discharge_at))
        await pw.send(contact(discharge_at + hours(1)))
        end = add_local(discharge_at, days(14))
        await env.sleep(end - discharge_at + days(2) + hours(1))  # nobody decides on an extension
        view = await until(pw, lambda v: v.escalations.count("extension_decision_overdue") == 3)
        assert view.phase == "extension_review" and view.pending_task == "extension_review"
        assert pw.publisher.reasons() == [
            "planning_not_confirmed",
            "discharged_before_planning_complete",
            "extension_decision_overdue",
            "extension_decision_overdue",
            "extension_decision_overdue",
        ]
