"""Events that arrive before their pathway: held for the opening event, or dead-lettered (no_pathway)."""

from __future__ import annotations

import json

from temporalio.testing import WorkflowEnvironment

from events.deadletter import DeadLetter
from tests.inbound_events import PATIENT, accepted, admitted, confirmed, contact, days, hours, risk
from tests.workflow.pathway_helpers import running_worker, until
from workflows.api import PathwayView


async def test_lmv_confirmation_before_the_delayed_admission_is_applied_once_the_pathway_opens(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(confirmed(t0 + hours(2), "lmv"))
        await pw.send(confirmed(t0 + hours(3), "vardcentral"))
        held = await until(pw, lambda v: v.phase == "inpatient")
        assert held.outcome is None and pw.publisher.types() == []  # held, not a run closed at once

        await pw.send(admitted(t0))
        await pw.send(risk(t0 + hours(1)))
        view = await until(pw, lambda v: v.phase == "joint_planning" and not v.escalated)
        assert pw.publisher.types() == [
            "pathway_started",
            "joint_planning_requested",
            "joint_planning_confirmed",  # each held confirmation, once applied
            "joint_planning_confirmed",
        ]
        summaries = [e.summary for e in view.log if e.kind == "event"]
        assert summaries[-2:] == ["planning confirmed by lmv", "planning confirmed by vardcentral"]


async def test_events_whose_pathway_never_opens_are_dead_lettered_after_the_hold(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(contact(t0))
        await pw.send(accepted(t0 + hours(1)))
        await until(pw, lambda v: v.phase == "inpatient")
        await pathway_env.sleep(days(2) + hours(1))
        result: PathwayView = await pw.handle().result()
        assert result.phase == "closed" and result.outcome == "no_pathway"
        assert pw.publisher.types() == []
        letters = pw.publisher.dead_letters
        assert [letter.kind for _, letter in letters] == ["no_pathway", "no_pathway"]
        assert [letter.subject for _, letter in letters] == [
            "events.primarycare.physician_contact",
            "events.primarycare.handover_accepted",
        ]
        body, letter = letters[0]
        assert json.loads(body)["data"]["patient"]["id"] == PATIENT.replace("-", "")  # fixable, replayable
        assert "DISCHARGE_EARLY_EVENT_HOLD" in letter.reason
        assert PATIENT.replace("-", "") not in letter.reason and PATIENT not in letter.reason
        assert isinstance(DeadLetter.from_headers(letter.headers()), DeadLetter)
