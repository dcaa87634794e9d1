"""No input stops a pathway: a rule that raises, a discharge two years late, a burst for one patient."""

from __future__ import annotations

import asyncio
from collections import Counter

from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from tests.inbound_events import (
    PATIENT,
    accepted,
    admitted,
    contact,
    days,
    discharge_corrected,
    discharged,
    hours,
    risk,
)
from tests.workflow.pathway_helpers import Pathways, published, running_worker, until


async def test_an_event_beyond_the_calendar_never_fails_a_workflow_task(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time() - days(1)
        for evt in (admitted(t0), risk(t0 + hours(1)), discharged(t0 + hours(2))):
            await pw.send(evt)
        await until(pw, lambda v: v.phase == "lmv_support")
        # A correction to the year 9999 (the gateway refuses it too): 14 days later is beyond the calendar.
        # Built past the door's year bound (events/bounds.py), as a sender with Temporal access could.
        door = discharge_corrected(t0 + hours(3), (t0 + hours(3)).replace(year=2099))
        far = door.data.model_copy(update={"discharged_at": (t0 + hours(3)).replace(year=9999, day=25)})
        await pw.send(door.model_copy(update={"data": far}))
        await pw.send(contact(t0 + hours(4)))
        view = await until(pw, lambda v: v.first_lmv_contact_at is not None)
        assert view.phase == "lmv_support" and view.discharged_at == t0 + hours(2)
        await pw.settle(PATIENT)
        # The workflow's own models carry the door's year bound too: such a signal cannot even be decoded,
        # and the SDK drops it with a log line (a rule that raises on a decodable event is dead-lettered
        # as `rule_failed`: tests/unit/test_rules_arrival_orders.py). Either way no workflow task fails.
        assert pw.publisher.dead_letters == []
        assert await failed_workflow_tasks(pw) == 0


async def test_a_discharge_two_years_late_raises_each_escalation_once_saying_how_overdue(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        long_ago = await env.get_current_time() - days(730)
        for evt in (admitted(long_ago), risk(long_ago + hours(1)), discharged(long_ago + days(1))):
            await pw.send(evt)
        await until(pw, lambda v: v.phase == "lmv_support")
        await env.sleep(hours(1))  # past the late-event grace: every deadline passed long ago is acted on
        await published(pw, "escalation_raised", 3)
        await until(pw, lambda v: v.phase == "extension_review")
        await pw.settle(PATIENT)
        reasons = Counter(pw.publisher.reasons())
        assert reasons == Counter(
            ["discharged_before_planning_complete", "first_contact_overdue", "extension_decision_overdue"]
        ), reasons
        overdue = next(
            e for e in pw.publisher.of("escalation_raised") if e.data["reason"] == "first_contact_overdue"
        )
        assert overdue.data["overdue_since"] == (long_ago + days(1) + hours(24)).isoformat()
        # One reminder a day from now on, not one per day missed.
        await env.sleep(days(1))
        await published(pw, "escalation_raised", 4)
        await pw.settle(PATIENT)
        assert Counter(pw.publisher.reasons())["extension_decision_overdue"] == 2


async def test_a_thousand_events_for_one_patient_fail_no_workflow_task(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time() - days(3)
        await pw.send(admitted(t0))
        await until(pw, lambda v: v.phase == "inpatient")
        # Valid events that cannot apply (no handover was asked for), clinically before and after each other.
        stray = [
            accepted(t0 + hours(1) + (hours(1) if n % 2 else -hours(0.5)) * (n / 1000)) for n in range(1000)
        ]
        for start in range(0, 1000, 50):
            await asyncio.gather(*(pw.send(evt) for evt in stray[start : start + 50]))
        await pw.send(risk(t0 + hours(2)))
        await pw.send(discharged(t0 + hours(3)))
        view = await until(pw, lambda v: v.phase == "lmv_support")
        assert view.risk_level == "high"
        assert await failed_workflow_tasks(pw) == 0


async def failed_workflow_tasks(pw: Pathways) -> int:
    """Workflow tasks that failed or timed out (a rule's exception, the SDK's deadlock detector)."""
    history = await pw.handle().fetch_history()
    counts = Counter(EventType.Name(e.event_type) for e in history.events)
    return counts["EVENT_TYPE_WORKFLOW_TASK_FAILED"] + counts["EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT"]
