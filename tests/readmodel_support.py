"""Test helpers for the read model: databases of both kinds, and outbound events from real rules.

The outbound events are those the pathway's own rules publish for a synthetic patient (the
simulator's engine), wrapped as the workflow wraps them, so the projection is tested on what the
pathway really sends, not on hand-written dictionaries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from discharge.readmodel.store import ReadModel
from discharge.simulate.engine import Trace, run_pathway, simulation_policy
from discharge.simulate.params import SimulationParams
from discharge.simulate.patients import patient_script
from events.outbound.event import OutboundEvent

NAMESPACE = uuid.UUID("3b0c3f0e-8a8e-4c1e-9d55-0b8f4f1f7a11")


def fresh_url(kind: str, postgres_url: str, tmp: Any) -> str:
    """An empty database: a SQLite file, or a new database on the session's PostgreSQL."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'readmodel.db'}"
    name = f"rm_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(
        postgres_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    base, _, query = postgres_url.partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}".replace("postgresql://", "postgresql+psycopg://")


@contextmanager
def open_store(url: str) -> Iterator[ReadModel]:
    store = ReadModel(url).create()
    try:
        yield store
    finally:
        store.close()


def trace_where(check: Any, params: SimulationParams | None = None, limit: int = 5000) -> tuple[int, Trace]:
    """The first synthetic patient whose pathway (through the real rules) satisfies ``check``."""
    params = params or SimulationParams()
    policy = simulation_policy(params)
    for index in range(limit):
        trace = run_pathway(f"pk_{index:032x}", patient_script(index, 0, params, policy), policy)
        if check(trace):
            return index, trace
    raise AssertionError("no synthetic patient matched")


def cloudevents(trace: Trace) -> list[dict[str, Any]]:
    """The trace's outbound events as the workflow publishes them (deterministic ids)."""
    return [
        OutboundEvent(
            id=str(uuid.uuid5(NAMESPACE, f"{trace.patient_key}:{n}")), type=type_, time=at, data=data
        ).cloudevent()
        for n, (at, type_, data) in enumerate(trace.outbound)
    ]


def types(trace: Trace) -> list[str]:
    return [type_ for _, type_, _ in trace.outbound]
