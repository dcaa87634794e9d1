"""High-risk patients on the time-skipping server: joint planning, LMV support, extensions, handover."""

from __future__ import annotations

import time
from datetime import datetime

from temporalio.testing import WorkflowEnvironment

from tests.inbound_events import (
    REGISTRY_VC,
    STAFF,
    accepted,
    admitted,
    confirmed,
    contact,
    days,
    discharged,
    extension_decided,
    hours,
    risk,
)
from tests.workflow.pathway_helpers import WEB_ACTOR, published, running_worker, until
from workflows.api import Decision, DecisionResult, PathwayView
from workflows.names import UPDATE_DECIDE
from workflows.policy import add_local, sub_local


async def test_high_risk_patient_handed_over_after_two_extensions(pathway_env: WorkflowEnvironment) -> None:
    env = pathway_env
    started = time.monotonic()
    async with running_worker(env.client) as pw:
        t0: datetime = await env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(risk(t0 + hours(1)))
        view = await until(pw, lambda v: v.phase == "joint_planning")
        assert view.listed_vardcentral == REGISTRY_VC  # from the listing look-up
        planning = (await published(pw, "joint_planning_requested"))[0]
        assert planning.data["patient"] == {"id": "190912319803"}  # LMV and VC must know who
        assert planning.data["listed_vardcentral"] == REGISTRY_VC

        await pw.send(confirmed(t0 + hours(2), "lmv"))
        await pw.send(confirmed(t0 + hours(3), "vardcentral"))
        discharge_at = t0 + hours(4)
        await pw.send(discharged(discharge_at))
        view = await until(pw, lambda v: v.phase == "lmv_support")
        end = add_local(discharge_at, days(14))
        assert view.support_ends_at == end
        assert (await published(pw, "support_started"))[0].data["support_ends_at"] == end.isoformat()
        await pw.send(contact(discharge_at + hours(5)))

        # 11 days after discharge (3 days before the end) the extension review opens.
        await env.sleep(sub_local(end, days(3)) - t0 + hours(0.1))
        view = await until(pw, lambda v: v.phase == "extension_review")
        assert (view.pending_task, view.task_due_at) == ("extension_review", end)
        assert (await published(pw, "extension_review_requested"))[0].data["due_at"] == end.isoformat()

        decision = Decision(
            decision="extend", extend_days=7, reason="wound care ongoing", decided_by=STAFF, actor=WEB_ACTOR
        )
        result = await pw.handle().execute_update(UPDATE_DECIDE, decision, result_type=DecisionResult)
        second_end = add_local(end, days(7))
        assert result.support_ends_at == second_end
        view = await until(pw, lambda v: v.phase == "lmv_support")

        # The second review opens before the new end; this time the decision comes as an event.
        await env.sleep(sub_local(second_end, days(3)) - (await env.get_current_time()) + hours(0.1))
        view = await until(pw, lambda v: v.pending_task == "extension_review")
        await pw.send(extension_decided(await env.get_current_time(), days=2))
        third_end = add_local(second_end, days(2))
        view = await until(pw, lambda v: v.support_ends_at == third_end and v.phase == "lmv_support")

        # The third review ends in a handover decision; the VC accepts.
        await env.sleep(sub_local(third_end, days(3)) - (await env.get_current_time()) + hours(0.1))
        await until(pw, lambda v: v.pending_task == "extension_review")
        handover = Decision(decision="handover", reason="stable at home", decided_by=STAFF, actor=WEB_ACTOR)
        result = await pw.handle().execute_update(UPDATE_DECIDE, handover, result_type=DecisionResult)
        assert result.decision == "handover"
        view = await until(pw, lambda v: v.pending_task == "handover_acceptance")
        assert view.phase == "handover"
        await pw.send(accepted(await env.get_current_time()))
        view = await until(pw, lambda v: v.phase == "follow_up")

        # The readmission window (30 days after discharge) ends the pathway.
        await env.sleep(add_local(discharge_at, days(30)) - (await env.get_current_time()) + hours(1))
        final: PathwayView = await pw.handle().result()
        assert final.phase == "closed" and final.outcome == "completed"
        assert [e.days for e in final.extensions] == [7, 2]
        assert final.escalations == []
        assert final.first_lmv_contact_at == discharge_at + hours(5)
        assert pw.publisher.types() == [
            "pathway_started",
            "joint_planning_requested",
            "joint_planning_confirmed",  # LMV's, then the VC's: the read model's "who is missing"
            "joint_planning_confirmed",
            "support_started",
            "physician_contact_recorded",  # the first LMV contact, for the follow-up indicators
            "extension_review_requested",
            "extension_granted",
            "extension_review_requested",
            "extension_granted",
            "extension_review_requested",
            "handover_requested",
            "handover_completed",
            "pathway_closed",
        ]
        lmv_confirmed, vc_confirmed = (e.data for e in pw.publisher.of("joint_planning_confirmed"))
        assert (lmv_confirmed["party"], lmv_confirmed["complete"]) == ("lmv", False)
        assert (vc_confirmed["party"], vc_confirmed["complete"]) == ("vardcentral", True)
        assert vc_confirmed["confirmed_at"] == (t0 + hours(3)).isoformat()
        assert "patient" not in vc_confirmed  # the coordination unit is told who, not the identity
        closed = pw.publisher.of("pathway_closed")[0].data
        figures = closed["indicators"]
        assert figures["risk_level"] == "high" and figures["lmv_enrolled"] is True
        assert figures["extensions"] == 2 and figures["hours_to_first_lmv_contact"] == 5.0
        assert figures["handover_within_original_period"] is False
        assert figures["readmitted_within_window"] is False
        assert figures["inpatient_days"] is not None and figures["admitted_at"] is not None
        [first_contact] = pw.publisher.of("physician_contact_recorded")
        assert first_contact.data["first_lmv_contact"] is True
        assert first_contact.data["hours_since_discharge"] == 5.0
        assert pw.publisher.of("handover_completed")[0].data["within_support_period"] is False
        assert all(e.data["patient_key"] == pw.key() for e in pw.publisher.events)
        assert all(e.data["episode_id"] == "ep-1" for e in pw.publisher.events)
    # Measured ~0.4 s; the bound leaves room for a busy 2-core CI machine.
    assert time.monotonic() - started < 2
