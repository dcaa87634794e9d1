"""The tests' event factory stays light: the rules' unit tests build events without loading a worker."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

#: What a worker, the workflow or a connection would bring in; an event factory needs none of it.
HEAVY = ("workers", "activities", "workflows", "discharge", "temporalio", "nats", "faststream")

_LOADED = """
import json, sys
import tests.inbound_events
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & set(json.loads(sys.argv[1])))))
"""


def test_the_event_factory_imports_no_worker_nor_any_connection() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", _LOADED, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == []
