"""`discharge` as a user runs it, a process of its own against a real Temporal server: it exits cleanly
after answering, and a reader that goes away (`| head -1`) gets no traceback.

Before the CLI ended its process itself once a command had answered (discharge/cli/main.py, `leave`), 2-3 of
20 `discharge tasks --json` runs printed their answer and then died in the interpreter's finalisation
(SIGABRT, "Fatal Python error: PyGILState_Release", temporalio/sdk-python#300).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

pytestmark = pytest.mark.integration

#: The console script the project installs, next to this interpreter: what a coordinator runs.
DISCHARGE = str(Path(sys.executable).parent / "discharge")
RUNS = 5


def _environment(temporal_env: WorkflowEnvironment) -> dict[str, str]:
    return os.environ | {"TEMPORAL_ADDRESS": temporal_env.client.service_client.config.target_host}


def test_a_listing_exits_cleanly_after_answering_every_time(temporal_env: WorkflowEnvironment) -> None:
    environment = _environment(temporal_env)

    def listing(_: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [DISCHARGE, "tasks", "--json"], capture_output=True, text=True, env=environment, timeout=60
        )

    # Side by side: each run is its own process and its own finalisation (the crash came from there), and
    # the runs' start-up (importing the SDK) no longer adds up on a multi-core machine.
    with ThreadPoolExecutor(max_workers=RUNS) as runs:
        for done in runs.map(listing, range(RUNS)):
            assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
            assert "Fatal Python error" not in done.stderr


def test_a_reader_that_stops_reading_gets_no_traceback(temporal_env: WorkflowEnvironment) -> None:
    # The pipe's reading end is closed before the command writes: its first write meets a broken pipe.
    process = subprocess.Popen(
        [DISCHARGE, "tasks", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_environment(temporal_env),
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141  # 128 + SIGPIPE, as any Unix tool whose reader went away
    assert stderr == ""


def test_piped_into_head_it_prints_the_first_line_and_nothing_else(temporal_env: WorkflowEnvironment) -> None:
    done = subprocess.run(
        ["bash", "-c", f"set -o pipefail; {DISCHARGE} tasks --json | head -1"],
        capture_output=True,
        text=True,
        env=_environment(temporal_env),
        timeout=60,
    )
    assert done.stdout == "[]\n"
    assert done.returncode in (0, 141), done.stderr  # 141 when head had left before the answer was written
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr
