"""Where each pathway stands now and who holds the patient: one projection for the pages and `discharge fhir`.

An addition to the read model (issue 23), in tables of its own so that the indicators' ``pathways`` table
stays as it is: ``care_episodes`` (one row per pathway: its phase, the responsible parties, the end of LMV
support as it stands now, the coordinator's open task and when it is due) and ``care_tasks`` (the
coordinator's extension review and the vårdcentral's handover acceptance, open until the pathway's next step
closes them). Fed in the same transaction as the indicators' facts (discharge/readmodel/store.py), from the
same outbound events, so a redelivered event changes nothing here either. No identity: a pathway is known by
``patient_key`` and ``episode_id``.

The web page's inbox and pathways listing read ``care_episodes`` too (discharge/readmodel/listing.py): it is
the one table of where a pathway stands now (issue 26 folded the inbox's own ``pathway_now`` into it, which
held the same facts by slightly different rules).

The phase follows the workflow's ``DischargePhase`` as its outbound events tell it; an event that does not
move the phase (an escalation, a contact) leaves it. The FHIR mapping (phase -> ``EpisodeOfCare.status``)
is the door's (workers/fhir/), not the read model's.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from discharge.readmodel.phases import RANK
from discharge.readmodel.schema import UtcDateTime, metadata
from events.outbound.data import OutboundData
from events.outbound.event import OutboundEvent
from events.outbound.handover import HandoverCompleted, HandoverRequested
from events.outbound.pathway import (
    DischargeCancelledOutbound,
    JointPlanningRequested,
    PathwayClosed,
    PathwayStarted,
    PathwayWithdrawn,
)
from events.outbound.support import (
    ExtensionGranted,
    ExtensionReviewRequested,
    SupportRescheduled,
    SupportStarted,
)

care_episodes = sa.Table(
    "care_episodes",
    metadata,
    sa.Column("pathway_key", sa.String(200), primary_key=True),
    # The FHIR resource id: a hash of the pathway key (an id allows only [A-Za-z0-9-.], 64 at most).
    sa.Column("resource_id", sa.String(64), nullable=False, unique=True),
    sa.Column("patient_key", sa.String(64), nullable=False, index=True),
    sa.Column("episode_id", sa.String(64)),
    sa.Column("phase", sa.String(32), nullable=False, index=True),
    sa.Column("started_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("discharged_at", UtcDateTime()),
    sa.Column("support_ends_at", UtcDateTime()),
    sa.Column("hospital_unit", sa.String(64)),
    sa.Column("lmv_unit", sa.String(64)),
    sa.Column("listed_vardcentral", sa.String(64)),
    sa.Column("handed_over_at", UtcDateTime()),
    sa.Column("outcome", sa.String(32)),
    sa.Column("closed_at", UtcDateTime()),
    sa.Column("updated_at", UtcDateTime(), nullable=False),
    # For the pages (issue 26; added to a store made before them by discharge/readmodel/columns.py):
    # the coordinator's open task as the pathway's search attributes had it (extension_review,
    # handover_acceptance), and when the read model first heard of the pathway (the pathways listing's
    # newest-first order, as visibility's start time was).
    sa.Column("pending_task", sa.String(32), index=True),
    sa.Column("task_due_at", UtcDateTime()),
    sa.Column("listed_at", UtcDateTime(), index=True),
)

care_tasks = sa.Table(
    "care_tasks",
    metadata,
    # The FHIR resource id: a hash of the id of the outbound event that opened the task.
    sa.Column("task_id", sa.String(64), primary_key=True),
    sa.Column("pathway_key", sa.String(200), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),  # extension_review, handover_acceptance
    sa.Column("owner", sa.String(64)),  # an HSA-id; None: the coordinators
    sa.Column("status", sa.String(16), nullable=False, index=True),  # requested, completed, cancelled
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("due_at", UtcDateTime()),  # None: the pathway's policy sets it (handover acceptance)
    sa.Column("closed_at", UtcDateTime()),
)

# The phases' order, and why an event moves the phase forward only (the stream is in publishing order,
# not clinical order): discharge/readmodel/phases.py's RANK, one home for both projections.
#: The phase each outbound type moves the pathway to (the workflow's DischargePhase values).
_PHASE_OF: dict[type[OutboundData], str] = {
    JointPlanningRequested: "joint_planning",
    SupportStarted: "lmv_support",
    ExtensionReviewRequested: "extension_review",
    ExtensionGranted: "lmv_support",
    HandoverRequested: "handover",
    HandoverCompleted: "follow_up",
    PathwayWithdrawn: "closed",
    PathwayClosed: "closed",
}


def resource_id(pathway_key: str) -> str:
    return "pw-" + hashlib.sha256(pathway_key.encode()).hexdigest()[:32]


def task_id(event_id: str) -> str:
    return "task-" + hashlib.sha256(event_id.encode()).hexdigest()[:32]


def apply_care(conn: Connection, event: OutboundEvent, pathway_key: str, now: datetime) -> None:
    """One outbound event's part in ``care_episodes`` and ``care_tasks`` (the caller de-duplicates)."""
    data = event.data
    row = conn.execute(sa.select(care_episodes).where(care_episodes.c.pathway_key == pathway_key)).first()
    current: dict[str, Any] = dict(row._mapping) if row is not None else {}
    values = episode_values(data, event.time, current)
    values["updated_at"] = now
    if row is None:
        values.setdefault("phase", "inpatient")
        conn.execute(
            care_episodes.insert().values(
                pathway_key=pathway_key,
                resource_id=resource_id(pathway_key),
                patient_key=data.patient_key,
                episode_id=data.episode_id,
                started_at=event.time,
                listed_at=now,
                **values,
            )
        )
    else:
        conn.execute(
            care_episodes.update().where(care_episodes.c.pathway_key == pathway_key).values(**values)
        )
    _apply_tasks(conn, event, pathway_key, current.get("listed_vardcentral"))


