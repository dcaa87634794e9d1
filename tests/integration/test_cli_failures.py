"""`discharge show | tasks | decide` when something is missing: no pathway, no Temporal, no worker.

Each is one plain line on stderr and exit 1, never a traceback or a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from discharge.cli import coordinator
from discharge.temporal_client import signal_with_start
from events.identity import workflow_id_for
from tests.integration import cli_support
from tests.integration.cli_support import COORDINATOR, RUN, UNKNOWN, _key, _personnummer, _stay
from workers.stack.servers import free_port

pytestmark = pytest.mark.integration

# The fixture: `discharge` in-process against this session's Temporal server.
cli = cli_support.cli


async def test_show_of_a_patient_without_a_pathway_says_so(cli: Callable[..., Any]) -> None:
    result = await cli("show", UNKNOWN)
    assert (result.code, result.out) == (1, "")
    assert result.err.strip() == f"discharge: no pathway for patient {_key(UNKNOWN)}"


async def test_an_unreachable_temporal_is_one_clear_line(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{port}")
    result = await cli("tasks")
    assert result.code == 1
    assert result.err.startswith(
        f"discharge: cannot reach Temporal at 127.0.0.1:{port} (namespace default): "
    )
    assert len(result.err.strip().splitlines()) == 1


async def test_a_pathway_whose_worker_is_down_is_one_clear_line_not_a_hang(
    temporal_env: WorkflowEnvironment, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = temporal_env.client
    stranded = _personnummer("19080808", "531")
    event = _stay(stranded, "high", 1)[0]
    await signal_with_start(client, f"nobody-polls-{RUN}", event)  # no worker on this queue
    monkeypatch.setattr(coordinator, "ANSWER_TIMEOUT", timedelta(seconds=1))
    try:
        decided = await cli("decide", stranded, "handover", "--reason", "stable", "--by", COORDINATOR)
        assert decided.code == 1
        assert decided.err.strip() == (
            f"discharge: no answer from the pathway of {_key(stranded)} within 1 s: is a worker running?"
        )
        shown = await cli("show", stranded)
        assert (shown.code, shown.err) == (1, decided.err)
    finally:
        await client.get_workflow_handle(workflow_id_for(_key(stranded))).terminate("test finished")
