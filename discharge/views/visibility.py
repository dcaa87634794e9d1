"""Finding pathways through Temporal visibility: the one way a query is written, for every reader.

A listing reads each pathway's state from the search attributes the workflow keeps up to date, so
one visibility query answers it; no query is sent to each workflow. The CLI's listings, the web page,
the worker's activities and the demo all build their queries here; the same query strings are
documented for the Temporal UI (README, ``discharge pathways --help``) and tested on a real server.

Visibility query strings are single-quoted with no escape that every server version honours, so a
value is put into a query only when it is plainly safe (letters, digits and ``_.:/-``); anything
else is refused, never escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from temporalio.client import Client, WorkflowExecution

from workflows.names import (
    SA_EPISODE,
    SA_ESCALATED,
    SA_HOME_TYPE,
    SA_PATIENT_KEY,
    SA_PENDING_TASK,
    SA_PHASE,
    SA_RISK,
    SA_SUPPORT_ENDS_AT,
    SA_TASK_DUE_AT,
    SA_VARDCENTRAL,
    WORKFLOW_TYPE,
)

SAFE_VALUE = re.compile(r"[A-Za-z0-9_.:/-]{1,128}")


def quoted(value: str) -> str:
    """``value`` as a query string literal, or ``ValueError`` when it is not safe to put in one."""
    if not SAFE_VALUE.fullmatch(value):
        raise ValueError("a search value may not contain quotes or other than letters, digits and _.:/-")
    return f"'{value}'"


def one_of(values: Iterable[str]) -> str:
    """An ``IN`` list: ``('a', 'b')``."""
    return f"({', '.join(quoted(value) for value in values)})"


RUNNING = f"WorkflowType = {quoted(WORKFLOW_TYPE)} AND ExecutionStatus = {quoted('Running')}"


def rfc3339(moment: datetime) -> str:
    """A time as visibility compares it: RFC 3339 in UTC with a ``Z`` (naive times are refused)."""
    if moment.tzinfo is None:
        raise ValueError("a naive time is ambiguous: give it a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pathways_query(phase: str | None = None, escalated: bool = False, vardcentral: str | None = None) -> str:
    """Running pathways, optionally in one phase, only escalated ones, or one VC's patients."""
    clauses = [RUNNING]
    if phase is not None:
        clauses.append(f"DischargePhase = {quoted(phase)}")
    if escalated:
        clauses.append("Escalated = true")
    if vardcentral is not None:
        clauses.append(f"ListedVardcentral = {quoted(vardcentral)}")
    return " AND ".join(clauses)


def tasks_query() -> str:
    """Running pathways with an open coordinator task (extension review or handover acceptance)."""
    return f"{RUNNING} AND PendingTask IN {one_of(['extension_review', 'handover_acceptance'])}"


def overdue_query(now: datetime) -> str:
    """Running pathways whose open task was due before ``now``."""
    return f'{RUNNING} AND TaskDueAt < "{rfc3339(now)}"'


def patient_query(key: str) -> str:
    """Every run of one patient's pathways (running or closed), by ``patient_key``."""
    return f"WorkflowType = {quoted(WORKFLOW_TYPE)} AND PatientKey = {quoted(key)}"


def ui_queries(now: datetime) -> list[tuple[str, str]]:
    """The queries an ops person pastes into the Temporal UI, with what each finds."""
    return [
        ("patients in a phase (here: extension review)", pathways_query(phase="extension_review")),
        ("escalated pathways", pathways_query(escalated=True)),
        ("overdue tasks (put the current time in)", overdue_query(now)),
        ("open coordinator tasks", tasks_query()),
        ("one VC's patients", pathways_query(vardcentral="SE2321000131-E000000000101")),
        ("one patient, every run", patient_query("pk_0123456789abcdef0123456789abcdef")),
    ]


@dataclass(frozen=True)
class PathwayRow:
    """One listed pathway, as far as the search attributes tell."""

    workflow_id: str
    patient_key: str | None
    phase: str | None
    risk_level: str | None
    listed_vardcentral: str | None
    home_type: str | None
    support_ends_at: datetime | None
    pending_task: str | None
    task_due_at: datetime | None
    escalated: bool
    episode_id: str | None = None  # the hospital's care episode (HS-...), what coordinators recognise

    @classmethod
    def from_execution(cls, execution: WorkflowExecution) -> PathwayRow:
        attrs = execution.typed_search_attributes
        return cls(
            workflow_id=execution.id,
            patient_key=attrs.get(SA_PATIENT_KEY),
            episode_id=attrs.get(SA_EPISODE),
            phase=attrs.get(SA_PHASE),
            risk_level=attrs.get(SA_RISK),
            listed_vardcentral=attrs.get(SA_VARDCENTRAL),
            home_type=attrs.get(SA_HOME_TYPE),
            support_ends_at=attrs.get(SA_SUPPORT_ENDS_AT),
            pending_task=attrs.get(SA_PENDING_TASK),
            task_due_at=attrs.get(SA_TASK_DUE_AT),
            escalated=bool(attrs.get(SA_ESCALATED, False)),
        )

    def as_json(self) -> dict[str, Any]:
        return {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in asdict(self).items()
        }


async def list_pathways(client: Client, query: str) -> list[PathwayRow]:
    return [PathwayRow.from_execution(execution) async for execution in client.list_workflows(query)]


def soonest_first(rows: Sequence[PathwayRow]) -> list[PathwayRow]:
    """Open tasks as people work them: the soonest due first, rows without a due time last."""
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(rows, key=lambda row: row.task_due_at or far)
