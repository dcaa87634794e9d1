"""One patient's page from the read model: a patient key's newest pathway, as its outbound events tell it.

The page used to ask the pathway's workflow for its ``state`` on every view (issue 26). Everything it shows
is read here instead: where the pathway stands (``care_episodes``), the stay's facts (the indicators'
``pathways`` row), the timeline and who received each event (``pathway_events``), the receipts
(``deliveries``), the escalations with who took them (discharge/readmodel/inbox.py). No free text and no
identity are kept here: the pathway's own story (its ``log``, notes and reasons) stays a query made only when
someone asks for it (the page's "full event log").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from discharge.readmodel import freshness
from discharge.readmodel.care import care_episodes
from discharge.readmodel.freshness import Freshness
from discharge.readmodel.inbox import OpenEscalation, open_escalations
from discharge.readmodel.schema import deliveries, pathways, planning_confirmations
from discharge.readmodel.store import ReadModel
from discharge.readmodel.timeline import pathway_events
from workflows.api import DeliveryRecord

#: A delivery's outcome in the read model -> its status as the pathway's own record words it.
_STATUS = {"received": "received", "not_delivered": "not_delivered", "delivery_rejected": "rejected"}
#: The phases in which joint planning may still be missing a party's confirmation.
_PLANNING = ("inpatient", "joint_planning")


@dataclass(frozen=True)
class EventLine:
    """One outbound event of the pathway: the timeline's line and the messages' row."""

    event_id: str
    type: str
    at: datetime  # clinical time
    published_at: datetime
    receivers: tuple[str, ...]
    facts: dict[str, Any]


@dataclass(frozen=True)
class Extension:
    decided_at: datetime
    days: int
    decided_by: str | None
    new_support_ends_at: datetime | None


@dataclass(frozen=True)
class PatientPage:
    pathway_key: str
    patient_key: str
    episode_id: str | None
    phase: str
    outcome: str | None
    risk_level: str | None
    listed_vardcentral: str | None
    home_type: str | None
    lmv_enrolled: bool
    admitted_at: datetime | None
    discharged_at: datetime | None
    support_ends_at: datetime | None
    pending_task: str | None
    task_due_at: datetime | None
    first_lmv_contact_at: datetime | None
    lmv_unit: str | None
    events: list[EventLine] = field(default_factory=list)
    deliveries: list[DeliveryRecord] = field(default_factory=list)
    escalations: list[OpenEscalation] = field(default_factory=list)
    planning_confirmed: list[str] = field(default_factory=list)
    freshness: Freshness | None = None  # how current the read model is (the page's line under the facts)

    @property
    def extensions(self) -> list[Extension]:
        return [
            Extension(
                e.at,
                int(e.facts.get("days", 0)),
                e.facts.get("decided_by"),
                _moment(e.facts, "support_ends_at"),
            )
            for e in self.events
            if e.type == "extension_granted"
        ]

    @property
    def receipts(self) -> dict[tuple[str, str], DeliveryRecord]:
        """Each delivery by (event id, receiver): the messages' "To" column."""
        return {(d.message_id, d.recipient): d for d in self.deliveries}


def _moment(facts: dict[str, Any], name: str) -> datetime | None:
    value = facts.get(name)
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def newest_pathway_key(conn: Connection, patient_key: str) -> str | None:
    """The patient's current pathway: the one started last (a readmission opens a new one)."""
    row = conn.execute(
        sa.select(care_episodes.c.pathway_key)
        .where(care_episodes.c.patient_key == patient_key)
        .order_by(care_episodes.c.started_at.desc(), care_episodes.c.listed_at.desc())
        .limit(1)
    ).first()
    return None if row is None else str(row.pathway_key)


def read_patient(store: ReadModel, patient_key: str, receipt_timeout: timedelta | None) -> PatientPage | None:
    """The patient's newest pathway as the page shows it, or None when the read model has none."""
    with store.engine.connect() as conn:
        key = newest_pathway_key(conn, patient_key)
        if key is None:
            return None
        episode = conn.execute(sa.select(care_episodes).where(care_episodes.c.pathway_key == key)).one()
        stay = conn.execute(sa.select(pathways).where(pathways.c.pathway_key == key)).first()
        lines = _events(conn, key)
        outcomes = {
            (row.message_id, row.receiver): row.outcome
            for row in conn.execute(sa.select(deliveries).where(deliveries.c.pathway_key == key))
        }
        acting = _acting(conn, key)
        recorded = {
            str(row.party)
            for row in conn.execute(
                sa.select(planning_confirmations.c.party).where(planning_confirmations.c.pathway_key == key)
            )
        }
    facts: dict[str, Any] = dict(stay._mapping) if stay is not None else {}
    e = episode._mapping
    return PatientPage(
        pathway_key=key,
        patient_key=e["patient_key"],
        episode_id=e["episode_id"],
        phase=e["phase"],
        outcome=e["outcome"],
        risk_level=facts.get("risk_level"),
        listed_vardcentral=e["listed_vardcentral"],
        home_type=facts.get("home_type"),
        lmv_enrolled=bool(facts.get("lmv_enrolled")),
        admitted_at=facts.get("admitted_at"),
        discharged_at=e["discharged_at"],
        support_ends_at=e["support_ends_at"],
        pending_task=e["pending_task"],
        task_due_at=e["task_due_at"],
        first_lmv_contact_at=facts.get("first_lmv_contact_at"),
        lmv_unit=e["lmv_unit"],
        events=lines,
        deliveries=_deliveries(lines, outcomes, acting, receipt_timeout),
        escalations=open_escalations(store, [key]),
        planning_confirmed=_planning_confirmed(e["phase"], lines, recorded),
        freshness=freshness.read(store),
    )


