"""A server that answers late is waited for, with a growing delay and a log line per miss, within a bound."""

from __future__ import annotations

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from discharge.patience import Unreachable, patiently
from discharge.settings import Settings
from workers.stack.servers import free_port
from workers.worker import run_worker


class SlowServer:
    """Refuses the first ``refusals`` tries; time passes only by the waits (a fake clock)."""

    def __init__(self, refusals: int) -> None:
        self.refusals, self.tries, self.now, self.waits = refusals, 0, 0.0, list[float]()

    async def connect(self) -> str:
        self.tries += 1
        if self.tries <= self.refusals:
            raise RuntimeError("Failed client connect: connection refused")
        return "client"

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


async def test_a_server_that_answers_late_is_waited_for_and_each_miss_is_logged() -> None:
    server = SlowServer(refusals=3)
    with capture_logs() as logs:
        client = await patiently(
            server.connect,
            what="Temporal at localhost:7233",
            give_up_after=timedelta(minutes=2),
            sleep=server.sleep,
            clock=lambda: server.now,
        )
    assert client == "client" and server.tries == 4
    assert server.waits == [1.0, 2.0, 4.0]
    assert [line["event"] for line in logs] == ["Temporal at localhost:7233 not reachable yet; retrying"] * 3
    assert logs[-1]["error"] == "RuntimeError" and logs[-1]["attempt"] == 3


async def test_a_server_that_never_answers_ends_the_wait_with_a_clear_reason_at_the_bound() -> None:
    server = SlowServer(refusals=1000)
    with pytest.raises(Unreachable) as unreachable:
        await patiently(
            server.connect,
            what="Temporal at localhost:7233",
            give_up_after=timedelta(seconds=20),
            sleep=server.sleep,
            clock=lambda: server.now,
        )
    assert sum(server.waits) == 20.0  # the last wait is cut to the bound, not a whole backoff step
    message = str(unreachable.value)
    assert "Temporal at localhost:7233 did not answer within 0:00:20" in message
    assert "RuntimeError: Failed client connect: connection refused" in message


async def test_without_a_bound_the_delays_stop_growing_at_their_cap() -> None:
    server = SlowServer(refusals=9)
    await patiently(
        server.connect, what="Temporal", give_up_after=None, sleep=server.sleep, clock=lambda: server.now
    )
    assert server.waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]


async def test_the_worker_waits_for_a_late_temporal_then_exits_naming_it() -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    settings = Settings(temporal_address=address, discharge_temporal_connect_timeout="PT1.5S")
    with capture_logs() as logs, pytest.raises(Unreachable, match=f"Temporal at {address} did not answer"):
        await run_worker(settings)
    assert [line["attempt"] for line in logs if "not reachable yet" in line["event"]][:2] == [1, 2]
