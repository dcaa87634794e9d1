"""The read model on SQLite and on a real PostgreSQL: the same facts, applied once per CloudEvent id."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from discharge.readmodel.schema import metadata
from discharge.simulate.engine import Trace
from tests.readmodel_support import cloudevents, fresh_url, open_store, trace_where, types

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, postgres_url: str, tmp_path: Path) -> str:
    return fresh_url(request.param, postgres_url, tmp_path)


def extended_and_handed_over(trace: Trace) -> bool:
    kinds = types(trace)
    return "extension_granted" in kinds and "handover_completed" in kinds and not trace.readmitted


def standard_risk_readmitted(trace: Trace) -> bool:
    return trace.readmitted and "support_started" not in types(trace)


def test_a_high_risk_patient_s_pathway_becomes_one_row_with_its_figures(url: str) -> None:
    _, trace = trace_where(extended_and_handed_over)
    events = cloudevents(trace)
    with open_store(url) as store:
        assert store.apply(events).applied == len(events)
        [row] = store.pathways()
    closed = next(e for e in events if e["type"] == "discharge.pathway_closed")["data"]["indicators"]
    assert row["lmv_enrolled"] is True
    assert row["risk_level"] == "high"
    assert row["extensions"] == 1 and row["extension_days"] == 7
    assert row["handover_within_period"] is False  # extended: handed over after the 14 days
    assert row["outcome"] == "completed" and row["readmitted"] is False
    assert row["hours_to_first_lmv_contact"] == closed["hours_to_first_lmv_contact"]
    assert row["discharged_at"] == datetime.fromisoformat(closed["discharged_at"])
    assert row["listed_vardcentral"].startswith("SE2321000131-")
    assert row["inpatient_days"] is not None and row["inpatient_days"] >= 1


def test_redelivered_events_change_nothing(url: str) -> None:
    _, trace = trace_where(extended_and_handed_over)
    events = cloudevents(trace)
    with open_store(url) as store:
        store.apply(events[:4])
        again = store.apply(events)  # the first four again (a crash before the ack), then the rest
        assert (again.applied, again.duplicates) == (len(events) - 4, 4)
        before = store.pathways()
        third = store.apply(events)
        assert third.applied == 0 and third.duplicates == len(events)
        assert store.pathways() == before
        assert store.applied_count() == len(events)


def test_a_readmission_is_counted_on_the_pathway_it_closed(url: str) -> None:
    _, trace = trace_where(standard_risk_readmitted)
    with open_store(url) as store:
        store.apply(cloudevents(trace))
        [row] = store.pathways()
        assert row["readmitted"] is True and row["outcome"] == "readmitted"
        assert row["lmv_enrolled"] is False


def test_escalations_are_kept_by_reason(url: str) -> None:
    _, trace = trace_where(lambda t: "escalation_raised" in types(t))
    events = cloudevents(trace)
    reasons = sorted(e["data"]["reason"] for e in events if e["type"] == "discharge.escalation_raised")
    with open_store(url) as store:
        store.apply(events)
        store.apply(events)
        assert sorted(e["reason"] for e in store.escalations()) == reasons


def test_no_identity_reaches_the_read_model(url: str) -> None:
    """support_started and handover_requested carry the patient's personnummer: none of it is stored."""
    _, trace = trace_where(extended_and_handed_over)
    events = cloudevents(trace)
    identities = {e["data"]["patient"]["id"] for e in events if "patient" in e["data"]}
    assert identities  # the events do carry it
    with open_store(url) as store:
        store.apply(events)
        with store.engine.connect() as conn:
            stored = [
                str(value)
                for table in metadata.sorted_tables
                for row in conn.execute(sa.select(table))
                for value in row
            ]
    assert not [value for value in stored for identity in identities if identity in value]


def test_something_that_is_not_a_pathway_event_is_refused_not_stored(url: str) -> None:
    with open_store(url) as store:
        result = store.apply(
            [{"id": "x", "type": "discharge.pathway_started", "time": "yesterday", "data": {}}]
        )
        assert (result.applied, result.refused) == (0, 1)
        assert store.pathways() == []
