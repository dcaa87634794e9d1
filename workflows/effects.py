"""The workflow's calls to its activities: each in one place, with its timeouts, retries and patches.

Free functions, not methods, so that `PatientPathway` stays a thin shell; they run inside the workflow
(deterministic: the same calls in the same order on every replay) and only wrap `workflow.execute_*`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.pathway import PathwayActivities
    from events.outbound import OutboundEvent
    from workflows.api import PathwayEvent

#: Runs started before this patch open for any first event; later ones first check the episode.
PATCH_CLOSED_EPISODE = "closed-episode-opens-nothing"
#: Runs from this patch on cost about one server round trip per event (docs/benchmarks.md, "Pathways"):
#: publishing and the listing look-up run as local activities, inside the workflow task that needs them,
#: rather than as activities that take two more trips each (scheduled, polled, completed, and a new workflow
#: task); the closed-episode check asks visibility only for an opening event old enough to be a re-send;
#: and a search attribute that was never set is not "unset".
PATCH_ONE_ROUND_TRIP = "one-round-trip-per-event"
#: Consults (issue 16): the discharging unit's on-call rota is looked up at the first consult.
PATCH_ONCALL_ROTA = "consult-oncall-rota"
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
    if workflow.patched(PATCH_ONE_ROUND_TRIP):
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
    if workflow.patched(PATCH_ONE_ROUND_TRIP):
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
    if workflow.patched(PATCH_ONE_ROUND_TRIP):
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


async def dead_letter(held: PathwayEvent, reason: str) -> None:
    await workflow.execute_activity_method(
        PathwayActivities.dead_letter_event,
        args=[held, reason],
        start_to_close_timeout=ACTIVITY_TIMEOUT,
        retry_policy=PUBLISH_RETRY,
        summary=f"dead-letter events.{held.event.type} (no pathway opened)",
    )
