"""The patient page from the read model (discharge/readmodel/patient.py, timeline.py): the timeline of the
pathway's outbound events in clinical time, who received each and their receipts, the escalations with who
took them, the newest pathway of a readmitted patient, a decision seen at once, and no identity on disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from discharge.readmodel.inbox import record_acknowledgement
from discharge.readmodel.patient import read_patient, record_decision, record_planning_confirmed
from discharge.readmodel.store import ReadModel
from events.outbound.names import OUTBOUND_SOURCE

KEY = "pk_" + "d" * 32
LMV = "SE2321000131-E000000000200"
VC = "SE2321000131-E000000000101"
IDENTITY = "195001011234"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
RECEIPT_TIMEOUT = timedelta(hours=2)


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def event(type_: str, id_: str, hours: float, episode: str = "ep-1", **data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": id_,
        "source": OUTBOUND_SOURCE,
        "type": f"discharge.{type_}",
        "time": at(hours),
        "data": {"patient_key": KEY, "episode_id": episode, **data},
    }


def store_at(tmp_path: Path) -> ReadModel:
    return ReadModel(f"sqlite:///{tmp_path / 'rm.db'}", lmv_unit=LMV).create()


STARTED = event("pathway_started", "e-start", 0, opened_by="hospital.patient_admitted", phase="inpatient",
                listed_vardcentral=VC)  # fmt: skip
# To LMV by role only (no lmv_unit in it): the region's LMV unit receives it, with the identity.
PLANNING = event("joint_planning_requested", "e-plan", 1, to=["lmv", "vardcentral"], listed_vardcentral=VC,
                 patient={"id": IDENTITY})  # fmt: skip
NOT_CONFIRMED = event("escalation_raised", "e-esc0", 30, reason="planning_not_confirmed", to="coordinator",
                      missing=["vardcentral"], escalation_index=0)  # fmt: skip
SUPPORT = event("support_started", "e-support", 48, to="lmv", support_ends_at=at(48 + 14 * 24),
                discharged_at=at(48), admitted_at=at(0), risk_level="high", home_type="own_home",
                lmv_unit=LMV, listed_vardcentral=VC, patient={"id": IDENTITY})  # fmt: skip
RECEIVED = event("delivery_received", "e-rcpt", 48.5, receiver=LMV, message_id="e-support",
                 delivered_type="support_started", delivered_at=at(48), received_at=at(48.25))  # fmt: skip
NOT_DELIVERED = event("escalation_raised", "e-esc1", 50, reason="not_delivered", to="coordinator",
                      receiver=VC, message_id="e-plan", delivered_type="joint_planning_requested",
                      escalation_index=1)  # fmt: skip
# Published at 60 h, the contact itself was at 52 h: clinical time puts it before the extension review.
CONTACT = event("physician_contact_recorded", "e-contact", 60, party="lmv", kind="home_visit",
                contact_at=at(52), first_lmv_contact=True, hours_since_discharge=4.0)  # fmt: skip
REVIEW = event("extension_review_requested", "e-review", 55, due_at=at(48 + 14 * 24))


def test_the_timeline_is_every_outbound_event_in_clinical_time_with_who_received_it(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.apply([STARTED, PLANNING, NOT_CONFIRMED, SUPPORT, RECEIVED, NOT_DELIVERED, CONTACT, REVIEW])
    store.apply([CONTACT, RECEIVED])  # redelivered: nothing changes
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None
    assert [line.type for line in page.events] == [
        "pathway_started",
        "joint_planning_requested",
        "escalation_raised",
        "support_started",
        "delivery_received",
        "escalation_raised",
        "physician_contact_recorded",
        "extension_review_requested",
    ]
    receivers = {line.event_id: line.receivers for line in page.events}
    # Who actually gets each event: the fan-out's receivers, not every party the type may have.
    assert receivers["e-plan"] == (LMV, VC)
    assert receivers["e-support"] == (LMV,)
    assert receivers["e-start"] == (VC,)  # no LMV unit named and not addressed to LMV by role
    assert receivers["e-contact"] == ()  # the coordinators' only: no delivery
    assert page.events[2].facts == {"reason": "planning_not_confirmed", "to": "coordinator",
                                    "missing": ["vardcentral"], "escalation_index": 0}  # fmt: skip
    statuses = {(d.message_id, d.recipient): (d.status, d.due_at) for d in page.deliveries}
    assert statuses[("e-support", LMV)] == ("received", None)
    assert statuses[("e-plan", VC)] == ("not_delivered", None)
    # Asked to act, no receipt yet: awaited by the receipt timeout.
    assert statuses[("e-plan", LMV)] == ("sent", T0 + timedelta(hours=1) + RECEIPT_TIMEOUT)
    assert statuses[("e-start", VC)] == ("sent", None)  # not asked to act: no receipt awaited
    assert (page.phase, page.risk_level, page.home_type, page.lmv_enrolled) == (
        "extension_review",
        "high",
        "own_home",
        True,
    )
    assert page.pending_task == "extension_review" and page.listed_vardcentral == VC
    assert page.admitted_at == T0 and page.first_lmv_contact_at == T0 + timedelta(hours=52)
    assert [(e.ordinal, e.reason, e.receiver) for e in page.escalations] == [
        (0, "planning_not_confirmed", None),
        (1, "not_delivered", VC),
    ]


def test_planning_confirmations_as_far_as_the_escalation_tells_and_acknowledgements_beside(
    tmp_path: Path,
) -> None:
    store = store_at(tmp_path)
    store.apply([STARTED, PLANNING])
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None and page.phase == "joint_planning" and page.planning_confirmed == []
    record_planning_confirmed(store, f"{KEY}/ep-1", "vardcentral", T0)  # sent from the web page
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None and page.planning_confirmed == ["vardcentral"]
    store.apply([NOT_CONFIRMED])
    record_acknowledgement(store, f"{KEY}/ep-1", 0, "SE2321000131-E000000000900", "Kim Coordinator", T0)
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None and page.planning_confirmed == ["lmv", "vardcentral"]
    [escalation] = page.escalations
    assert escalation.acknowledgement is not None
    assert escalation.acknowledgement.name == "Kim Coordinator"


def test_the_newest_pathway_of_a_readmitted_patient_is_the_one_shown_and_an_unknown_key_has_none(
    tmp_path: Path,
) -> None:
    store = store_at(tmp_path)
    later = event("pathway_started", "e-start-2", 400, episode="ep-2", opened_by="hospital.patient_admitted",
                  phase="inpatient", listed_vardcentral=VC)  # fmt: skip
    store.apply([later, STARTED])  # applied out of order: the one started last is still the newest
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None and page.episode_id == "ep-2" and page.pathway_key == f"{KEY}/ep-2"
    assert read_patient(store, "pk_" + "e" * 32, RECEIPT_TIMEOUT) is None


def test_a_decision_is_seen_at_once_and_its_event_then_agrees(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.apply([STARTED, SUPPORT, REVIEW])
    new_end = T0 + timedelta(hours=48 + 21 * 24)
    record_decision(store, f"{KEY}/ep-1", "extend", new_end, datetime.now(UTC))
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None
    assert (page.phase, page.pending_task, page.support_ends_at) == ("lmv_support", None, new_end)
    granted = event("extension_granted", "e-ext", 56, days=7, support_ends_at=new_end.isoformat(),
                    decided_by="SE2321000131-E000000000900")  # fmt: skip
    store.apply([granted])
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None
    assert (page.phase, page.pending_task, page.support_ends_at) == ("lmv_support", None, new_end)
    [extension] = page.extensions
    assert (extension.days, extension.new_support_ends_at) == (7, new_end)


def test_no_identity_reaches_the_read_models_file(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.apply([STARTED, PLANNING, NOT_CONFIRMED, SUPPORT, RECEIVED, NOT_DELIVERED, CONTACT, REVIEW])
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None and len(page.events) == 8
    store.close()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir())  # the database, its WAL too
    assert KEY.encode() in stored  # the rows are there, in plain bytes
    assert IDENTITY.encode() not in stored and IDENTITY[2:].encode() not in stored


def test_a_confirmation_from_any_door_shows_from_the_pathways_own_event(tmp_path: Path) -> None:
    """A VC's system confirmed over NATS: no web record, no escalation, the pathway's event tells."""
    store = store_at(tmp_path)
    store.apply([STARTED, PLANNING])
    confirmed = event("joint_planning_confirmed", "e-conf", 3, party="vardcentral", unit=VC,
                      confirmed_at=at(2.5), complete=False)  # fmt: skip
    store.apply([confirmed])
    page = read_patient(store, KEY, RECEIPT_TIMEOUT)
    assert page is not None and page.phase == "joint_planning" and page.planning_confirmed == ["vardcentral"]
    [line] = [line for line in page.events if line.type == "joint_planning_confirmed"]
    assert line.at == T0 + timedelta(hours=2.5)  # in clinical time: the confirmation's own
