"""Delivery receipts on the time-skipping server: unacknowledged deliveries escalate, received ones not."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import OTHER_PATIENT, PATIENT, REGISTRY_VC, VC, admitted, event, hours, risk
from tests.workflow.pathway_helpers import Pathways, published, running_worker, until
from workflows.api import DeliveryRecord, PathwayView

LMV_UNIT = "SE2321000131-E000000000200"
RECEIPTS = {"discharge_delivery_receipt_timeout": timedelta(hours=2), "discharge_lmv_unit": LMV_UNIT}


def awaited(view: PathwayView) -> list[DeliveryRecord]:
    """The deliveries of the planning request (`pathway_started` to the VC only informs: none awaited)."""
    return [d for d in view.deliveries if d.event_type == "joint_planning_requested"]


def receipt(pw: Pathways, message_id: str, recipient: str, outcome: str, patient: str) -> InboundEvent:
    at = pw.publisher.events[-1].time
    return event(
        "primarycare.message_acknowledged",
        at,
        patient=patient,
        source=VC,
        message_id=message_id,
        recipient=recipient,
        outcome=outcome,
        detail="mottaget i journalsystemet",
    )


async def test_a_planning_request_nobody_acknowledges_is_escalated_as_not_delivered_to_each_receiver(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client, **RECEIPTS) as pw:
        t0 = await env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(risk(t0))
        request = (await published(pw, "joint_planning_requested"))[0]
        view = await until(pw, lambda v: len(awaited(v)) == 2)
        sent = {(d.recipient, d.status) for d in awaited(view)}
        assert sent == {(LMV_UNIT, "sent"), (REGISTRY_VC, "sent")}

        await env.sleep(hours(2.1))
        view = await until(pw, lambda v: v.escalations.count("not_delivered") == 2)
        raised = [e for e in pw.publisher.of("escalation_raised") if e.data["reason"] == "not_delivered"]
        assert {(e.data["receiver"], e.data["message_id"], e.data["to"]) for e in raised} == {
            (LMV_UNIT, request.id, "coordinator"),
            (REGISTRY_VC, request.id, "coordinator"),
        }
        assert view.escalated and {d.status for d in awaited(view)} == {"not_delivered"}

        # The vårdcentral's system comes back and acknowledges: its escalation is resolved, LMV's stays open.
        await pw.send(receipt(pw, request.id, REGISTRY_VC, "received", PATIENT))
        view = await until(pw, lambda v: len(v.resolved_escalations) == 1)
        assert view.escalated  # LMV's is still open
        received = (await published(pw, "delivery_received"))[0]
        assert received.data["receiver"] == REGISTRY_VC
        assert received.data["delivered_type"] == "joint_planning_requested"
        assert "mottaget" not in view.model_dump_json()  # the free text is never kept


async def test_received_receipts_keep_a_delivery_quiet_and_a_repeated_receipt_changes_nothing(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client, **RECEIPTS) as pw:
        t0 = await env.get_current_time()
        await pw.send(admitted(t0), OTHER_PATIENT)
        await pw.send(risk(t0), OTHER_PATIENT)
        request = (await published(pw, "joint_planning_requested"))[0]
        listed = request.data["listed_vardcentral"]
        await pw.send(receipt(pw, request.id, LMV_UNIT, "received", OTHER_PATIENT), OTHER_PATIENT)
        await pw.send(receipt(pw, request.id, listed, "received", OTHER_PATIENT), OTHER_PATIENT)
        await until(pw, lambda v: {d.status for d in awaited(v)} == {"received"}, OTHER_PATIENT)

        await env.sleep(hours(3))
        view = await until(pw, lambda v: v.phase == "joint_planning", OTHER_PATIENT)
        assert "not_delivered" not in view.escalations

        # The same receipt again (a retrying receiver) is ignored.
        await pw.send(receipt(pw, request.id, listed, "received", OTHER_PATIENT), OTHER_PATIENT)
        view = await until(pw, lambda v: v.log[-1].kind == "ignored", OTHER_PATIENT)
        assert view.escalations == [] and not view.escalated
