"""The pathway's deadline timer is started once per deadline, not again after every event (issue 26)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from temporalio.api.enums.v1 import EventType
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from tests.inbound_events import EVENT_VC, PATIENT, admitted, confirmed, discharged, event, hours, risk
from tests.workflow.pathway_helpers import Pathways, published, running_worker, until
from workers.worker import WORKFLOW_RUNNER
from workflows.api import PathwayView
from workflows.pathway import PatientPathway


async def timer_events(pw: Pathways) -> Counter[str]:
    history = await pw.handle().fetch_history()
    return Counter(
        EventType.Name(e.event_type) for e in history.events if "TIMER" in EventType.Name(e.event_type)
    )


def events_applied(count: int) -> Callable[[PathwayView], bool]:
    return lambda view: sum(entry.kind == "event" for entry in view.log) >= count


async def test_events_that_leave_the_deadline_where_it_was_restart_no_timer_and_it_still_fires(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        for step in (
            admitted(t0 - hours(5), listed_vardcentral=EVENT_VC),
            risk(t0 - hours(4)),
            confirmed(t0 - hours(3), "lmv"),
            confirmed(t0 - hours(3), "vardcentral"),
            discharged(t0 - hours(1)),
        ):
            await pw.send(step)
        await until(pw, lambda view: view.phase == "lmv_support" and len(view.log) >= 5)
        before = await timer_events(pw)
        # Home care starts and ends: facts for the story, no deadline of the pathway moves.
        for applied, type_ in enumerate(("municipality.homecare_enrolled", "municipality.homecare_ended"), 6):
            await pw.send(event(type_, t0, municipality="1380"))
            await until(pw, events_applied(applied))
        after = await timer_events(pw)
        assert after["EVENT_TYPE_TIMER_STARTED"] == before["EVENT_TYPE_TIMER_STARTED"]
        assert after["EVENT_TYPE_TIMER_CANCELED"] == before["EVENT_TYPE_TIMER_CANCELED"]
        # The kept timer still wakes the pathway: no LMV contact within the target is escalated.
        await pathway_env.sleep(hours(24))
        await published(pw, "escalation_raised")
        assert "first_contact_overdue" in pw.publisher.reasons()
        # A run with the kept timer replays as it ran (its timers cancelled only when deadlines moved).
        await pw.settle(PATIENT)
        history = await pw.handle().fetch_history()
        replayer = Replayer(
            workflows=[PatientPathway],
            data_converter=pydantic_data_converter,
            workflow_runner=WORKFLOW_RUNNER,
        )
        result = await replayer.replay_workflow(history, raise_on_replay_failure=True)
        assert result.replay_failure is None