def episode_values(data: OutboundData, at: datetime, current: dict[str, Any]) -> dict[str, Any]:
    """The ``care_episodes`` columns one event sets, given the row as it is (pure)."""
    values: dict[str, Any] = {}
    phase, was = _PHASE_OF.get(type(data)), current.get("phase")
    back = isinstance(data, ExtensionGranted) and was == "extension_review"
    if phase is not None and (back or RANK[phase] > RANK.get(was or "", -1)):
        values["phase"] = phase
    lmv_unit = getattr(data, "lmv_unit", None)
    if lmv_unit:
        values["lmv_unit"] = lmv_unit
    listed = getattr(data, "listed_vardcentral", None)
    if listed:
        values["listed_vardcentral"] = listed
    match data:
        case PathwayStarted():
            values["phase"] = current.get("phase") or data.phase  # opened by a later step: its phase
            if data.admitting_unit:  # an addition: absent in events published before it
                values["hospital_unit"] = data.admitting_unit
        case SupportStarted():
            # The first end; an extension or a correction applied before it (stream order) has the newer one.
            if current.get("support_ends_at") is None:
                values["support_ends_at"] = data.support_ends_at
            if data.discharged_at and not current.get("discharged_at"):
                values["discharged_at"] = data.discharged_at
        case SupportRescheduled():
            values.update(support_ends_at=data.support_ends_at, discharged_at=data.discharged_at)
        case ExtensionGranted():
            values["support_ends_at"] = data.support_ends_at
        case HandoverRequested():
            if data.to:
                values["listed_vardcentral"] = data.to
            if data.summary.discharged_at and not current.get("discharged_at"):
                values["discharged_at"] = data.summary.discharged_at
        case HandoverCompleted():
            values["handed_over_at"] = data.accepted_at or at
        case DischargeCancelledOutbound() if current.get("phase") != "closed":
            # Back in hospital: support and handover are withdrawn; the phase is the one before discharge.
            values.update(phase="inpatient", discharged_at=None, support_ends_at=None)
        case PathwayWithdrawn():
            values.update(outcome="entered_in_error", closed_at=at)
        case PathwayClosed():
            values.update(outcome=data.outcome, closed_at=at)
            if data.indicators.discharged_at and not current.get("discharged_at"):
                values["discharged_at"] = data.indicators.discharged_at
    if values.get("phase", current.get("phase")) != current.get("phase"):
        values.update(_task_of(data))
    return values


def _task_of(data: OutboundData) -> dict[str, Any]:
    """The coordinator's open task once ``data`` moved the phase: the step that opens one, else none."""
    match data:
        case ExtensionReviewRequested():
            return {"pending_task": "extension_review", "task_due_at": data.due_at}
        case HandoverRequested():
            # due_at: absent in events published before it was added (the escalation still comes).
            return {"pending_task": "handover_acceptance", "task_due_at": data.due_at}
    return {"pending_task": None, "task_due_at": None}


def _apply_tasks(conn: Connection, event: OutboundEvent, pathway_key: str, listed: str | None) -> None:
    data, at = event.data, event.time
    match data:
        case ExtensionReviewRequested():
            _open(conn, event.id, pathway_key, "extension_review", None, at, data.due_at)
        case ExtensionGranted():
            _close(conn, pathway_key, at, "completed", kind="extension_review")
        case HandoverRequested():
            _close(conn, pathway_key, at, "completed", kind="extension_review")
            _open(conn, event.id, pathway_key, "handover_acceptance", data.to or listed, at, None)
        case HandoverCompleted():
            _close(conn, pathway_key, at, "completed", kind="handover_acceptance")
        case DischargeCancelledOutbound() | PathwayWithdrawn() | PathwayClosed():
            _close(conn, pathway_key, at, "cancelled")


def _open(
    conn: Connection,
    event_id: str,
    pathway_key: str,
    kind: str,
    owner: str | None,
    at: datetime,
    due: datetime | None,
) -> None:
    _close(conn, pathway_key, at, "cancelled", kind=kind)  # one open task of a kind per pathway
    conn.execute(
        care_tasks.insert().values(
            task_id=task_id(event_id),
            pathway_key=pathway_key,
            kind=kind,
            owner=owner,
            status="requested",
            requested_at=at,
            due_at=due,
        )
    )


def _close(conn: Connection, pathway_key: str, at: datetime, status: str, *, kind: str | None = None) -> None:
    where = sa.and_(care_tasks.c.pathway_key == pathway_key, care_tasks.c.status == "requested")
    if kind is not None:
        where = sa.and_(where, care_tasks.c.kind == kind)
    conn.execute(care_tasks.update().where(where).values(status=status, closed_at=at))
