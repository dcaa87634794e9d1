"""The visibility query strings the CLI runs and the README documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from discharge.views.visibility import (
    overdue_query,
    pathways_query,
    patient_query,
    rfc3339,
    tasks_query,
    ui_queries,
)

RUNNING = "WorkflowType = 'PatientPathway' AND ExecutionStatus = 'Running'"


def test_every_listing_is_limited_to_running_pathways() -> None:
    assert pathways_query() == RUNNING
    assert tasks_query().startswith(RUNNING)
    assert overdue_query(datetime(2026, 1, 1, tzinfo=UTC)).startswith(RUNNING)


def test_filters_combine() -> None:
    query = pathways_query(phase="handover", escalated=True, vardcentral="SE2321000131-E000000000101")
    assert query == (
        f"{RUNNING} AND DischargePhase = 'handover' AND Escalated = true "
        "AND ListedVardcentral = 'SE2321000131-E000000000101'"
    )


def test_overdue_compares_with_now_in_utc() -> None:
    now = datetime(2026, 3, 29, 3, 30, tzinfo=timezone(timedelta(hours=2)))
    assert overdue_query(now).endswith('TaskDueAt < "2026-03-29T01:30:00Z"')


def test_a_naive_time_or_a_quote_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        rfc3339(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="quotes"):
        pathways_query(vardcentral="x' OR 1=1 OR 'x")


def test_patient_query_finds_every_run() -> None:
    assert patient_query("pk_x") == "WorkflowType = 'PatientPathway' AND PatientKey = 'pk_x'"


def test_ui_queries_cover_phase_escalated_overdue_vc_and_patient() -> None:
    text = "\n".join(query for _, query in ui_queries(datetime(2026, 1, 1, tzinfo=UTC)))
    needles = ("DischargePhase =", "Escalated = true", "TaskDueAt <", "ListedVardcentral =", "PatientKey =")
    for needle in needles:
        assert needle in text
