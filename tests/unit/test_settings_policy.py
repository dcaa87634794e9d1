"""The worker's policy comes from settings, outside the rules (discharge/settings_policy.py)."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

from discharge.settings import Settings
from discharge.settings_policy import policy_from_settings


def test_policy_takes_every_period_from_settings() -> None:
    settings = Settings(
        discharge_support_period="PT60S",
        discharge_extension_review_lead="PT20S",
        discharge_planning_confirm_timeout="PT10S",
        discharge_first_contact_target="PT15S",
        discharge_handover_accept_timeout="PT30S",
        discharge_readmission_window="PT5M",
    )
    policy = policy_from_settings(settings)
    assert policy.support_period == timedelta(seconds=60)
    assert policy.extension_review_lead == timedelta(seconds=20)
    assert policy.planning_confirm_timeout == timedelta(seconds=10)
    assert policy.first_contact_target == timedelta(seconds=15)
    assert policy.handover_accept_timeout == timedelta(seconds=30)
    assert policy.readmission_window == timedelta(minutes=5)
    assert policy.reminder_interval == timedelta(seconds=60)  # paced like the demo's support period
    assert policy_from_settings(Settings()).reminder_interval == timedelta(days=1)


def _imported_packages(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [(node.module or "").split(".")[0]]
    return [alias.name.split(".")[0] for alias in node.names]


def test_the_workflow_and_its_rules_import_nothing_of_discharge() -> None:
    """Settings, logging and connections are the processes' business: the rules are given a ``Policy``."""
    workflows = Path(__file__).resolve().parents[2] / "workflows"
    reaching = [
        f"{path.relative_to(workflows.parent)}:{node.lineno}"
        for path in sorted(workflows.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom) and "discharge" in _imported_packages(node)
    ]
    assert reaching == []
