"""The pathways page's search from the read model (issue 26): by patient, episode and vårdcentral, within each
role's scope, newest first, paged; and a store made before the listing's columns gets them at start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from discharge.principal import Principal
from discharge.readmodel.care import care_episodes
from discharge.readmodel.listing import Wanted, search
from discharge.readmodel.store import ReadModel
from events.outbound.escalation import EscalationRaised
from events.outbound.event import OutboundEvent
from events.outbound.pathway import Indicators, PathwayClosed, PathwayStarted
from events.outbound.support import ExtensionReviewRequested, SupportStarted
from workers.web import data
from workers.web.access import LMV_PHASES

VC1 = "SE2321000131-E000000000101"
VC2 = "SE2321000131-E000000000102"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
COORDINATOR = Principal(hsa_id="SE2321000131-E000000000300", name="K", role="coordinator")
VC_TWO = Principal(hsa_id="SE2321000131-E000000000301", name="V", role="vc", unit=VC2)


def key(n: int) -> str:
    return f"pk_{n:032x}"


def outbound(n: int, step: int, data: Any) -> dict[str, Any]:
    return OutboundEvent(
        id=f"ev-{n}-{step}", type=data.TYPE, time=T0 + timedelta(hours=step), data=data
    ).cloudevent()


def opened(n: int, vc: str) -> dict[str, Any]:
    return outbound(
        n,
        0,
        PathwayStarted(
            patient_key=key(n),
            episode_id=f"HS-{n}",
            opened_by="hospital.patient_admitted",
            phase="inpatient",
            listed_vardcentral=vc,
        ),
    )


def in_support(n: int, vc: str) -> list[dict[str, Any]]:
    support = SupportStarted(
        patient_key=key(n),
        episode_id=f"HS-{n}",
        to="lmv",
        listed_vardcentral=vc,
        support_ends_at=T0 + timedelta(days=14),
        risk_level="high",
    )
    return [opened(n, vc), outbound(n, 1, support)]


def closed(n: int) -> dict[str, Any]:
    figures = Indicators(
        risk_level="high",
        discharged_at=None,
        lmv_enrolled=True,
        hours_to_first_lmv_contact=None,
        support_days=None,
        extensions=0,
        extension_days=0,
        handover_within_original_period=None,
        vc_physician_visits=0,
        readmitted_within_window=False,
        outcome="deceased",
    )
    return outbound(
        n, 9, PathwayClosed(patient_key=key(n), episode_id=f"HS-{n}", outcome="deceased", indicators=figures)
    )


def escalated(n: int) -> dict[str, Any]:
    raised = EscalationRaised(
        patient_key=key(n), episode_id=f"HS-{n}", reason="first_contact_overdue", to="coordinator"
    )
    return outbound(n, 2, raised)


def seeded(tmp_path: Path) -> ReadModel:
    """2: VC2 in hospital; 1: VC1 in support, escalated, with a review due; 3: VC1, closed. Applied one
    pathway per batch in that order: the listing's newest first is the order the read model heard of them."""
    store = ReadModel(f"sqlite:///{tmp_path / 'rm.db'}").create()
    store.apply([opened(2, VC2)])
    review = ExtensionReviewRequested(patient_key=key(1), episode_id="HS-1", due_at=T0 + timedelta(days=11))
    store.apply([*in_support(1, VC1), escalated(1), outbound(1, 3, review)])
    store.apply([*in_support(3, VC1), closed(3)])
    return store


def keys(found: list[Any]) -> list[str]:
    return [item.patient_key for item in found]


def test_running_pathways_are_found_by_vardcentral_episode_and_patient_and_closed_ones_only_by_name(
    tmp_path: Path,
) -> None:
    store = seeded(tmp_path)
    everyone, _ = search(store, Wanted(), None, None, None, 25)
    assert keys(everyone) == [key(1), key(2)]  # newest first; the closed one is not running
    one = everyone[0]
    assert (one.phase, one.pending_task, one.risk_level, one.listed_vardcentral) == (
        "extension_review",
        "extension_review",
        "high",
        VC1,
    )
    assert keys(search(store, Wanted(vardcentral=VC1), None, None, None, 25)[0]) == [key(1)]
    assert keys(search(store, Wanted(patient_key=key(3)), None, None, None, 25)[0]) == [key(3)]
    assert keys(search(store, Wanted(episode_id="HS-3"), None, None, None, 25)[0]) == [key(3)]
    assert search(store, Wanted(episode_id="HS-9"), None, None, None, 25)[0] == []


def test_each_role_finds_only_its_own_patients(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    assert keys(search(store, Wanted(), LMV_PHASES, None, None, 25)[0]) == [key(1)]
    # A vårdcentral's patient in hospital is its own from the pathway's start (the stay's listed VC).
    assert keys(search(store, Wanted(), None, VC2, None, 25)[0]) == [key(2)]
    assert search(store, Wanted(patient_key=key(1)), None, VC2, None, 25)[0] == []
    assert search(store, Wanted(patient_key=key(3)), LMV_PHASES, None, None, 25)[0] == []  # closed: not LMV's


async def test_the_page_lists_from_the_read_model_with_escalations_and_pages_on(tmp_path: Path) -> None:
    store = seeded(tmp_path)
    first = await data.list_page(store, COORDINATOR, Wanted(), 1, None)
    assert [(row.patient_key, row.escalated) for row in first.rows] == [(key(1), True)]
    assert first.next_raw is not None
    second = await data.list_page(store, COORDINATOR, Wanted(), 1, first.next_raw)
    assert [(row.patient_key, row.escalated) for row in second.rows] == [(key(2), False)]
    assert second.next_raw is None
    mine = await data.list_page(store, VC_TWO, Wanted(), 25, None)
    assert [row.patient_key for row in mine.rows] == [key(2)]


def test_a_store_made_before_the_listing_columns_gets_them_at_start(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    added = {"pending_task", "task_due_at", "listed_at"}
    old = sa.MetaData()
    sa.Table("care_episodes", old, *(c._copy() for c in care_episodes.columns if c.name not in added))
    engine = sa.create_engine(url)
    old.create_all(engine)
    engine.dispose()
    store = ReadModel(url).create()
    columns = {column["name"] for column in sa.inspect(store.engine).get_columns("care_episodes")}
    assert added <= columns
    store.apply([*in_support(1, VC1)])
    assert keys(search(store, Wanted(), None, None, None, 25)[0]) == [key(1)]
