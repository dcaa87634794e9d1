"""What `bench/web.py` puts in front of the web page: many open pathways, some escalated, a few real ones.

- **Listing rows**: idle `PatientPathway` runs on a queue no worker polls (as `bench/pathways.py
  --listing-size` makes them), with the search attributes a pathway in LMV support has; ``escalated`` of
  them with ``Escalated = true`` and their escalation published on the outbound stream, as the worker
  publishes one, so the read model's consumer applies it; a share with an open extension review task.
- **Probes**: escalated runs whose escalation is published only during the run, to time event -> page.
- **Real pathways**: a few full pathways through the gateway and the worker, whose patient pages are
  opened (a patient page asks its own workflow for its state: an idle run has no worker to answer).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.js import JetStreamContext
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from bench.pathways_measures import BARE_QUEUE, for_each_concurrently
from discharge.nats_connection import connect_nats, dev_seed_file
from discharge.settings import Settings
from events.examples import pathway_events
from events.identity import resolve_patient, workflow_id_for
from events.outbound.escalation import EscalationRaised
from events.outbound.event import OutboundEvent
from events.streams import inbound_msg_id
from workflows.api import PathwayStart
from workflows.names import (
    SA_EPISODE,
    SA_ESCALATED,
    SA_PATIENT_KEY,
    SA_PENDING_TASK,
    SA_PHASE,
    SA_TASK_DUE_AT,
    SA_VARDCENTRAL,
    WORKFLOW_TYPE,
)

VC = "SE2321000131-E000000000101"
#: One open pathway in this many has an extension review due (the inbox's task list).
TASK_EVERY = 20


@dataclass
class Seeded:
    escalated: list[tuple[str, str]] = field(default_factory=list)  # (patient_key, episode_id)
    probes: list[tuple[str, str]] = field(default_factory=list)
    real_keys: list[str] = field(default_factory=list)


def escalation_event(key: str, episode: str, at: datetime) -> dict[str, Any]:
    data = EscalationRaised(
        patient_key=key, episode_id=episode, reason="first_contact_overdue", to="coordinator"
    )
    return OutboundEvent(id=str(uuid.uuid4()), type="escalation_raised", time=at, data=data).cloudevent()


async def publish_outbound(js: JetStreamContext, event: dict[str, Any]) -> None:
    await js.publish(
        f"discharge.{event['type']}", json.dumps(event).encode(), headers={"Nats-Msg-Id": event["id"]}
    )


def as_worker(settings: Settings) -> Settings:
    """The embedded stack's worker login: the one NATS user that may publish on ``discharge.>``."""
    seed = dev_seed_file(settings.discharge_data_dir, "worker")
    return settings.model_copy(update={"nats_nkey_seed": seed, "nats_inbox_prefix": "_INBOX_worker"})


async def seed_listing(client: Client, size: int, escalated: int, probes: int) -> Seeded:
    """``size`` idle runs; the first ``escalated`` + ``probes`` of them escalated."""
    run, now, seeded = uuid.uuid4().hex[:8], datetime.now(UTC), Seeded()

    async def start(n: int) -> None:
        key, episode = f"pk_{run}{n:024x}", f"BW-{run}-{n}"
        pairs: list[SearchAttributePair[Any]] = [
            SearchAttributePair(SA_PATIENT_KEY, key),
            SearchAttributePair(SA_EPISODE, episode),
            SearchAttributePair(SA_PHASE, "lmv_support"),
            SearchAttributePair(SA_VARDCENTRAL, VC),
            SearchAttributePair(SA_ESCALATED, n < escalated + probes),
        ]
        if n % TASK_EVERY == 0:
            pairs += [
                SearchAttributePair(SA_PENDING_TASK, "extension_review"),
                SearchAttributePair(SA_TASK_DUE_AT, now + timedelta(hours=n % 72)),
            ]
        await client.start_workflow(
            WORKFLOW_TYPE,
            PathwayStart(patient_key=key),
            id=workflow_id_for(key),
            task_queue=BARE_QUEUE,
            search_attributes=TypedSearchAttributes(pairs),
        )
        if n < escalated:
            seeded.escalated.append((key, episode))
        elif n < escalated + probes:
            seeded.probes.append((key, episode))

    await for_each_concurrently(size, 32, start)
    return seeded


async def publish_escalations(settings: Settings, pathways: list[tuple[str, str]]) -> None:
    nats = await connect_nats(as_worker(settings), name="bench-web-outbound", retry_forever=False)
    try:
        js, now = nats.jetstream(), datetime.now(UTC)
        await asyncio.gather(*(publish_outbound(js, escalation_event(k, e, now)) for k, e in pathways))
    finally:
        await nats.drain()


async def real_pathways(settings: Settings, count: int) -> list[str]:
    """``count`` full pathways published as the hospital and primary care send them; their keys."""
    run, now = uuid.uuid4().hex[:6], datetime.now(UTC)
    secret = settings.discharge_patient_key_secret.get_secret_value()
    nats = await connect_nats(settings, name="bench-web-inbound", retry_forever=False)
    keys = []
    try:
        js = nats.jetstream()
        for number in range(count):
            events = pathway_events(200_000 + number, run, now)
            keys.append(resolve_patient(events[0]["data"]["patient"]["id"], secret))
            for event in events:
                await js.publish(
                    f"events.{event['type']}",
                    json.dumps(event).encode(),
                    headers={"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])},
                )
    finally:
        await nats.drain()
    return keys
