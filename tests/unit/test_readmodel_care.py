"""The read model's "who holds the patient now" tables (discharge/readmodel/care.py) from outbound events:
support re-timed and extended, a cancelled discharge, tasks opened and closed, redelivery changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from discharge.readmodel.care import care_episodes, care_tasks
from discharge.readmodel.store import ReadModel
from events.outbound.names import OUTBOUND_SOURCE

KEY = "pk_" + "c" * 32
LMV = "SE2321000131-E000000000200"
VC = "SE2321000131-E000000000101"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def event(type_: str, seq: int, hours: float, **data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"care-{seq}",
        "source": OUTBOUND_SOURCE,
        "type": f"discharge.{type_}",
        "time": (T0 + timedelta(hours=hours)).isoformat(),
        "data": {"patient_key": KEY, "episode_id": "ep-9", **data},
    }


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def state(store: ReadModel) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    with store.engine.connect() as conn:
        episode = dict(conn.execute(sa.select(care_episodes)).one()._mapping)
        tasks = [
            (r.kind, r.status)
            for r in conn.execute(sa.select(care_tasks).order_by(care_tasks.c.requested_at))
        ]
    return episode, tasks


def test_support_retimed_extended_then_the_discharge_cancelled(tmp_path: Path) -> None:
    store = ReadModel(f"sqlite:///{tmp_path / 'rm.db'}").create()
    ward = "SE2321000131-E000000000020"
    started = event("pathway_started", 1, 0, opened_by="hospital.patient_admitted", phase="inpatient",
                    admitting_unit=ward)  # fmt: skip
    end = at(24 + 14 * 24)
    support = event("support_started", 2, 24, to="lmv", support_ends_at=end, discharged_at=at(24),
                    lmv_unit=LMV, listed_vardcentral=VC)  # fmt: skip
    store.apply([started, support])
    episode, _ = state(store)
    assert (episode["phase"], episode["lmv_unit"], episode["hospital_unit"]) == (
        "lmv_support",
        LMV,
        ward,
    )

    corrected = event(
        "support_rescheduled", 3, 30, to="lmv", support_ends_at=at(20 + 14 * 24), discharged_at=at(20)
    )
    review = event("extension_review_requested", 4, 20 + 11 * 24, due_at=at(20 + 14 * 24))
    extended = event(
        "extension_granted", 5, 20 + 12 * 24, days=7, support_ends_at=at(20 + 21 * 24), decided_by=LMV
    )
    store.apply([corrected, review, extended, extended])  # the last one a redelivery
    episode, tasks = state(store)
    assert episode["support_ends_at"] == T0 + timedelta(hours=20 + 21 * 24)
    assert episode["discharged_at"] == T0 + timedelta(hours=20)
    assert (episode["phase"], tasks) == ("lmv_support", [("extension_review", "completed")])

    second_review = event("extension_review_requested", 6, 20 + 18 * 24, due_at=at(20 + 21 * 24))
    cancelled = event("discharge_cancelled", 7, 20 + 19 * 24, to="lmv", lmv_unit=LMV)
    store.apply([second_review, cancelled])
    episode, tasks = state(store)
    assert (episode["phase"], episode["discharged_at"], episode["support_ends_at"]) == (
        "inpatient",
        None,
        None,
    )
    assert tasks == [("extension_review", "completed"), ("extension_review", "cancelled")]
    store.close()


def test_a_step_published_late_moves_the_phase_forward_only(tmp_path: Path) -> None:
    store = ReadModel(f"sqlite:///{tmp_path / 'rm.db'}").create()
    end = at(24 + 14 * 24)
    review = event("extension_review_requested", 1, 24 + 11 * 24, due_at=end)
    extended = event(
        "extension_granted", 2, 24 + 12 * 24, days=7, support_ends_at=at(24 + 21 * 24), decided_by=LMV
    )
    # The discharge's outcome was held for the late-event grace: published after the review and the extension.
    support = event(
        "support_started", 3, 24, to="lmv", support_ends_at=end, discharged_at=at(24), lmv_unit=LMV
    )
    store.apply([review])
    assert state(store)[0]["phase"] == "extension_review"
    store.apply([extended, support])
    episode, tasks = state(store)
    assert (episode["phase"], episode["support_ends_at"]) == (
        "lmv_support",
        T0 + timedelta(hours=24 + 21 * 24),
    )
    assert episode["discharged_at"] == T0 + timedelta(hours=24)
    assert tasks == [("extension_review", "completed")]
    store.close()
