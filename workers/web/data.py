"""What the web page reads from and asks of Temporal, as the CLI does (same queries, same names).

Listings come from visibility (the search attributes, one query per listing, scoped by role), one
pathway from its ``state`` query, the identity from its ``identity`` query (only for roles that may see
it), and decisions and acknowledgements are the workflow's updates, whose validators refuse what does
not fit the pathway: their refusal text is what the page shows.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from discharge.i18n import gettext as _
from discharge.principal import Principal
from discharge.views.visibility import PathwayRow, list_pathways, pathways_query, soonest_first, tasks_query
from events.identity import workflow_id_for
from workers.web.access import scoped
from workers.web.problems import one_per_problem
from workflows.api import AcknowledgementRecord, DecisionResult, PathwayView
from workflows.names import QUERY_IDENTITY, QUERY_STATE, UPDATE_ACKNOWLEDGE, UPDATE_DECIDE

#: How long a page waits for a worker to answer a query or an update.
ANSWER_TIMEOUT = timedelta(seconds=15)
#: At most this many escalated pathways are read one by one for the inbox (each is one query).
ESCALATION_READ_LIMIT = 200


class NoAnswer(Exception):
    """The pathway could not be read or reached (not found, no worker): the message says which."""


class NoPathway(NoAnswer):
    """No pathway by that id (never started, or gone)."""


class Refused(Exception):
    """The workflow's validator (or handler) refused: nothing changed. The message is the workflow's."""


@dataclass(frozen=True)
class Task:
    row: PathwayRow
    overdue: bool


@dataclass(frozen=True)
class Escalation:
    row: PathwayRow
    index: int  # position in the pathway's escalations (what an acknowledgement names)
    reason: str
    raised_at: datetime | None
    acknowledgement: AcknowledgementRecord | None
    # not_delivered, delivery_rejected: the receiver (HSA-id); a routed concern: the on-call unit
    receiver: str | None = None
    # One row per problem (workers/web/problems.py): how many times it was raised, and when last.
    count: int = 1
    last_raised_at: datetime | None = None


@dataclass(frozen=True)
class Inbox:
    tasks: list[Task]
    escalations: list[Escalation]
    vardcentrals: list[str]  # every VC among the principal's open items, for the filter


def _escalations_of(row: PathwayRow, view: PathwayView) -> list[Escalation]:
    # Each escalation is published as it is raised, so the n-th "escalation_raised" line of the story is
    # the n-th escalation: its time is when it was raised.
    raised = [entry.at for entry in view.log if entry.event_type == "escalation_raised"]
    acks = {ack.escalation: ack for ack in view.acknowledgements}
    # A delivery's escalation names its receiver; a later `received` receipt resolved it: not listed.
    receivers = {d.escalation: d.recipient for d in view.deliveries if d.escalation is not None}
    return [
        Escalation(
            row,
            index,
            reason,
            raised[index] if index < len(raised) else None,
            acks.get(index),
            receivers.get(index) or view.routed_escalations.get(index),  # or the on-call unit that has it
        )
        for index, reason in enumerate(view.escalations)
        if index not in view.resolved_escalations
    ]


async def read_inbox(client: Client, principal: Principal, now: datetime, vardcentral: str | None) -> Inbox:
    task_rows = await list_pathways(client, scoped(tasks_query(), principal))
    escalated_rows = await list_pathways(client, scoped(pathways_query(escalated=True), principal))
    vardcentrals = sorted(
        {row.listed_vardcentral for row in [*task_rows, *escalated_rows] if row.listed_vardcentral}
    )
    if vardcentral:
        task_rows = [row for row in task_rows if row.listed_vardcentral == vardcentral]
        escalated_rows = [row for row in escalated_rows if row.listed_vardcentral == vardcentral]
    tasks = [Task(row, bool(row.task_due_at and row.task_due_at < now)) for row in soonest_first(task_rows)]
    views = await asyncio.gather(
        *(_state_or_none(client, row.workflow_id) for row in escalated_rows[:ESCALATION_READ_LIMIT])
    )
    escalations = [
        item
        for row, view in zip(escalated_rows, views, strict=False)
        if view is not None
        for item in _escalations_of(row, view)
    ]
    escalations = one_per_problem(escalations, lambda item: item.row.workflow_id)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    # Unacknowledged first (nobody has it yet), then the longest-waiting first.
    escalations.sort(key=lambda item: (item.acknowledgement is not None, item.raised_at or far))
    return Inbox(tasks, escalations, vardcentrals)


async def _state_or_none(client: Client, workflow_id: str) -> PathwayView | None:
    try:
        return await read_state(client, workflow_id)
    except NoAnswer:
        return None


async def read_state(client: Client, workflow_id: str) -> PathwayView:
    handle = client.get_workflow_handle(workflow_id)
    try:
        view: PathwayView = await handle.query(
            QUERY_STATE, result_type=PathwayView, rpc_timeout=ANSWER_TIMEOUT
        )
    except RPCError as error:
        raise _no_answer(error) from None
    return view


async def read_identity(client: Client, workflow_id: str) -> str | None:
    handle = client.get_workflow_handle(workflow_id)
    try:
        identity: str | None = await handle.query(QUERY_IDENTITY, result_type=str, rpc_timeout=ANSWER_TIMEOUT)
    except RPCError as error:
        raise _no_answer(error) from None
    return identity


def _no_answer(error: RPCError) -> NoAnswer:
    return (NoPathway if error.status == RPCStatusCode.NOT_FOUND else NoAnswer)(_rpc_reason(error))


def _rpc_reason(error: RPCError) -> str:
    if error.status == RPCStatusCode.NOT_FOUND:
        return _("no such pathway")
    if error.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
        return _("no answer from the pathway within %(seconds)s s: is a worker running?") % {
            "seconds": ANSWER_TIMEOUT.seconds
        }
    return _("the pathway could not be read just now")


async def _update(client: Client, patient_key: str, name: str, arg: dict[str, Any], result_type: type) -> Any:
    handle = client.get_workflow_handle(workflow_id_for(patient_key))
    try:
        return await handle.execute_update(name, arg, result_type=result_type, rpc_timeout=ANSWER_TIMEOUT)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        raise Refused(cause.message if isinstance(cause, ApplicationError) else str(cause)) from None
    except WorkflowUpdateRPCTimeoutOrCancelledError:
        raise NoAnswer(
            _("no answer from the pathway within %(seconds)s s") % {"seconds": ANSWER_TIMEOUT.seconds}
        ) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise Refused(_("the pathway is no longer running: nothing to decide on")) from None
        raise NoAnswer(_rpc_reason(error)) from None


async def decide(client: Client, patient_key: str, decision: dict[str, Any]) -> DecisionResult:
    """The raw decision goes to the workflow as it is: its validator is the one home of the rules."""
    result: DecisionResult = await _update(client, patient_key, UPDATE_DECIDE, decision, DecisionResult)
    return result


async def acknowledge(
    client: Client, patient_key: str, acknowledgement: dict[str, Any]
) -> AcknowledgementRecord:
    record: AcknowledgementRecord = await _update(
        client, patient_key, UPDATE_ACKNOWLEDGE, acknowledgement, AcknowledgementRecord
    )
    return record


@dataclass(frozen=True)
class Page:
    rows: list[PathwayRow]
    next_raw: bytes | None  # Temporal's next-page token (workers/web/paging.py signs it for the link)


async def list_page(client: Client, query: str, page_size: int, raw: bytes | None) -> Page:
    """One page of a visibility listing; ``raw`` is Temporal's next-page token from the last page."""
    iterator = client.list_workflows(query, page_size=page_size, next_page_token=raw)
    await iterator.fetch_next_page()
    rows = [PathwayRow.from_execution(execution) for execution in iterator.current_page or []]
    return Page(rows, iterator.next_page_token or None)