def _events(conn: Connection, key: str) -> list[EventLine]:
    rows = conn.execute(
        sa.select(pathway_events)
        .where(pathway_events.c.pathway_key == key)
        .order_by(pathway_events.c.at, pathway_events.c.published_at, pathway_events.c.event_id)
    )
    return [
        EventLine(r.event_id, r.type, r.at, r.published_at, tuple(r.receivers.split()), dict(r.facts or {}))
        for r in rows
    ]


def _acting(conn: Connection, key: str) -> set[tuple[str, str]]:
    rows = conn.execute(
        sa.select(pathway_events.c.event_id, pathway_events.c.acting).where(
            pathway_events.c.pathway_key == key
        )
    )
    return {(row.event_id, hsa_id) for row in rows for hsa_id in row.acting.split()}


def _deliveries(
    lines: list[EventLine],
    outcomes: dict[tuple[str, str], str],
    acting: set[tuple[str, str]],
    receipt_timeout: timedelta | None,
) -> list[DeliveryRecord]:
    """Each event's delivery to each receiver, with its receipt: as the pathway's own record has them
    (workflows/rules/receipts.py), a receipt awaited from a receiver the event asks to act."""
    found = []
    for line in sorted(lines, key=lambda line: line.published_at):
        for receiver in line.receivers:
            status = _STATUS.get(outcomes.get((line.event_id, receiver), ""), "sent")
            awaited = status == "sent" and (line.event_id, receiver) in acting and receipt_timeout is not None
            found.append(
                DeliveryRecord(
                    message_id=line.event_id,
                    recipient=receiver,
                    event_type=line.type,
                    delivered_at=line.published_at,
                    due_at=line.published_at + receipt_timeout if awaited and receipt_timeout else None,
                    status=status,
                )
            )
    return found


def _planning_confirmed(phase: str, lines: list[EventLine], recorded: set[str]) -> list[str]:
    """Who has confirmed joint planning: past planning, both; during it, each party a
    ``joint_planning_confirmed`` names (runs from patch `one-patch-marker` on), else those the last
    ``planning_not_confirmed`` escalation does not name (older runs), and those the web page sent."""
    if phase not in _PLANNING:
        return ["lmv", "vardcentral"]
    missing: list[str] | None = None
    confirmed: set[str] = set()
    for line in lines:
        if line.type == "joint_planning_confirmed":
            confirmed.add(str(line.facts.get("party")))
        if line.type == "escalation_raised" and line.facts.get("reason") == "planning_not_confirmed":
            missing = list(line.facts.get("missing") or [])
    told = set() if missing is None else {party for party in ("lmv", "vardcentral") if party not in missing}
    return [party for party in ("lmv", "vardcentral") if party in told | recorded | confirmed]


def record_planning_confirmed(store: ReadModel, pathway_key: str, party: str, now: datetime) -> None:
    """The web page's record of a joint-planning confirmation it sent (the same one again: no change)."""
    where = sa.and_(
        planning_confirmations.c.pathway_key == pathway_key, planning_confirmations.c.party == party
    )
    with store.engine.begin() as conn:
        if conn.execute(sa.select(planning_confirmations.c.party).where(where)).first() is None:
            conn.execute(
                planning_confirmations.insert().values(pathway_key=pathway_key, party=party, confirmed_at=now)
            )


def record_decision(
    store: ReadModel, pathway_key: str, decision: str, support_ends_at: datetime | None, now: datetime
) -> None:
    """The web page's record of a decision the workflow accepted, before its outbound event comes: the person
    who decided sees the review closed on the next page (the events then set the same, or newer, facts)."""
    values: dict[str, Any] = {"pending_task": None, "task_due_at": None, "updated_at": now}
    if decision == "extend" and support_ends_at is not None:
        values.update(phase="lmv_support", support_ends_at=support_ends_at)
    where = sa.and_(
        care_episodes.c.pathway_key == pathway_key, care_episodes.c.pending_task == "extension_review"
    )
    with store.engine.begin() as conn:
        conn.execute(care_episodes.update().where(where).values(**values))
