"""The read model's readiness checks and lag figures (workers/readmodel_ops.py), without servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from discharge.readmodel.store import ReadModel
from workers.readmodel_ops import ConsumerState, readiness_checks, record_batch
from workers.stack.servers import free_port


async def test_a_store_that_does_not_answer_fails_readiness(tmp_path: Path) -> None:
    answering = ReadModel(f"sqlite:///{tmp_path / 'readmodel.db'}").create()
    # A PostgreSQL read model whose server is not there (a port nothing listens on).
    unreachable = ReadModel(f"postgresql+psycopg://readmodel@127.0.0.1:{free_port()}/readmodel")
    try:
        assert await readiness_checks(ConsumerState(), answering)["store"]()
        with pytest.raises(Exception, match=r"Connection refused|connection failed"):
            await readiness_checks(ConsumerState(), unreachable)["store"]()
    finally:
        answering.close()
        unreachable.close()


async def test_a_consumer_without_a_connection_or_a_subscription_is_not_ready(tmp_path: Path) -> None:
    store = ReadModel(f"sqlite:///{tmp_path / 'readmodel.db'}")
    checks = readiness_checks(ConsumerState(), store)
    assert not await checks["nats"]() and not await checks["consuming"]()
    assert await readiness_checks(ConsumerState(subscribed=True), store)["consuming"]()


def test_the_lag_is_the_newest_event_applied_a_late_older_one_does_not_move_it_back() -> None:
    state = ConsumerState()
    newest = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    record_batch(state, [], 2, newest, datetime.now(UTC))
    record_batch(state, [], 1, newest - timedelta(days=2), datetime.now(UTC))
    assert REGISTRY.get_sample_value("discharge_readmodel_last_event_time_seconds") == newest.timestamp()
