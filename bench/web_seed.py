"""What `bench/web.py` puts in front of the web page: many open pathways, some escalated, a few real ones.

- **Open pathways**: idle `PatientPathway` runs on a queue no worker polls (as `bench/pathways.py
  --listing-size` makes them: the Temporal server holds that many open runs and visibility rows), and in the
  read model the outbound events a pathway in LMV support has published (`pathway_started`,
  `support_started`; one in ``TASK_EVERY`` an `extension_review_requested`; ``escalated`` of them an
  `escalation_raised`), applied to the store directly in batches (as its consumer applies them) to seed
  10,000 in seconds.
- **Probes**: pathways whose escalation is published on the outbound stream only during the run, as the
  worker publishes one, to time event -> page through the real consumer.
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
from discharge.readmodel.store import ReadModel
from discharge.settings import Settings
from events.examples import pathway_events
from events.identity import resolve_patient, workflow_id_for
from events.outbound.data import OutboundData
from events.outbound.escalation import EscalationRaised
from events.outbound.event import OutboundEvent
from events.outbound.pathway import PathwayStarted
from events.outbound.support import ExtensionReviewRequested, SupportStarted
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
#: The probes' listed vårdcentral: the lag probe reads the inbox filtered by it, so a new escalation is on the
#: page it reads (the inbox shows the most urgent escalations, and a new one is the least urgent).
PROBE_VC = "SE2321000131-E000000000199"
#: One open pathway in this many has an extension review due (the inbox's task list).
TASK_EVERY = 20


@dataclass
class Seeded:
    all: list[tuple[str, str]] = field(default_factory=list)  # (patient_key, episode_id)
    escalated: list[tuple[str, str]] = field(default_factory=list)
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
                SearchAttributePair(SA_TASK_DUE_AT, _due(now, n)),
            ]
        await client.start_workflow(
            WORKFLOW_TYPE,
            PathwayStart(patient_key=key),
            id=workflow_id_for(key),
            task_queue=BARE_QUEUE,
            search_attributes=TypedSearchAttributes(pairs),
        )

    await for_each_concurrently(size, 32, start)
    for n in range(size):
        pathway = (f"pk_{run}{n:024x}", f"BW-{run}-{n}")
        seeded.all.append(pathway)
        if n < escalated:
            seeded.escalated.append(pathway)
        elif n < escalated + probes:
            seeded.probes.append(pathway)
    return seeded


def _due(now: datetime, n: int) -> datetime:
    return now + timedelta(hours=n % 72)


def seed_read_model(store: ReadModel, seeded: Seeded, batch: int = 500) -> None:
    """What the open pathways' workflows would have published, applied as the consumer applies it."""
    now = datetime.now(UTC)
    escalated, probes = set(seeded.escalated), set(seeded.probes)
    events: list[dict[str, Any]] = []
    for n, (key, episode) in enumerate(seeded.all):
        vc = PROBE_VC if (key, episode) in probes else VC
        events += _in_support(key, episode, now, vc, review=n % TASK_EVERY == 0, due=_due(now, n))
        if (key, episode) in escalated:
            events.append(escalation_event(key, episode, now))
        if len(events) >= batch:
            store.apply(events)
            events = []
    store.apply(events)


def _in_support(
    key: str, episode: str, now: datetime, vc: str, *, review: bool, due: datetime
) -> list[dict[str, Any]]:
    ends, discharged = now + timedelta(days=10), now - timedelta(days=4)
    steps: list[OutboundData] = [
        PathwayStarted(
            patient_key=key, episode_id=episode, opened_by="hospital.patient_admitted", phase="inpatient"
        ),
        SupportStarted(
            patient_key=key,
            episode_id=episode,
            to="lmv",
            support_ends_at=ends,
            listed_vardcentral=vc,
            risk_level="high",
            discharged_at=discharged,
        ),
    ]
    if review:
        steps.append(ExtensionReviewRequested(patient_key=key, episode_id=episode, due_at=due))
    return [_outbound(step, now) for step in steps]


def _outbound(data: OutboundData, at: datetime) -> dict[str, Any]:
    return OutboundEvent(id=str(uuid.uuid4()), type=data.TYPE, time=at, data=data).cloudevent()


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
