"""Two workers and two gateways side by side, one of each SIGKILLed mid-load: nothing lost, nothing twice,
every pathway at the end its events' clinical order gives (bench/two_of_each.py; the bench at scale is
bench/replicas.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from bench.two_of_each import replica_spec, serving, two_of_each
from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from events.streams import INBOUND_STREAM, ensure_streams
from tests.servers import start_nats
from workers.gateway.consumer import DURABLE
from workers.stack.children import Child
from workers.stack.parts import app_child_spec
from workers.stack.servers import free_port

#: The gateways' ack wait in this test (production: 30 s): a killed gateway's unacked events come back to
#: the other one this long after they were handed out, as `nats consumer edit` would set it (docs/gateway.md).
ACK_WAIT_SECONDS = 5.0


async def test_two_workers_and_two_gateways_lose_nothing_when_one_of_each_is_killed(
    tmp_path: Path, temporal_env: WorkflowEnvironment
) -> None:
    nats = await start_nats(tmp_path)
    settings = Settings(
        nats_url=nats.url,
        temporal_address=temporal_env.client.service_client.config.target_host,
        temporal_task_queue=f"two-of-each-{uuid.uuid4().hex[:8]}",
        discharge_patient_key_secret=f"two-of-each-{uuid.uuid4()}",
        discharge_data_dir=tmp_path / "data",
        discharge_log_format="json",
        discharge_log_level="warning",
        discharge_worker_http_address=f"127.0.0.1:{free_port()}",
        discharge_gateway_http_address=f"127.0.0.1:{free_port()}",
        discharge_worker_sandbox=False,  # as the product runs it (every other test runs the sandbox)
        # Well above the ack wait, as production's PT1M is above its 30 s: a pathway waiting for the killed
        # gateway's events must not raise an escalation they would have answered (docs/benchmarks.md).
        discharge_late_event_grace=timedelta(seconds=30),
    )
    first = [Child(app_child_spec(part, settings)) for part in ("worker", "gateway")]
    second = [Child(replica_spec(child.spec, f"127.0.0.1:{free_port()}")) for child in first]
    connection = await connect_nats(settings, name="test-two-of-each", retry_forever=False)
    try:
        for child in (*first, *second):
            await child.start()
        js = connection.jetstream()
        await ensure_streams(js)
        await serving([*first, *second])
        config = (await js.consumer_info(INBOUND_STREAM, DURABLE)).config
        config.ack_wait = ACK_WAIT_SECONDS
        await js.add_consumer(INBOUND_STREAM, config)

        outcome = await two_of_each(
            js,
            temporal_env.client,
            settings.discharge_patient_key_secret.get_secret_value(),
            second,
            patients=16,
            kill_at=0.4,
            stall=30,
        )
    finally:
        await connection.drain()
        for child in (*second, *first):
            await child.stop(5)
        await nats.stop()

    print(*outcome.lines(), sep="\n")
    assert all(child.returncode == -9 for child in second), "the second worker and gateway were SIGKILLed"
    assert outcome.unacked_at_kill > 0, "the killed gateway held events: they came back to the other one"
    assert outcome.done == 16 and outcome.lost == 0, outcome.lines()
    assert outcome.duplicate_effects == 0, outcome.lines()
    assert outcome.different == 0 and outcome.reference is not None, outcome.lines()
    assert outcome.dead_letters == 0, outcome.lines()
