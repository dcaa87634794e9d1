"""The workflow's calls to its activities: each in one place, with its timeouts, retries and patches.

Free functions, not methods, so that `PatientPathway` stays a thin shell; they run inside the workflow
(deterministic: the same calls in the same order on every replay) and only wrap `workflow.execute_*`.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows import patches

with workflow.unsafe.imports_passed_through():
    from activities.pathway import PathwayActivities
    from events.outbound.event import OutboundEvent
    from workflows.api import PathwayEvent

#: uuid5 namespace of outbound CloudEvent ids (see `outbound_id`).
OUTBOUND_ID_NAMESPACE = uuid.UUID("6f1c2a52-5d3e-4d7e-9a51-2f0d7c1e8b10")
#: A re-sent event reaches a new run only after JetStream's duplicate window (24 h, events/streams.py)
#: has passed since the original was published, which is after the event's clinical time: so an opening
#: event younger than half that window cannot be a re-send of a closed episode's event, and is not checked.
#: (Half: margin for senders' clocks. A shorter duplicate window configured by ops must not go below it.)
CLOSED_CHECK_AGE = timedelta(hours=12)
#: A local activity's retry of a publish survives a worker restart without help: the workflow task times
#: out, another worker replays to the same point and publishes again with the same event id (de-duplicated).
LOCAL_TIMEOUT = timedelta(seconds=30)
ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Publishing is retried until NATS takes it (the event id is fixed, so retries never duplicate).
PUBLISH_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


async def lookup_listing(canonical_identity: str) -> str:
    summary = "look up the listed vardcentral in the listing registry"
    if patches.patched(patches.ONE_ROUND_TRIP):
        return await workflow.execute_local_activity_method(
            PathwayActivities.lookup_listing,
            canonical_identity,
            start_to_close_timeout=LOCAL_TIMEOUT,
            summary=summary,
        )
    return await workflow.execute_activity_method(
        PathwayActivities.lookup_listing,
        canonical_identity,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        summary=summary,
    )


async def lookup_oncall_rota(unit: str | None) -> str:
    return await workflow.execute_activity_method(
        PathwayActivities.lookup_oncall_rota,
        unit,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        summary="look up the discharging unit's on-call rota",
    )


async def episode_closed(episode: str, event_time: datetime) -> bool:
    """Whether visibility knows a completed run of this workflow for ``episode`` (see CLOSED_CHECK_AGE)."""
    args = [workflow.info().workflow_id, episode]
    summary = "check whether this episode's pathway has already closed"
    if patches.patched(patches.ONE_ROUND_TRIP):
        if workflow.now() - event_time < CLOSED_CHECK_AGE:
            return False  # too recent to be a re-send (see CLOSED_CHECK_AGE)
        closed_now: bool = await workflow.execute_local_activity_method(
            PathwayActivities.episode_closed, args=args, start_to_close_timeout=LOCAL_TIMEOUT, summary=summary
        )
        return closed_now
    closed: bool = await workflow.execute_activity_method(
        PathwayActivities.episode_closed, args=args, start_to_close_timeout=ACTIVITY_TIMEOUT, summary=summary
    )
    return closed


async def publish(outbound: OutboundEvent) -> None:
    summary = f"publish discharge.{outbound.type}"
    if patches.patched(patches.ONE_ROUND_TRIP):
        await workflow.execute_local_activity_method(
            PathwayActivities.publish_outbound,
            outbound,
            start_to_close_timeout=LOCAL_TIMEOUT,
            retry_policy=PUBLISH_RETRY,
            summary=summary,
        )
        return
    await workflow.execute_activity_method(
        PathwayActivities.publish_outbound,
        outbound,
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        retry_policy=PUBLISH_RETRY,
        summary=summary,
    )


async def deliver(outbound: OutboundEvent, recipients: list[str]) -> None:
    """Deliver an outbound event already published to ``recipients`` (a local activity, as `publish`)."""
    await workflow.execute_local_activity_method(
        PathwayActivities.deliver_outbound,
        args=[outbound, recipients],
        start_to_close_timeout=LOCAL_TIMEOUT,
        retry_policy=PUBLISH_RETRY,
        summary=f"deliver discharge.{outbound.type} to {len(recipients)} more receiver(s)",
    )


async def dead_letter(held: PathwayEvent, reason: str, kind: str = "no_pathway") -> None:
    summary = f"dead-letter events.{held.event.type} ({DEAD_LETTER_SUMMARIES.get(kind, kind)})"
    if kind == "no_pathway":  # the activity runs recorded before the other kinds call
        await workflow.execute_activity_method(
            PathwayActivities.dead_letter_event,
            args=[held, reason],
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=PUBLISH_RETRY,
            summary=summary,
        )
        return
    await workflow.execute_activity_method(
        PathwayActivities.dead_letter_refused,
        args=[held, reason, kind],
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        retry_policy=PUBLISH_RETRY,
        summary=summary,
    )


DEAD_LETTER_SUMMARIES = {
    "no_pathway": "no pathway opened",
    "not_applicable": "never applicable at its clinical place",
    "rule_failed": "a rule failed on it",
    "not_permitted": "its sender may not send it",
}


def outbound_id(step: str) -> str:
    """An outbound CloudEvent's id: ``uuid5(OUTBOUND_ID_NAMESPACE, workflow id + ":" + step key)``, the same
    on every retry and replay, so JetStream drops a second copy (docs/pathway.md, "Outbound events")."""
    return str(uuid.uuid5(OUTBOUND_ID_NAMESPACE, f"{workflow.info().workflow_id}:{step}"))
