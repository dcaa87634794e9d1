"""How `discharge dev` starts its own parts (worker, gateway): settings, mode and log format they inherit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.integration.stack_support import stack_settings
from workers.stack.parts import app_child_spec
from workers.stack.relay import relay_console, relay_structured

pytestmark = pytest.mark.integration


def test_a_part_runs_in_development_mode_with_the_supervisors_settings(tmp_path: Path) -> None:
    settings = stack_settings(tmp_path, discharge_support_period="PT90S", discharge_log_format="json")
    spec = app_child_spec("gateway", settings)
    assert list(spec.command) == [sys.executable, "-m", "discharge.cli.main", "gateway"]
    assert spec.env is not None
    assert spec.env["DISCHARGE_DEVELOPMENT"] == "true"
    assert spec.env["DISCHARGE_LOG_FORMAT"] == "json"
    assert spec.env["DISCHARGE_SUPPORT_PERIOD"] == "PT90S"
    assert spec.env["TEMPORAL_ADDRESS"] == settings.temporal_address
    assert spec.relay is relay_structured
    for_a_human = settings.model_copy(update={"discharge_log_format": "console"})
    assert app_child_spec("worker", for_a_human).relay is relay_console


def test_the_embedded_stack_has_a_short_late_event_grace_unless_one_is_set(tmp_path: Path) -> None:
    # The demo's backlog is dated in the past: its deadlines are due once it is in, not a minute later.
    worker = app_child_spec("worker", stack_settings(tmp_path))
    assert worker.env is not None and worker.env["DISCHARGE_LATE_EVENT_GRACE"] == "PT40S"
    chosen = app_child_spec("worker", stack_settings(tmp_path, discharge_late_event_grace="PT2M"))
    assert chosen.env is not None and chosen.env["DISCHARGE_LATE_EVENT_GRACE"] == "PT120S"
