"""Intake on a three-node JetStream cluster survives losing a node: nothing lost, nothing twice.

Three real nats-server nodes (routes, JetStream on each), the three streams at 3 replicas
(``DISCHARGE_STREAM_REPLICAS=3``), a real gateway and worker on the session's Temporal dev server. While
pathways' events are being published, the node leading the inbound stream is killed (SIGKILL) and later
restarted. Every pathway must reach LMV support with every event applied once, and the outbound stream
must hold each pathway's outbound events exactly once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from nats.aio.client import Client as Nats
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from temporalio.testing import WorkflowEnvironment

from activities.publisher import JetStreamPublisher
from discharge.nats_connection import connect_nats
from events.examples import pathway_events
from events.identity import parse_identity, patient_key, workflow_id_for
from events.streams import (
    DEADLETTER_STREAM,
    INBOUND_STREAM,
    OUTBOUND_STREAM,
    STREAMS,
    ensure_streams,
    inbound_msg_id,
)
from tests.integration.gateway_support import gateway_settings, running_gateway, wait_for
from tests.nats_cluster import Cluster, start_cluster
from workers.gateway.service import temporal_delivery
from workers.worker import build_worker
from workflows.api import PathwayView
from workflows.names import QUERY_STATE

pytestmark = pytest.mark.integration

PATIENTS = 16
#: pathway_started, joint_planning_requested, joint_planning_confirmed twice (LMV's, the VC's) and
#: support_started (see events.examples.pathway_events).
OUTBOUND_PER_PATHWAY = 5


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    nodes = await start_cluster(tmp_path)
    yield nodes
    await nodes.stop()


async def jetstream_ready(js: JetStreamContext) -> bool:
    """The cluster has elected its JetStream meta leader (until then, stream calls fail)."""
    try:
        await js.account_info()
    except Exception:
        return False
    return True


async def publish_until_stored(js: JetStreamContext, event: dict[str, Any]) -> None:
    """As a sender does: retry with the same Nats-Msg-Id until the cluster acks (stored once)."""
    async with asyncio.timeout(30):
        while True:
            try:
                await js.publish(
                    f"events.{event['type']}",
                    json.dumps(event).encode(),
                    headers={"Nats-Msg-Id": inbound_msg_id(event["source"], event["id"])},
                    timeout=2,
                )
                return
            except Exception:
                await asyncio.sleep(0.2)


async def outbound_ids(js: JetStreamContext) -> list[str]:
    info = await js.stream_info(OUTBOUND_STREAM)
    ids = []
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        message = await js.get_msg(OUTBOUND_STREAM, seq)
        ids.append(json.loads(message.data or b"{}")["id"])
    return ids


async def test_intake_survives_losing_the_inbound_stream_leader(
    cluster: Cluster, temporal_env: WorkflowEnvironment
) -> None:
    settings = gateway_settings(cluster.url, discharge_stream_replicas=3)
    nats: Nats = await connect_nats(settings, name="cluster-test", retry_forever=False)
    js = nats.jetstream()
    try:
        await wait_for(lambda: jetstream_ready(js), timeout=30)
        await ensure_streams(js, settings.discharge_stream_replicas)
        for spec in STREAMS:
            assert (await js.stream_info(spec.name)).config.num_replicas == 3

        client = temporal_env.client
        now, run = datetime.now(UTC), "cluster"
        pathways = [pathway_events(n, run, now) for n in range(PATIENTS)]
        # Step by step across patients, as real traffic mixes them.
        events = [pathway[step] for step in range(len(pathways[0])) for pathway in pathways]
        half = len(events) // 2

        async with (
            build_worker(client, settings, JetStreamPublisher(js)),
            running_gateway(settings, temporal_delivery(client, settings.temporal_task_queue)),
        ):
            for event in events[:half]:
                await publish_until_stored(js, event)
            leader = (await js.stream_info(INBOUND_STREAM)).cluster
            assert leader is not None and leader.leader is not None
            killed = cluster.node(leader.leader)
            await killed.kill()
            # Intake goes on with two of three nodes: the rest is published and taken while one is down.
            for event in events[half:]:
                await publish_until_stored(js, event)
            await killed.start()

            expected = PATIENTS * OUTBOUND_PER_PATHWAY

            async def all_out() -> bool:
                try:
                    return (await js.stream_info(OUTBOUND_STREAM)).state.messages >= expected
                except (NatsError, TimeoutError):  # the cluster is electing a leader: ask again
                    return False

            await wait_for(all_out, timeout=150)  # publishes retried with backoff while a node is down

            # The restarted node caught up: all three replicas current again.
            async def replicas_current() -> bool:
                try:
                    info = (await js.stream_info(INBOUND_STREAM)).cluster
                except (NatsError, TimeoutError):
                    return False
                peers = (info.replicas or []) if info is not None else []
                return len(peers) == 2 and all(peer.current and not peer.offline for peer in peers)

            await wait_for(replicas_current, timeout=30)
            ids = await outbound_ids(js)
            assert len(ids) == expected and len(set(ids)) == expected  # 0 duplicate effects
            assert (await js.stream_info(DEADLETTER_STREAM)).state.messages == 0
            secret = settings.discharge_patient_key_secret.get_secret_value()
            for pathway in pathways:
                key = patient_key(parse_identity(pathway[0]["data"]["patient"]["id"]), secret)
                handle = client.get_workflow_handle(workflow_id_for(key))
                view = await handle.query(QUERY_STATE, result_type=PathwayView)
                assert view.phase == "lmv_support"
                # 0 events lost: each of the pathway's events applied once (a redelivery would be "ignored").
                applied = [entry.event_type for entry in view.log if entry.kind == "event"]
                assert applied == [event["type"] for event in pathway], view.log
    finally:
        await nats.drain()
