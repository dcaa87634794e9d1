"""The FHIR door's queries on the read model (``care_episodes``, ``care_tasks``: discharge/readmodel/care.py).

One indexed query per page and one count: a look-up by patient key reads that patient's few rows, a listing
by status or date reads one page. EpisodeOfCare.status is derived from the phase, outcome and discharge
(workers/fhir/resources.py), so a status search is the same rule in SQL (`_status_clause`); a test keeps
the two in step.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from discharge.readmodel.care import care_episodes, care_tasks
from workers.fhir.search import Criteria, DateBound

E = care_episodes.c
T = care_tasks.c
_PLANNED = ("inpatient", "joint_planning")
_ACTIVE = ("lmv_support", "extension_review", "handover", "follow_up")


def _status_clause(status: str) -> sa.ColumnElement[bool]:
    closed = sa.or_(E.phase == "closed", E.outcome.is_not(None))
    error = sa.func.coalesce(E.outcome, "") == "entered_in_error"  # NULL is not an error (SQL NOT NULL)
    clauses: dict[str, sa.ColumnElement[bool]] = {
        "entered-in-error": error,
        "finished": sa.and_(closed, sa.not_(error), E.discharged_at.is_not(None)),
        "cancelled": sa.and_(closed, sa.not_(error), E.discharged_at.is_(None)),
        "planned": sa.and_(sa.not_(closed), E.phase.in_(_PLANNED)),
        "active": sa.and_(sa.not_(closed), E.phase.in_(_ACTIVE)),
    }
    return clauses.get(status, sa.false())


def _open_or(clause: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    return sa.or_(E.closed_at.is_(None), clause)


def _date_clause(bound: DateBound) -> sa.ColumnElement[bool]:
    """The episode's period (start .. end, open while it runs) against one date bound."""
    match bound.prefix:
        case "ge":
            return _open_or(E.closed_at >= bound.start)
        case "gt":
            return _open_or(E.closed_at >= bound.end)
        case "le":
            return E.started_at < bound.end
        case "lt":
            return E.started_at < bound.start
        case _:  # eq: the episode ran during the day (or at the moment)
            return sa.and_(
                E.started_at < bound.end if bound.end > bound.start else E.started_at <= bound.end,
                _open_or(E.closed_at >= bound.start),
            )


def _episode_where(c: Criteria) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if c.patient_key is not None:
        where.append(E.patient_key == c.patient_key)
    if c.ids:
        where.append(E.resource_id.in_(c.ids))
    if c.statuses:
        where.append(sa.or_(*(_status_clause(s) for s in c.statuses)))
    where.extend(_date_clause(bound) for bound in c.dates)
    return where


def episodes(engine: Engine, c: Criteria) -> tuple[list[dict[str, Any]], int]:
    """One page of episodes (newest first) and how many match in all."""
    where = _episode_where(c)
    page = sa.select(care_episodes).where(*where).order_by(E.started_at.desc(), E.resource_id)
    total = sa.select(sa.func.count()).select_from(care_episodes).where(*where)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(page.limit(c.count).offset(c.offset))]
        return rows, int(conn.execute(total).scalar_one())


def tasks(engine: Engine, c: Criteria) -> tuple[list[dict[str, Any]], int]:
    """One page of tasks (soonest due first), each with its episode's patient key and resource id."""
    where: list[sa.ColumnElement[bool]] = []
    if c.patient_key is not None:
        where.append(E.patient_key == c.patient_key)
    if c.ids:
        where.append(T.task_id.in_(c.ids))
    if c.statuses:
        where.append(T.status.in_(c.statuses))
    joined = care_tasks.join(care_episodes, T.pathway_key == E.pathway_key)
    page = (
        sa.select(care_tasks, E.patient_key, E.resource_id)
        .select_from(joined)
        .where(*where)
        .order_by(T.due_at.is_(None), T.due_at, T.requested_at, T.task_id)
    )
    total = sa.select(sa.func.count()).select_from(joined).where(*where)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(page.limit(c.count).offset(c.offset))]
        return rows, int(conn.execute(total).scalar_one())


def reachable(engine: Engine) -> bool:
    with engine.connect() as conn:
        conn.execute(sa.select(E.pathway_key).limit(1))
    return True
