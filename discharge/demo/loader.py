"""Loading the demo into a running stack: its events in rounds, published on NATS, paced by the stack.

Every event's id is fixed per demo patient and step, and JetStream de-duplicates on ``Nats-Msg-Id``
(source + " " + id); the pathway de-duplicates on the same key, so running the demo twice has no
second effect.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from temporalio.service import RPCError

from discharge.demo.cast import PATIENTS
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from discharge.temporal_client import connect_temporal
from discharge.views.visibility import one_of, quoted
from events.identity import resolve_patient, workflow_id_for
from events.inbound.parsing import parse_inbound
from events.streams import (
    CLOUDEVENTS_CONTENT_TYPE,
    INBOUND_STREAM,
    ensure_streams,
    inbound_msg_id,
)
from workflows.api import PathwayView
from workflows.names import QUERY_STATE, WORKFLOW_TYPE

#: Decisions that answer a task the pathway opens on its own (an extension decided on a review) are
#: sent in a second wave, once the pathway shows the task open; at most this long is waited for it.
#: Above production's `DISCHARGE_LATE_EVENT_GRACE` (PT1M): the demo's past-dated review opens only then
#: (40 s on `discharge dev`).
WAVE_WAIT_LIMIT = timedelta(seconds=90)
#: When Temporal cannot be asked, the second wave follows after this pause instead.
BLIND_PAUSE = timedelta(seconds=3)


def anchor_time(now: datetime) -> datetime:
    """The demo's "now", on the hour: the same events (bytes and all) for a rerun within the hour."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Round:
    second_wave: bool
    events: list[dict[str, Any]]


def demo_rounds(now: datetime) -> list[Round]:
    """The demo's events in rounds, each validated as the gateway would validate it.

    Round k holds the k-th event of every patient, so a patient's events never travel in the same
    round: a gateway that works on several messages at once cannot reorder one patient's story.
    The second-wave decisions come last, in a round of their own.
    """
    anchor = anchor_time(now)
    first: list[Round] = []
    second = Round(second_wave=True, events=[])
    for patient in PATIENTS:
        index = 0
        for step, event in patient.events(anchor):
            parse_inbound(json.dumps(event), now=now)  # raises InvalidEvent: a broken demo is a bug
            if step.second_wave:
                second.events.append(event)
                continue
            if index == len(first):
                first.append(Round(second_wave=False, events=[]))
            first[index].events.append(event)
            index += 1
    return [*first, second] if second.events else first


def demo_events(now: datetime) -> list[tuple[bool, dict[str, Any]]]:
    """Every demo event as ``(second_wave, CloudEvent)``, in publishing order."""
    return [(round_.second_wave, event) for round_ in demo_rounds(now) for event in round_.events]


async def publish_demo(
    js: JetStreamContext, now: datetime, between_rounds: Callable[[bool], Awaitable[None]] | None = None
) -> int:
    """Publish the demo on ``events.<type>``; return how many were new (not JetStream duplicates).

    ``between_rounds(next_is_second_wave)`` is awaited after a round of which anything was new (a
    rerun, all duplicates, has nothing to wait for).
    """
    rounds = demo_rounds(now)
    published = 0
    for number, round_ in enumerate(rounds):
        new = 0
        for event in round_.events:
            headers = {
                "Nats-Msg-Id": inbound_msg_id(event["source"], event["id"]),
                "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
            }
            ack = await js.publish(f"events.{event['type']}", json.dumps(event).encode(), headers=headers)
            new += 0 if ack.duplicate else 1
        published += new
        if new and between_rounds is not None and number + 1 < len(rounds):
            await between_rounds(rounds[number + 1].second_wave)
    return published


