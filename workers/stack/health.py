"""Is each part of the embedded stack really serving, not merely started?

A port that accepts connections is not enough: the Temporal frontend answers before its namespace
exists, and a worker process may be alive while still connecting. Each check here asks the part
itself, and is cheap enough to poll.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
from nats.js.errors import NotFoundError
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, DescribeTaskQueueRequest
from temporalio.client import Client

from discharge.nats_connection import check_connection
from discharge.settings import Settings
from discharge.temporal_client import connect_temporal
from events.streams import INBOUND_STREAM

#: Longest wait for one readiness check; a slower answer counts as "not yet".
CHECK_TIMEOUT = 5.0


async def poll_until(
    check: Callable[[], Awaitable[bool]], what: str, timeout: float, every: float = 0.2
) -> None:
    """Run ``check`` until it returns True; errors count as "not yet". TimeoutError names ``what``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last_error: BaseException | None = None
    while True:
        # Each check is bounded too: a client that never gives up on its own (nats-py, refused at its
        # first try, keeps retrying) must not hold the poll past its deadline.
        attempt = max(min(deadline - loop.time(), CHECK_TIMEOUT), every)
        try:
            async with asyncio.timeout(attempt):
                if await check():
                    return
        except TimeoutError:
            last_error = TimeoutError(f"no answer within {attempt:.1f}s")
        except Exception as error:
            last_error = error
        if loop.time() > deadline:
            detail = f" (last error: {type(last_error).__name__}: {last_error})" if last_error else ""
            raise TimeoutError(f"{what} not ready within {timeout:.0f}s{detail}")
        await asyncio.sleep(every)


async def connect_when_ready(settings: Settings, timeout: float) -> Client:
    """A client of the embedded Temporal, once its frontend answers and the namespace exists."""
    client: Client | None = None

    async def namespace_ready() -> bool:
        nonlocal client
        if client is None:
            client = await connect_temporal(settings)
        await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=settings.temporal_namespace)
        )
        return True

    await poll_until(namespace_ready, f"Temporal at {settings.temporal_address}", timeout)
    assert client is not None
    return client


async def jetstream_ready(settings: Settings) -> bool:
    async with check_connection(settings) as connection:
        await connection.jetstream().account_info()
        return True


async def http_ok(url: str) -> bool:
    async with httpx.AsyncClient(timeout=CHECK_TIMEOUT) as client:
        return (await client.get(url)).status_code == 200


async def worker_polling(client: Client, task_queue: str, pid: int, since: datetime) -> bool:
    """True once the worker process ``pid`` polls the task queue. The server keeps a poller entry for
    minutes after its worker is gone, so an entry counts only if it is the new process's (a Temporal
    SDK worker's default identity is ``<pid>@<host>``) or polled after the process started."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return any(
        poller.identity.startswith(f"{pid}@") or poller.last_access_time.ToDatetime(UTC) >= since
        for poller in response.pollers
    )


async def inbound_consumer_active(settings: Settings, stream: str = INBOUND_STREAM) -> bool:
    """True once something consumes the inbound stream right now: a push consumer bound to a
    subscriber, or a pull consumer with a pending fetch. A durable consumer alone is not enough: it
    outlives the gateway on disk."""
    async with check_connection(settings) as connection:
        with contextlib.suppress(NotFoundError):
            for consumer in await connection.jetstream().consumers_info(stream):
                if consumer.push_bound or (consumer.num_waiting or 0) > 0:
                    return True
        return False


async def pull_consumer_working(settings: Settings, stream: str, durable: str) -> bool:
    """True while a pull consumer is waiting for messages or holds some unacked: a consumer busy with a
    backlog has no fetch waiting for a while, and still works (the watch after start, watch.py)."""
    async with check_connection(settings) as connection:
        try:
            info = await connection.jetstream().consumer_info(stream, durable)
        except NotFoundError:
            return False
        return (info.num_waiting or 0) > 0 or (info.num_ack_pending or 0) > 0
