"""What the web page reads: the read model for the lists, Temporal for one pathway and for changing it.

The inbox (open tasks, escalations, who took them) and the pathways listing come from the read model alone
(discharge/readmodel/: ``listing``, ``inbox``, ``freshness``; issue 26): no query to Temporal per refresh,
however many tabs are open. The patient page too (``patient_page``); the pathway's full story
comes from its ``state`` query only when someone asks for it, the identity from its ``identity`` query (only
for roles that may see it), and decisions and acknowledgements are the workflow's updates,
whose validators refuse what does not fit the pathway: their refusal text is what the page shows.
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
from discharge.readmodel import freshness, listing
from discharge.readmodel.freshness import Freshness
from discharge.readmodel.inbox import Acknowledged, open_escalations, record_acknowledgement
from discharge.readmodel.patient import (
    PatientPage,
    newest_pathway_key,
    read_patient,
    record_decision,
    record_planning_confirmed,
)
from discharge.readmodel.store import ReadModel
from discharge.views.visibility import PathwayRow, soonest_first
from events.identity import workflow_id_for
from workers.web.access import read_model_scope
from workers.web.moment_cache import MomentCache
from workers.web.problems import one_per_problem
from workflows.api import AcknowledgementRecord, DecisionResult, PathwayView
from workflows.names import QUERY_IDENTITY, QUERY_STATE, UPDATE_ACKNOWLEDGE, UPDATE_DECIDE

#: Rows per list on the inbox (the most urgent first): a page of 500 escalations and 500 tasks was 400 KB,
#: re-sent to every open tab every 5 s, and its rendering most of the web page's CPU (docs/benchmarks.md).
INBOX_ROWS = 100
#: How long a page waits for a worker to answer a query or an update.
ANSWER_TIMEOUT = timedelta(seconds=15)


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
    acknowledgement: AcknowledgementRecord | Acknowledged | None
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
    freshness: Freshness | None = None  # how current the escalations are (the read model's)
    # All of them: the lists hold the first INBOX_ROWS.
    open_escalations: int = 0  # not acknowledged
    escalations_total: int = 0
    all_tasks: int = 0

    @property
    def cut(self) -> bool:
        return len(self.tasks) < self.all_tasks or len(self.escalations) < self.escalations_total


#: Every tab of one scope that refreshes within the same second gets the same read (moment_cache.py).
_SHARED: MomentCache[Inbox] = MomentCache(ttl=1.0)


async def read_inbox(store: ReadModel, principal: Principal, now: datetime, vardcentral: str | None) -> Inbox:
    """The inbox from the read model alone: no query to Temporal (docs/coordinators.md, "Where the pages
    read"), in one worker thread, shared by the requests of one scope within a second."""
    scope = (id(store), read_model_scope(principal), vardcentral)
    return await _SHARED.get(scope, lambda: asyncio.to_thread(_inbox, store, principal, now, vardcentral))


def _inbox(store: ReadModel, principal: Principal, now: datetime, vardcentral: str | None) -> Inbox:
    phases, unit = read_model_scope(principal)
    task_rows = [_row(item) for item in listing.open_tasks(store, phases, unit)]
    listed = listing.escalated(store, phases, unit)
    escalated = {item.pathway_key: _row(item, escalated=True) for item in listed}
    vardcentrals = sorted(
        {row.listed_vardcentral for row in [*task_rows, *escalated.values()] if row.listed_vardcentral}
    )
    if vardcentral:
        task_rows = [row for row in task_rows if row.listed_vardcentral == vardcentral]
        escalated = {key: row for key, row in escalated.items() if row.listed_vardcentral == vardcentral}
    tasks = [Task(row, bool(row.task_due_at and row.task_due_at < now)) for row in soonest_first(task_rows)]
    escalations = [
        Escalation(escalated[i.pathway_key], i.ordinal, i.reason, i.raised_at, i.acknowledgement, i.receiver)
        for i in open_escalations(store, list(escalated))
    ]
    escalations = one_per_problem(escalations, lambda item: item.row.workflow_id)
    far = datetime.max.replace(tzinfo=now.tzinfo)
    # Unacknowledged first (nobody has it yet), then the longest-waiting first.
    escalations.sort(key=lambda item: (item.acknowledgement is not None, item.raised_at or far))
    unacknowledged = sum(item.acknowledgement is None for item in escalations)
    return Inbox(
        tasks[:INBOX_ROWS],
        escalations[:INBOX_ROWS],
        vardcentrals,
        freshness.read(store),
        open_escalations=unacknowledged,
        all_tasks=len(tasks),
        escalations_total=len(escalations),
    )


def _row(item: listing.Listed, escalated: bool = False) -> PathwayRow:
    return PathwayRow(
        workflow_id=workflow_id_for(item.patient_key),
        patient_key=item.patient_key,
        phase=item.phase,
        risk_level=item.risk_level,
        listed_vardcentral=item.listed_vardcentral,
        home_type=item.home_type,
        support_ends_at=item.support_ends_at,
        pending_task=item.pending_task,
        task_due_at=item.task_due_at,
        escalated=escalated,
        episode_id=item.episode_id,
    )


async def patient_page(
    store: ReadModel, patient_key: str, receipt_timeout: timedelta | None
) -> PatientPage | None:
    """The patient's page from the read model alone (discharge/readmodel/patient.py): no query to Temporal."""
    return await asyncio.to_thread(read_patient, store, patient_key, receipt_timeout)


async def current_pathway_key(store: ReadModel, patient_key: str) -> str | None:
    """The patient's newest pathway in the read model (its key alone, not the whole page)."""

    def read() -> str | None:
        with store.engine.connect() as conn:
            return newest_pathway_key(conn, patient_key)

    return await asyncio.to_thread(read)


async def remember_decision(
    store: ReadModel, pathway_key: str, result: DecisionResult, now: datetime
) -> None:
    """The decider's next page shows the review closed, before the decision's outbound event is applied."""
    await asyncio.to_thread(record_decision, store, pathway_key, result.decision, result.support_ends_at, now)
    _SHARED.clear()


async def remember_planning_confirmed(store: ReadModel, pathway_key: str, party: str, now: datetime) -> None:
    """The page's record of a joint-planning confirmation it sent: the next page does not offer it again."""
    await asyncio.to_thread(record_planning_confirmed, store, pathway_key, party, now)


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


async def remember_acknowledgements(store: ReadModel, key: str, records: list[AcknowledgementRecord]) -> None:
    """The inbox's copy of acknowledgements the workflow accepted (the workflow's stays the record)."""

    def remember() -> None:
        for r in records:
            record_acknowledgement(store, key, r.escalation, r.acknowledged_by, r.name, r.acknowledged_at)

    await asyncio.to_thread(remember)
    _SHARED.clear()  # the person who acknowledged goes back to the inbox: it shows their acknowledgement


@dataclass(frozen=True)
class Page:
    rows: list[PathwayRow]
    next_raw: bytes | None  # where the next page starts (workers/web/paging.py signs it for the link)
    freshness: Freshness | None = None


async def list_page(
    store: ReadModel, principal: Principal, wanted: listing.Wanted, page_size: int, raw: bytes | None
) -> Page:
    """One page of the pathways ``wanted`` in the principal's scope, from the read model; ``raw`` is the
    last page's ``next_raw``. (The CLI's `discharge pathways` still lists through visibility.)"""
    return await asyncio.to_thread(_list_page, store, principal, wanted, page_size, raw)


def _list_page(
    store: ReadModel, principal: Principal, wanted: listing.Wanted, page_size: int, raw: bytes | None
) -> Page:
    phases, unit = read_model_scope(principal)
    found, cursor = listing.search(store, wanted, phases, unit, _cursor_of(raw), page_size)
    open_now = {item.pathway_key for item in open_escalations(store, [item.pathway_key for item in found])}
    rows = [_row(item, escalated=item.pathway_key in open_now) for item in found]
    next_raw = None if cursor is None else f"{cursor[0].isoformat()}\n{cursor[1]}".encode()
    return Page(rows, next_raw, freshness.read(store))


def _cursor_of(raw: bytes | None) -> listing.Cursor | None:
    """The cursor ``_list_page`` handed out (signed and checked by paging.py before it comes here)."""
    if raw is None:
        return None
    moment, _sep, key = raw.decode().partition("\n")
    return datetime.fromisoformat(moment), key
