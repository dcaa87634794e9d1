"""The coordinators' inbox from the read model: each escalation numbered as the workflow numbers it, a
delivery's escalation names its receiver, one resolved by a receipt is gone, an acknowledgement shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from discharge.readmodel import freshness
from discharge.readmodel.inbox import open_escalations, record_acknowledgement
from discharge.readmodel.store import ReadModel
from events.outbound.escalation import EscalationRaised
from events.outbound.event import OutboundEvent
from events.outbound.receipts import DeliveryReceived

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
VC = "SE2321000131-E000000000101"
LMV = "SE2321000131-E000000000200"
KEY = "pk_" + "ab" * 16
PATHWAY = f"{KEY}/HS-1"


def escalation(n: int, reason: str, **fields: Any) -> dict[str, Any]:
    data = EscalationRaised(patient_key=KEY, episode_id="HS-1", reason=reason, to="coordinator", **fields)
    return OutboundEvent(
        id=f"esc-{n}", type="escalation_raised", time=AT + timedelta(hours=n), data=data
    ).cloudevent()


def not_delivered(n: int, receiver: str, message_id: str) -> dict[str, Any]:
    return escalation(
        n,
        "not_delivered",
        receiver=receiver,
        message_id=message_id,
        delivered_type="joint_planning_requested",
    )


def received(receiver: str, message_id: str) -> dict[str, Any]:
    data = DeliveryReceived(
        patient_key=KEY,
        episode_id="HS-1",
        receiver=receiver,
        message_id=message_id,
        delivered_type="joint_planning_requested",
        delivered_at=AT,
        received_at=AT + timedelta(hours=5),
    )
    return OutboundEvent(id=f"rcv-{message_id}", type="delivery_received", time=AT, data=data).cloudevent()


def test_escalations_are_numbered_in_raise_order_a_resolved_one_is_gone_and_an_acknowledgement_shows(
    tmp_path: Path,
) -> None:
    store = ReadModel(f"sqlite:///{tmp_path / 'rm.db'}").create()
    try:
        store.apply(
            [
                not_delivered(0, VC, "m-1"),
                not_delivered(1, LMV, "m-2"),
                escalation(2, "first_contact_overdue"),
                received(VC, "m-1"),
            ]
        )
        record_acknowledgement(store, PATHWAY, 2, "SE2321000131-E000000000900", "Kim Koordinator", AT)
        listed = sorted(
            (item.ordinal, item.reason, item.receiver, item.acknowledgement is not None)
            for item in open_escalations(store, [PATHWAY, f"{KEY}/HS-other"])
        )
        assert listed == [(1, "not_delivered", LMV, False), (2, "first_contact_overdue", None, True)]
        # Redelivered events and a second record of the acknowledgement change nothing.
        store.apply([escalation(2, "first_contact_overdue"), received(VC, "m-1")])
        record_acknowledgement(store, PATHWAY, 2, "SE2321000131-E000000000900", "Kim Koordinator", AT)
        assert len(open_escalations(store, [PATHWAY])) == 2
    finally:
        store.close()


def test_the_page_knows_how_far_behind_the_read_model_may_be(tmp_path: Path) -> None:
    store = ReadModel(f"sqlite:///{tmp_path / 'rm.db'}").create()
    try:
        assert freshness.read(store).behind(AT) is None  # never caught up: the page says so
        freshness.mark(store, AT, caught_up=False, last_event_at=AT - timedelta(milliseconds=300))
        assert freshness.read(store).behind(AT) is None
        assert freshness.read(store).last_lag == timedelta(milliseconds=300)
        freshness.mark(store, AT + timedelta(seconds=1), caught_up=True)
        assert freshness.read(store).behind(AT + timedelta(seconds=4)) == timedelta(seconds=3)
    finally:
        store.close()


def test_a_concern_routed_to_the_beredskapsjour_names_it_in_the_inbox(tmp_path: Path) -> None:
    oncall = "SE2321000131-E000000000400"
    store = ReadModel(f"sqlite:///{tmp_path / 'rm.db'}").create()
    try:
        store.apply(
            [escalation(0, "municipal_concern"), escalation(1, "municipal_concern", routed_to=oncall)]
        )
        listed = sorted((item.ordinal, item.receiver) for item in open_escalations(store, [PATHWAY]))
        assert listed == [(0, None), (1, oncall)]
    finally:
        store.close()
