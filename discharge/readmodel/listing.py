"""The inbox's listings from the read model: open tasks and escalated pathways, scoped as visibility was.

A page's scope is given as what it filters on (``phases``: an LMV physician's LMV phases; ``vardcentral``:
a vårdcentral's own listed patients), so the role rules stay in one place (workers/web/access.py). Closed
pathways are never listed; a pathway the read model knows no phase of (its events all applied before
``pathway_now`` existed) is not either: rebuild the read model after the upgrade (docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from discharge.readmodel.schema import escalations, pathway_now, pathways
from discharge.readmodel.store import ReadModel

#: The coordinators' tasks (the same two the visibility query listed).
TASKS = ("extension_review", "handover_acceptance")


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


def _select(phases: Sequence[str] | None, vardcentral: str | None) -> sa.Select[Any]:
    query = (
        sa.select(
            pathways.c.pathway_key,
            pathways.c.patient_key,
            pathways.c.episode_id,
            pathway_now.c.phase,
            pathways.c.risk_level,
            pathways.c.listed_vardcentral,
            pathways.c.home_type,
            pathway_now.c.support_ends_at,
            pathway_now.c.pending_task,
            pathway_now.c.task_due_at,
        )
        .select_from(pathways.join(pathway_now, pathway_now.c.pathway_key == pathways.c.pathway_key))
        .where(pathway_now.c.phase != "closed")
    )
    if phases is not None:
        query = query.where(pathway_now.c.phase.in_(phases))
    if vardcentral is not None:
        query = query.where(pathways.c.listed_vardcentral == vardcentral)
    return query


def open_tasks(store: ReadModel, phases: Sequence[str] | None, vardcentral: str | None) -> list[Listed]:
    query = _select(phases, vardcentral).where(pathway_now.c.pending_task.in_(TASKS))
    with store.engine.connect() as conn:
        return [Listed(**row._mapping) for row in conn.execute(query)]


def escalated(store: ReadModel, phases: Sequence[str] | None, vardcentral: str | None) -> list[Listed]:
    """Open pathways with an escalation (resolved or not: discharge/readmodel/inbox.py tells which)."""
    raised = sa.select(escalations.c.pathway_key).distinct()
    query = _select(phases, vardcentral).where(pathways.c.pathway_key.in_(raised))
    with store.engine.connect() as conn:
        return [Listed(**row._mapping) for row in conn.execute(query)]
