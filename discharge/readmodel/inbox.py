"""The coordinators' inbox from the read model: each escalated pathway's open escalations in one query.

The inbox used to ask every escalated pathway's workflow for its state on every refresh of every open tab
(up to 200 queries each, issue 26); it now reads the escalations the outbound stream carried
(``escalations``, ``escalation_details``), the deliveries a later receipt resolved (``deliveries``) and the
acknowledgements the web page recorded (``acknowledgements``). Which pathways are the principal's is still
one visibility listing (workers/web/data.py): the scope rules stay in one place, on the pathway's own state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from discharge.readmodel.schema import acknowledgements, deliveries, escalation_details, escalations
from discharge.readmodel.store import ReadModel

#: Bound parameters per ``IN (...)``: far below SQLite's and PostgreSQL's limits.
_CHUNK = 500


@dataclass(frozen=True)
class Acknowledged:
    acknowledged_by: str
    name: str | None
    acknowledged_at: datetime


@dataclass(frozen=True)
class OpenEscalation:
    pathway_key: str
    ordinal: int  # the workflow's index of this escalation (what an acknowledgement names)
    reason: str
    raised_at: datetime
    receiver: str | None
    acknowledgement: Acknowledged | None


def open_escalations(store: ReadModel, pathway_keys: Iterable[str]) -> list[OpenEscalation]:
    """The escalations of ``pathway_keys`` that no receipt resolved, each with its acknowledgement."""
    keys = sorted(set(pathway_keys))
    found: list[OpenEscalation] = []
    with store.engine.connect() as conn:
        for start in range(0, len(keys), _CHUNK):
            found.extend(_open_of(conn, keys[start : start + _CHUNK]))
    return found


def _open_of(conn: Connection, keys: Sequence[str]) -> list[OpenEscalation]:
    rows = conn.execute(
        sa.select(
            escalations.c.event_id,
            escalations.c.pathway_key,
            escalations.c.reason,
            escalations.c.raised_at,
            escalation_details.c.ordinal,
            escalation_details.c.receiver,
            escalation_details.c.message_id,
        )
        .select_from(
            escalations.outerjoin(escalation_details, escalation_details.c.event_id == escalations.c.event_id)
        )
        .where(escalations.c.pathway_key.in_(keys))
    ).all()
    resolved = {
        (row.message_id, row.receiver)
        for row in conn.execute(
            sa.select(deliveries.c.message_id, deliveries.c.receiver).where(
                deliveries.c.pathway_key.in_(keys), deliveries.c.outcome == "received"
            )
        )
    }
    acks = {
        (row.pathway_key, row.ordinal): Acknowledged(row.acknowledged_by, row.name, row.acknowledged_at)
        for row in conn.execute(sa.select(acknowledgements).where(acknowledgements.c.pathway_key.in_(keys)))
    }
    by_pathway: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_pathway[row.pathway_key].append(row)
    found = []
    for key, raised in by_pathway.items():
        for ordinal, row in _numbered(raised):
            if row.message_id is not None and (row.message_id, row.receiver) in resolved:
                continue
            ack = acks.get((key, ordinal))
            found.append(OpenEscalation(key, ordinal, row.reason, row.raised_at, row.receiver, ack))
    return found


def _numbered(raised: list[Any]) -> list[tuple[int, Any]]:
    """Each escalation's ordinal: as applied, or (stored before ordinals were) its place in time."""
    in_time = sorted(raised, key=lambda row: (row.raised_at, row.event_id))
    return [(row.ordinal if row.ordinal is not None else place, row) for place, row in enumerate(in_time)]


def record_acknowledgement(
    store: ReadModel, pathway_key: str, ordinal: int, by: str, name: str | None, at: datetime
) -> None:
    """The web page's record of an acknowledgement the workflow accepted (the same one again: no change)."""
    where = sa.and_(acknowledgements.c.pathway_key == pathway_key, acknowledgements.c.ordinal == ordinal)
    with store.engine.begin() as conn:
        if conn.execute(sa.select(acknowledgements.c.ordinal).where(where)).first() is None:
            conn.execute(
                acknowledgements.insert().values(
                    pathway_key=pathway_key,
                    ordinal=ordinal,
                    acknowledged_by=by,
                    name=name,
                    acknowledged_at=at,
                )
            )
