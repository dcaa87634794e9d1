"""`discharge pathways | tasks | show | decide` against the real workflow on a real Temporal server.

The CLI runs in-process exactly as a user runs it (`main([...])`, settings from the environment);
the pathways are driven by real inbound events through signal-with-start, as the gateway does, and
a worker runs the real PatientPathway with a recording outbound publisher (`cli_support.py`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client

from discharge.audit import AuditLog
from discharge.views.times import local
from tests.integration import cli_support
from tests.integration.cli_support import (
    COORDINATOR,
    HANDOVER,
    OVERDUE,
    REVIEW,
    UNKNOWN,
    VC,
    Cli,
    _eventually,
    _key,
    _line_of,
    _state,
)
from workflows.api import PathwayView

pytestmark = pytest.mark.integration

# The fixtures: three pathways in a running worker (once for this module), and `discharge` in-process.
pathways = cli_support.pathways
cli = cli_support.cli


async def test_tasks_lists_open_tasks_soonest_due_first_with_the_overdue_marked(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    ours = [_key(OVERDUE), _key(HANDOVER), _key(REVIEW)]

    async def tasks() -> Cli:
        # Every task (the session's server may hold other tests' tasks due sooner than a page shows).
        result: Cli = await cli("tasks", "--all")
        return result

    result = await _eventually(tasks, lambda r: all(key in r.out for key in ours))
    assert result.code == 0
    order = sorted(ours, key=result.out.index)
    assert order == ours  # overdue (due yesterday), handover (due tomorrow), review (due in 2 days)
    assert "OVERDUE" in _line_of(result.out, OVERDUE) and "handover_acceptance" in _line_of(
        result.out, OVERDUE
    )
    assert "OVERDUE" not in _line_of(result.out, REVIEW) and "extension_review" in _line_of(
        result.out, REVIEW
    )

    overdue = await cli("tasks", "--overdue", "--json")
    keys = {item["patient_key"] for item in json.loads(overdue.out)}
    assert _key(OVERDUE) in keys and _key(REVIEW) not in keys and _key(HANDOVER) not in keys


async def test_listings_come_a_page_at_a_time_with_the_total_and_all_streams_every_row(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    async def in_review() -> Cli:
        result: Cli = await cli("pathways", "--phase", "extension_review", "--all", "--json")
        return result

    every = await _eventually(in_review, lambda r: _key(REVIEW) in r.out)
    ids = [item["workflow_id"] for item in json.loads(every.out)]
    assert f"pathways: {len(ids)}" in every.err
    paged: list[str] = []
    for number in range(1, len(ids) + 1):
        page = await cli(
            "pathways", "--phase", "extension_review", "--page-size", "1", "--page", str(number), "--json"
        )
        paged += [item["workflow_id"] for item in json.loads(page.out)]
        assert f"pathways {number}-{number} of {len(ids)} (page {number} of {len(ids)}" in page.err
    assert sorted(paged) == sorted(ids)

    all_tasks = json.loads((await cli("tasks", "--all", "--json")).out)
    due = [item["task_due_at"] for item in all_tasks]
    assert due == sorted(due) and len(all_tasks) >= 3  # soonest first across the due-time bands
    first = json.loads((await cli("tasks", "--page-size", "2", "--json")).out)
    second = json.loads((await cli("tasks", "--page-size", "2", "--page", "2", "--json")).out)
    assert [item["workflow_id"] for item in first + second] == [i["workflow_id"] for i in all_tasks[:4]]
    table = await cli("pathways", "--page-size", "1")
    assert table.code == 0 and "(page 1 of " in table.out and "--page 2 for the next" in table.out


async def test_pathways_filters_by_phase_and_reads_the_search_attributes(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    async def in_review() -> Cli:
        result: Cli = await cli("pathways", "--phase", "extension_review", "--json")
        return result

    result = await _eventually(in_review, lambda r: _key(REVIEW) in r.out)
    rows = {item["patient_key"]: item for item in json.loads(result.out)}
    assert _key(HANDOVER) not in rows
    review = rows[_key(REVIEW)]
    assert (review["risk_level"], review["listed_vardcentral"], review["pending_task"]) == (
        "high",
        VC,
        "extension_review",
    )
    table = await cli("pathways", "--vardcentral", VC)
    assert result.code == table.code == 0
    assert "extension_review" in _line_of(table.out, REVIEW) and "handover" in _line_of(table.out, HANDOVER)


async def test_bad_decisions_are_refused_plainly_and_change_nothing(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    before = await _state(pathways, HANDOVER)
    by = ("--by", COORDINATOR)

    too_long = await cli("decide", REVIEW, "extend", "--days", "15", "--reason", "needs more", *by)
    assert (too_long.code, too_long.err.strip()) == (2, "discharge: --days: an extension is 1 to 14 days")
    no_days = await cli("decide", REVIEW, "extend", "--reason", "needs more", *by)
    assert no_days.code == 2 and "--days" in no_days.err
    bad_by = await cli("decide", REVIEW, "extend", "--days", "3", "--reason", "x", "--by", "Dr Nilsson")
    assert bad_by.code == 2 and "--by: expected an HSA-id" in bad_by.err
    no_reason = await cli("decide", REVIEW, "extend", "--days", "3", "--reason", " ", *by)
    assert no_reason.code == 2 and "--reason" in no_reason.err

    # The pathway's own validator: its open task is the VC's acceptance, not an extension review.
    refused = await cli("decide", HANDOVER, "extend", "--days", "3", "--reason", "wait and see", *by)
    assert refused.code == 1
    assert refused.err.startswith("discharge: decision refused, nothing changed: ")
    assert "handover acceptance" in refused.err and "Traceback" not in refused.err
    assert await _state(pathways, HANDOVER) == before

    unknown = await cli("decide", UNKNOWN, "handover", "--reason", "stable", *by)
    assert unknown.code == 1 and f"no running pathway for patient {_key(UNKNOWN)}" in unknown.err
    assert UNKNOWN not in unknown.err  # the personnummer is never echoed back


async def test_an_extension_is_decided_then_shown_and_a_second_one_refused(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    before = await _state(pathways, REVIEW)
    assert before.pending_task == "extension_review" and before.support_ends_at is not None
    reason = "Oxygen weaning not finished"
    decided = await cli("decide", REVIEW, "extend", "--days", "7", "--reason", reason, "--by", COORDINATOR)
    assert decided.code == 0, decided.err
    after = await _state(pathways, REVIEW)
    assert after.phase == "lmv_support" and after.pending_task is None
    assert [(e.days, e.reason, e.decided_by) for e in after.extensions] == [(7, reason, COORDINATOR)]
    assert after.support_ends_at is not None and after.support_ends_at > before.support_ends_at
    assert decided.out.strip().startswith(
        f"Extension granted: LMV support now ends {local(after.support_ends_at)}."
    )
    # `--by` is typed, so the decision also names who recorded it: this Temporal client, as an ops action.
    identity = after.extensions[0].recorded_by
    assert (
        identity
        and f"Recorded as an ops action by {identity} (Temporal client) for {COORDINATOR}" in decided.out
    )
    audit = [
        json.loads(entry.model_dump_json())
        for entry in AuditLog(Path(os.environ["DISCHARGE_AUDIT_LOG"])).entries()
    ]
    assert audit[-1] | {"at": None} == {
        "at": None,
        "actor": identity,
        "role": "ops",
        "action": "ops_decide",
        "patient_key": _key(REVIEW),
        "workflow_id": f"pathway-{_key(REVIEW)}",
        "detail": f"--by {COORDINATOR}: extend 7 days",
    }

    again = await cli(
        "decide", _key(REVIEW), "extend", "--days", "2", "--reason", "more", "--by", COORDINATOR
    )
    assert again.code == 1 and "decision refused, nothing changed" in again.err
    assert await _state(pathways, REVIEW) == after

    shown = await cli("show", REVIEW)
    assert shown.code == 0
    assert "Phase              lmv_support" in shown.out
    assert f"+7 d by {COORDINATOR}" in shown.out and reason in shown.out
    # The history: who, why, and who recorded it.
    assert (
        f"extended by 7 days: {reason} (recorded as an ops action by {identity}) [{COORDINATOR}]" in shown.out
    )
    assert "risk assessed: high" in shown.out and REVIEW not in shown.out
    as_json = await cli("show", _key(REVIEW), "--json")
    assert PathwayView.model_validate_json(as_json.out) == after
