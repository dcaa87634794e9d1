"""Each receiver gets the deliveries clinical order gives it, whatever order the events arrive in."""

from __future__ import annotations

from collections import Counter

from temporalio.testing import WorkflowEnvironment

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import (
    UNIT,
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
from tests.workflow.pathway_helpers import Pathways, running_worker, taken, until
from workflows.api import PathwayView

#: Deliveries are recorded only where receipts are awaited; none falls due within the test.
RECEIPTS = {"discharge_delivery_receipt_timeout": "P30D"}


def delivered(view: PathwayView) -> Counter[tuple[str, str, str]]:
    """What the pathway delivered to whom (ids differ between two workers' runs: each has its own key)."""
    return Counter((d.event_type, d.recipient, d.status) for d in view.deliveries)


async def test_a_planning_confirmation_arriving_last_still_gets_the_lmv_unit_its_handover_completed(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    t0 = await env.get_current_time() - days(6)
    lmv_confirms = confirmed(t0 + hours(2), "lmv")  # names the LMV unit taking part (UNIT)
    in_order: list[InboundEvent] = [
        admitted(t0),
        risk(t0 + hours(1)),
        lmv_confirms,
        confirmed(t0 + hours(3), "vardcentral"),
        discharged(t0 + days(1)),
        contact(t0 + days(1) + hours(2)),
        event("primarycare.handover_proposed", t0 + days(5), proposed_by="SE2321000131-E000000000010"),
        accepted(t0 + days(5) + hours(1)),
    ]
    # The LMV confirmation comes back last (a redelivery after a crash): the handover was completed, and
    # published, before the pathway knew which LMV unit takes part.
    late = [e for e in in_order if e is not lmv_confirms] + [lmv_confirms]
    async with (
        running_worker(env.client, **RECEIPTS) as ordered,
        running_worker(env.client, **RECEIPTS) as shuffled,
    ):

        async def send_all(pw: Pathways, events: list[InboundEvent]) -> PathwayView:
            for each in events:
                await pw.send(each)
                await until(pw, taken(each))
            await env.sleep(hours(1))  # past the late-event grace: what waited for it is published
            return await until(pw, lambda v: v.phase == "follow_up")

        clinical = await send_all(ordered, in_order)
        got = await send_all(shuffled, late)

    assert delivered(got) == delivered(clinical)
    assert ("handover_completed", UNIT, "sent") in delivered(clinical)
    completed = shuffled.publisher.of("handover_completed")
    assert len(completed) == 1 and "lmv_unit" not in completed[0].data  # published before UNIT was known
    # ... and delivered to UNIT afterwards by the pathway itself, once, under the same event id.
    assert shuffled.publisher.delivered == [(completed[0].id, UNIT)]
    assert ordered.publisher.delivered == []
    assert got.escalations == clinical.escalations == []
