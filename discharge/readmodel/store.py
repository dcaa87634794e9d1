"""The read model's store: facts applied idempotently by CloudEvent id, read back for the report.

The same code on SQLite (``discharge dev``: a file in the data dir, nothing to set up) and PostgreSQL
(production: ``DISCHARGE_READMODEL_URL=postgresql://...``). A batch of events is one transaction with
the ids it applied, so an event redelivered after a crash (applied, not yet acked) changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from discharge.readmodel.care import apply_care
from discharge.readmodel.columns import add_missing_columns
from discharge.readmodel.projection import Facts, NotAnOutboundEvent, facts_of
from discharge.readmodel.schema import (
    deliveries,
    escalation_details,
    escalations,
    experiences,
    metadata,
    pathways,
    processed_events,
)
from discharge.readmodel.timeline import apply_timeline
from discharge.settings import Settings
from events.outbound.event import OutboundEvent
from workflows.policy import calendar_days_between

READMODEL_FILE = "readmodel.db"


def readmodel_url(settings: Settings) -> str:
    """``DISCHARGE_READMODEL_URL``, or the embedded SQLite file in the data dir.

    ``postgresql://`` is given to SQLAlchemy as ``postgresql+psycopg://``: psycopg 3 is the driver we
    ship (SQLAlchemy's default for the bare scheme would be psycopg2).
    """
    url = settings.discharge_readmodel_url
    if not url:
        return f"sqlite:///{(settings.discharge_data_dir / READMODEL_FILE).resolve()}"
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url.removeprefix(scheme)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL: the report reads while the consumer writes; busy_timeout: a writer waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@dataclass
class BatchResult:
    applied: int = 0
    duplicates: int = 0
    refused: int = 0


class ReadModel:
    def __init__(self, url: str, lmv_unit: str | None = None) -> None:
        self.url = url
        # The region's LMV unit (``DISCHARGE_LMV_UNIT``): who received an event to LMV that names no unit.
        self.lmv_unit = lmv_unit
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = sa.create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadModel:
        return cls(readmodel_url(settings), settings.discharge_lmv_unit)

    def create(self) -> ReadModel:
        """Create the tables that do not exist yet, and the columns added since an existing one was made."""
        metadata.create_all(self.engine)
        add_missing_columns(self.engine, metadata)
        return self

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        with self.engine.begin() as connection:
            yield connection

    def apply(self, cloudevents: Iterable[dict[str, Any]]) -> BatchResult:
        """Apply a batch of outbound CloudEvents in one transaction; already applied ids change nothing."""
        result = BatchResult()
        now = datetime.now(UTC)
        with self._begin() as conn:
            for cloudevent in cloudevents:
                try:
                    facts = facts_of(cloudevent)
                except NotAnOutboundEvent:
                    result.refused += 1
                    continue
                seen = conn.execute(
                    sa.select(processed_events.c.event_id).where(
                        processed_events.c.event_id == facts.event_id
                    )
                ).first()
                if seen is not None:
                    result.duplicates += 1
                    continue
                conn.execute(
                    processed_events.insert().values(event_id=facts.event_id, type=facts.type, applied_at=now)
                )
                _apply_facts(conn, facts, now)
                # Where the pathway stands now and who holds the patient: the pages and `discharge fhir`.
                event = OutboundEvent.from_cloudevent(cloudevent)
                apply_care(conn, event, facts.pathway_key, now)
                # Every event of the pathway, with who received it: the patient page's timeline.
                apply_timeline(conn, event, facts.pathway_key, self.lmv_unit)
                result.applied += 1
        return result

    # ---- reading ---------------------------------------------------------------------------------

    def pathways(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(pathways).order_by(pathways.c.discharged_at, pathways.c.pathway_key)
            )
            return [dict(row._mapping) for row in rows]

    def escalations(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(escalations).order_by("raised_at"))]

    def deliveries(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(deliveries).order_by("delivered_at"))]

    def experiences(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(experiences).order_by("reported_at"))]

    def applied_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(processed_events)).scalar_one())


def _apply_facts(conn: Connection, facts: Facts, now: datetime) -> None:
    key = facts.pathway_key
    row = conn.execute(sa.select(pathways).where(pathways.c.pathway_key == key)).first()
    current: dict[str, Any] = dict(row._mapping) if row is not None else {}
    values: dict[str, Any] = dict(facts.set)
    for column, value in facts.set_if_empty.items():
        if current.get(column) is None:
            values[column] = value
    for column, amount in facts.add.items():
        values[column] = (current.get(column) or 0) + amount
    admitted = values.get("admitted_at", current.get("admitted_at"))
    discharged = values.get("discharged_at", current.get("discharged_at"))
    if admitted is not None and discharged is not None:
        values["inpatient_days"] = calendar_days_between(admitted, discharged)
    values["updated_at"] = now
    if row is None:
        conn.execute(
            pathways.insert().values(
                pathway_key=key, patient_key=facts.patient_key, episode_id=facts.episode_id, **values
            )
        )
    else:
        conn.execute(pathways.update().where(pathways.c.pathway_key == key).values(**values))
    if facts.escalation is not None:
        _apply_escalation(conn, key, facts)
    if facts.delivery is not None:
        _apply_delivery(conn, key, facts.delivery)
    if facts.experience is not None:
        score, collected_by = facts.experience
        conn.execute(
            experiences.insert().values(
                event_id=facts.event_id,
                pathway_key=key,
                score=score,
                collected_by=collected_by,
                reported_at=facts.at,
            )
        )


def _apply_escalation(conn: Connection, key: str, facts: Facts) -> None:
    """The escalation with the workflow's index (what an acknowledgement names); one published before the
    index was sent is numbered in the order applied, which is the workflow's unless it was held."""
    ordinal = facts.escalation_index
    if ordinal is None:
        count = sa.select(sa.func.count()).select_from(escalations).where(escalations.c.pathway_key == key)
        ordinal = int(conn.execute(count).scalar_one())
    assert facts.escalation is not None
    conn.execute(
        escalations.insert().values(
            event_id=facts.event_id, pathway_key=key, reason=facts.escalation, raised_at=facts.at
        )
    )
    delivery = facts.delivery or {}
    conn.execute(
        escalation_details.insert().values(
            event_id=facts.event_id,
            pathway_key=key,
            ordinal=ordinal,
            # The receiver a delivery escalation names, or the on-call unit a routed concern went to.
            receiver=delivery.get("receiver") or facts.routed_to,
            message_id=delivery.get("message_id"),
        )
    )


def _apply_delivery(conn: Connection, key: str, delivery: dict[str, Any]) -> None:
    """One delivery's outcome; a `received` receipt wins over an escalation of the same delivery, whatever
    order they are applied in (a receipt after `not_delivered` resolves it)."""
    where = sa.and_(
        deliveries.c.message_id == delivery["message_id"], deliveries.c.receiver == delivery["receiver"]
    )
    row = conn.execute(sa.select(deliveries.c.outcome).where(where)).first()
    if row is None:
        conn.execute(deliveries.insert().values(pathway_key=key, **delivery))
    elif delivery["outcome"] == "received" or row.outcome != "received":
        conn.execute(deliveries.update().where(where).values(**delivery))
