"""The Temporal UI queries ops staff paste (README, `discharge pathways --help`), on a real server.

Pathways are stood in for by workflows of type PatientPathway that no worker runs, with the search
attributes a pathway would have set: only the visibility queries are under test here.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from discharge.views.visibility import (
    list_pathways,
    overdue_query,
    pathways_query,
    patient_query,
    tasks_query,
    ui_queries,
)
from workflows.api import PathwayStart
from workflows.names import (
    SA_ESCALATED,
    SA_PATIENT_KEY,
    SA_PENDING_TASK,
    SA_PHASE,
    SA_RISK,
    SA_SUPPORT_ENDS_AT,
    SA_TASK_DUE_AT,
    SA_VARDCENTRAL,
    WORKFLOW_TYPE,
)

pytestmark = pytest.mark.integration

NOW = datetime.now(UTC).replace(microsecond=0)
EXAMPLE_VC = "SE2321000131-E000000000101"  # the VC in the documented example query
EXAMPLE_KEY = "pk_0123456789abcdef0123456789abcdef"  # the patient in the documented example query
OTHER_VC = "SE2321000131-E000000000199"


def _attributes(
    key: str, phase: str, vc: str, escalated: bool, task_due: timedelta | None
) -> list[SearchAttributePair[Any]]:
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(SA_PATIENT_KEY, key),
        SearchAttributePair(SA_PHASE, phase),
        SearchAttributePair(SA_RISK, "high"),
        SearchAttributePair(SA_VARDCENTRAL, vc),
        SearchAttributePair(SA_ESCALATED, escalated),
    ]
    if task_due is not None:
        task = "extension_review" if phase == "extension_review" else "handover_acceptance"
        pairs += [
            SearchAttributePair(SA_PENDING_TASK, task),
            SearchAttributePair(SA_TASK_DUE_AT, NOW + task_due),
            SearchAttributePair(SA_SUPPORT_ENDS_AT, NOW + task_due),
        ]
    return pairs


# name -> (patient key, phase, listed VC, escalated, task due relative to now)
PATHWAYS = {
    "review_due": (EXAMPLE_KEY, "extension_review", EXAMPLE_VC, False, timedelta(days=2)),
    "review_overdue": ("pk_" + "1" * 32, "extension_review", OTHER_VC, True, timedelta(hours=-3)),
    "handover_overdue": ("pk_" + "2" * 32, "handover", EXAMPLE_VC, True, timedelta(days=-1)),
    "support": ("pk_" + "3" * 32, "lmv_support", OTHER_VC, False, None),
}


@pytest.fixture(scope="module")
async def stand_ins(temporal_env: WorkflowEnvironment) -> AsyncIterator[dict[str, str]]:
    """Start the stand-in pathways; terminate them afterwards so no other test lists them."""
    client = temporal_env.client
    run = uuid.uuid4().hex[:8]
    ids = {}
    for name, (key, phase, vc, escalated, due) in PATHWAYS.items():
        workflow_id = f"ui-query-{run}-{name}"
        await client.start_workflow(
            WORKFLOW_TYPE,
            PathwayStart(patient_key=key),
            id=workflow_id,
            task_queue=f"nobody-polls-{run}",
            search_attributes=TypedSearchAttributes(_attributes(key, phase, vc, escalated, due)),
        )
        ids[name] = workflow_id
    yield ids
    for workflow_id in ids.values():
        await client.get_workflow_handle(workflow_id).terminate("test finished")


async def _found(client: Client, query: str, ours: dict[str, str], expected: set[str]) -> set[str]:
    """Our stand-ins the query finds; visibility is eventually consistent, so poll (bounded)."""
    names = {workflow_id: name for name, workflow_id in ours.items()}
    found: set[str] = set()
    for _ in range(50):
        rows = await list_pathways(client, query)
        found = {names[row.workflow_id] for row in rows if row.workflow_id in names}
        if found == expected:
            break
        await asyncio.sleep(0.1)
    return found


async def test_the_documented_ui_queries_find_exactly_the_right_pathways(
    temporal_env: WorkflowEnvironment, stand_ins: dict[str, str]
) -> None:
    client = temporal_env.client
    documented = dict(ui_queries(NOW))
    expected = {
        "patients in a phase (here: extension review)": {"review_due", "review_overdue"},
        "escalated pathways": {"review_overdue", "handover_overdue"},
        "overdue tasks (put the current time in)": {"review_overdue", "handover_overdue"},
        "open coordinator tasks": {"review_due", "review_overdue", "handover_overdue"},
        "one VC's patients": {"review_due", "handover_overdue"},
    }
    for what, names in expected.items():
        assert await _found(client, documented[what], stand_ins, names) == names, what
    # The patient query also finds closed runs: here the one running stand-in with the example key.
    patient = documented["one patient, every run"]
    assert patient == patient_query(EXAMPLE_KEY)
    assert await _found(client, patient, stand_ins, {"review_due"}) == {"review_due"}


async def test_cli_filters_combine_on_the_server(
    temporal_env: WorkflowEnvironment, stand_ins: dict[str, str]
) -> None:
    client = temporal_env.client
    query = pathways_query(phase="extension_review", escalated=True, vardcentral=OTHER_VC)
    assert await _found(client, query, stand_ins, {"review_overdue"}) == {"review_overdue"}
    assert await _found(
        client, tasks_query(), stand_ins, {"review_due", "review_overdue", "handover_overdue"}
    )
    later = overdue_query(NOW + timedelta(days=3))
    everything_due = {"review_due", "review_overdue", "handover_overdue"}
    assert await _found(client, later, stand_ins, everything_due) == everything_due


async def test_a_listing_reads_every_column_from_the_search_attributes(
    temporal_env: WorkflowEnvironment, stand_ins: dict[str, str]
) -> None:
    client = temporal_env.client
    await _found(client, tasks_query(), stand_ins, {"review_due", "review_overdue", "handover_overdue"})
    rows = {row.workflow_id: row for row in await list_pathways(client, tasks_query())}
    row = rows[stand_ins["handover_overdue"]]
    assert (row.patient_key, row.phase, row.risk_level, row.listed_vardcentral) == (
        "pk_" + "2" * 32,
        "handover",
        "high",
        EXAMPLE_VC,
    )
    assert row.pending_task == "handover_acceptance" and row.escalated is True
    assert row.task_due_at == NOW - timedelta(days=1)