async def consumers_caught_up(js: JetStreamContext, limit: timedelta) -> bool:
    """Wait (bounded) until every consumer of the inbound stream has taken and acked all it was sent.

    The gateway acks an event once it is in the pathway's history, so then the next round may go.
    No consumer at all (no gateway yet) counts as caught up: there is nobody to wait for.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit.total_seconds()
    while True:
        consumers = await js.consumers_info(INBOUND_STREAM)
        if all(not (info.num_pending or info.num_ack_pending) for info in consumers):
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.05)


async def wait_for_open_reviews(settings: Settings, limit: timedelta = WAVE_WAIT_LIMIT) -> None:
    """Wait (bounded) until every pathway a second-wave decision answers shows its review open."""
    secret = settings.discharge_patient_key_secret.get_secret_value()
    waiting = [patient for patient in PATIENTS if any(step.second_wave for step in patient.steps)]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit.total_seconds()
    try:
        client = await asyncio.wait_for(connect_temporal(settings), 5)
    except (RuntimeError, TimeoutError, RPCError, OSError):
        await asyncio.sleep(BLIND_PAUSE.total_seconds())  # cannot look: give the stack a moment
        return
    for patient in waiting:
        handle = client.get_workflow_handle(workflow_id_for(resolve_patient(patient.identity, secret)))
        while loop.time() < deadline:
            try:
                view = await handle.query(
                    QUERY_STATE, result_type=PathwayView, rpc_timeout=timedelta(seconds=5)
                )
                if view.pending_task == "extension_review" or view.extensions:
                    break
            except RPCError:
                pass  # the gateway has not started this pathway yet
            await asyncio.sleep(0.25)


async def demo_pathways_exist(settings: Settings) -> bool:
    """Whether Temporal already has a pathway (running or closed) of any demo patient.

    JetStream forgets a message id after its duplicate window (24 h), and signal-with-start would
    open a new pathway for a patient whose pathway has closed (the death): so a demo that is
    already in Temporal is not sent again. Without Temporal to ask, the answer is no.
    """
    secret = settings.discharge_patient_key_secret.get_secret_value()
    keys = one_of(resolve_patient(patient.identity, secret) for patient in PATIENTS)
    query = f"WorkflowType = {quoted(WORKFLOW_TYPE)} AND PatientKey IN {keys}"
    try:
        client = await asyncio.wait_for(connect_temporal(settings), 5)
        async for _ in client.list_workflows(query, limit=1):
            return True
    except (RuntimeError, TimeoutError, RPCError, OSError):
        return False
    return False


async def load_demo(settings: Settings, wait_limit: timedelta = WAVE_WAIT_LIMIT) -> int:
    """Load the demo patients into a running stack; return the number of events published.

    Nothing is sent when Temporal already has the demo's pathways. Between rounds it waits (at most
    ``wait_limit`` each time) for the gateway to take the last round, and before the coordinator's
    decisions for the reviews they answer to be open; a zero ``wait_limit`` sends everything at once.
    """
    if await demo_pathways_exist(settings):
        return 0
    connection = await connect_nats(settings, name="discharge-demo", retry_forever=False)
    try:
        js = connection.jetstream()
        await ensure_streams(js)

        async def between_rounds(second_wave_next: bool) -> None:
            await consumers_caught_up(js, wait_limit)
            if second_wave_next:
                await wait_for_open_reviews(settings, wait_limit)

        return await publish_demo(js, datetime.now(UTC), between_rounds if wait_limit else None)
    finally:
        await connection.drain()


def demo_command() -> int:
    """`discharge demo`: one line of result, or `CommandError` with one line of why not."""
    from discharge.cli.plumbing import CommandError, command_settings

    settings = command_settings()
    try:
        count = asyncio.run(load_demo(settings))
    except (OSError, TimeoutError, NatsError) as error:
        raise CommandError(f"cannot load the demo through NATS at {settings.nats_url}: {error}") from None
    total = sum(len(patient.steps) for patient in PATIENTS)
    if count == 0:
        print("Demo: already loaded, nothing sent. Try `discharge pathways` and `discharge tasks`.")
    else:
        print(
            f"Demo: {len(PATIENTS)} patients, {count} of {total} events published "
            f"({total - count} were already there). Try `discharge pathways` and `discharge tasks`."
        )
    return 0
