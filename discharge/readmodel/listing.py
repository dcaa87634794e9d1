"""The pages' listings from the read model: the inbox's open tasks and escalated pathways, and the pathways
page's search, scoped as visibility was.

A page's scope is given as what it filters on (``phases``: an LMV physician's LMV phases; ``vardcentral``:
a vårdcentral's own listed patients), so the role rules stay in one place (workers/web/access.py). Where a
pathway stands now is ``care_episodes`` (discharge/readmodel/care.py, the one projection the FHIR door
reads too); its risk and home are the indicators' ``pathways`` row. Closed pathways are listed only when
searched for by patient or episode, as visibility listed every run of a patient then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from discharge.readmodel.care import care_episodes
from discharge.readmodel.schema import UtcDateTime, escalations, pathways
from discharge.readmodel.store import ReadModel

#: The coordinators' tasks (the same two the visibility query listed).
TASKS = ("extension_review", "handover_acceptance")

E = care_episodes.c
#: The pathways page's order, newest first (visibility's was by start time): when the read model first
#: heard of the pathway; a row from before that column existed falls back to its clinical start.
_NEWEST = sa.func.coalesce(E.listed_at, E.started_at, type_=UtcDateTime())


@dataclass(frozen=True)
class Listed:
    pathway_key: str
    patient_key: str
    episode_id: str | None
    phase: str | None
    risk_level: str | None
    listed_vardcentral: str | None
    home_type: str | None
    support_ends_at: datetime | None
    pending_task: str | None
    task_due_at: datetime | None


@dataclass(frozen=True)
class Wanted:
    """What the pathways page searches for (nothing: every running pathway in the scope)."""

    patient_key: str | None = None
    episode_id: str | None = None
    vardcentral: str | None = None

    @property
    def closed_too(self) -> bool:
        """A patient's or an episode's search lists its closed pathways too (visibility: every run)."""
        return self.patient_key is not None or self.episode_id is not None


#: Where the next page starts: the last row's (newest-first key, pathway_key).
Cursor = tuple[datetime, str]


def _select(phases: Sequence[str] | None, vardcentral: str | None, *, closed_too: bool = False) -> Any:
    query = sa.select(
        E.pathway_key,
        E.patient_key,
        E.episode_id,
        E.phase,
        pathways.c.risk_level,
        E.listed_vardcentral,
        pathways.c.home_type,
        E.support_ends_at,
        E.pending_task,
        E.task_due_at,
    ).select_from(care_episodes.outerjoin(pathways, pathways.c.pathway_key == E.pathway_key))
    if not closed_too:
        query = query.where(E.phase != "closed")
    if phases is not None:
        query = query.where(E.phase.in_(phases))
    if vardcentral is not None:
        query = query.where(E.listed_vardcentral == vardcentral)
    return query


def open_tasks(store: ReadModel, phases: Sequence[str] | None, vardcentral: str | None) -> list[Listed]:
    query = _select(phases, vardcentral).where(E.pending_task.in_(TASKS))
    with store.engine.connect() as conn:
        return [Listed(**row._mapping) for row in conn.execute(query)]


def escalated(store: ReadModel, phases: Sequence[str] | None, vardcentral: str | None) -> list[Listed]:
    """Open pathways with an escalation (resolved or not: discharge/readmodel/inbox.py tells which)."""
    raised = sa.select(escalations.c.pathway_key).distinct()
    query = _select(phases, vardcentral).where(E.pathway_key.in_(raised))
    with store.engine.connect() as conn:
        return [Listed(**row._mapping) for row in conn.execute(query)]


def search(
    store: ReadModel,
    wanted: Wanted,
    phases: Sequence[str] | None,
    vardcentral: str | None,
    after: Cursor | None,
    size: int,
) -> tuple[list[Listed], Cursor | None]:
    """One page of the pathways ``wanted`` within the scope, newest first, and where the next one starts."""
    query = _select(phases, vardcentral, closed_too=wanted.closed_too).add_columns(_NEWEST.label("newest"))
    if wanted.patient_key is not None:
        query = query.where(E.patient_key == wanted.patient_key)
    if wanted.episode_id is not None:
        query = query.where(E.episode_id == wanted.episode_id)
    if wanted.vardcentral is not None:
        query = query.where(E.listed_vardcentral == wanted.vardcentral)
    if after is not None:
        newest, key = after
        query = query.where(sa.or_(_NEWEST < newest, sa.and_(_NEWEST == newest, E.pathway_key < key)))
    query = query.order_by(_NEWEST.desc(), E.pathway_key.desc()).limit(size + 1)
    with store.engine.connect() as conn:
        rows = [dict(row._mapping) for row in conn.execute(query)]
    more = len(rows) > size
    rows = rows[:size]
    cursor = (rows[-1]["newest"], rows[-1]["pathway_key"]) if more else None
    for row in rows:
        del row["newest"]
    return [Listed(**row) for row in rows], cursor
