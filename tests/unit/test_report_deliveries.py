"""The delivery indicator: per receiver, the share of deliveries received within 15 minutes (read model)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from discharge.i18n import language
from discharge.readmodel.store import ReadModel
from discharge.report.build import build_report
from discharge.units import parse_unit_directory
from events.outbound.event import OutboundEvent
from workers.stack.web import DEMO_UNIT_DIRECTORY

LMV = "SE2321000131-E000000000200"
VC = "SE2321000131-E000000000101"
DISCHARGED = datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
KEY, EPISODE = "pk_" + "ab" * 16, "VE-1"


def event(number: int, type_: str, at: datetime, **fields: Any) -> dict[str, Any]:
    data = {"patient_key": KEY, "episode_id": EPISODE, **fields}
    return OutboundEvent(id=f"e-{number}", type=type_, time=at, data=data).cloudevent()


def received(number: int, receiver: str, message: str, minutes: float) -> dict[str, Any]:
    at = DISCHARGED + timedelta(minutes=minutes)
    return event(
        number,
        "delivery_received",
        at,
        receiver=receiver,
        message_id=message,
        delivered_type="support_started",
        delivered_at=DISCHARGED.isoformat(),
        received_at=at.isoformat(),
    )


def not_delivered(number: int, receiver: str, message: str) -> dict[str, Any]:
    return event(
        number,
        "escalation_raised",
        DISCHARGED + timedelta(hours=2),
        reason="not_delivered",
        to="coordinator",
        receiver=receiver,
        message_id=message,
        delivered_type="handover_requested",
    )


def test_each_receiver_gets_its_share_received_within_15_minutes_and_a_late_receipt_resolves(
    tmp_path: Path,
) -> None:
    store = ReadModel(f"sqlite:///{tmp_path / 'readmodel.db'}").create()
    ends = (DISCHARGED + timedelta(days=14)).isoformat()
    support = event(
        1, "support_started", DISCHARGED, to="lmv", support_ends_at=ends, discharged_at=DISCHARGED.isoformat()
    )
    store.apply(
        [
            support,
            received(2, LMV, "m-1", 4),  # in time
            received(3, VC, "m-1", 40),  # late
            not_delivered(4, VC, "m-2"),
            not_delivered(5, LMV, "m-3"),
            received(6, LMV, "m-3", 300),  # the receipt after all: received, late
            received(6, LMV, "m-3", 300),  # redelivered: changes nothing
        ]
    )
    store.apply([not_delivered(7, LMV, "m-1")])  # an escalation after the receipt never undoes it
    report = build_report(store, now=DISCHARGED + timedelta(days=1))
    rows = {row["receiver"]: row for row in report.indicators.deliveries}
    assert rows[LMV] == {
        "receiver": LMV,
        "deliveries": 2,
        "received": 2,
        "received_within_15_minutes": 1,
        "share_within_15_minutes": "1 of 2",
    }
    assert (rows[VC]["deliveries"], rows[VC]["received"], rows[VC]["received_within_15_minutes"]) == (2, 1, 0)
    assert "Leveranser mottagna inom 15 minuter, per mottagare" in report.html
    by_receiver = json.loads(report.json())["deliveries_received_within_15_minutes_by_receiver"]
    assert [row["receiver"] for row in by_receiver] == [VC, LMV]


def test_the_report_names_receivers_and_reasons_in_words_and_each_indicator_once(tmp_path: Path) -> None:
    store = ReadModel(f"sqlite:///{tmp_path / 'readmodel.db'}").create()
    ends = (DISCHARGED + timedelta(days=14)).isoformat()
    support = event(
        1, "support_started", DISCHARGED, to="lmv", support_ends_at=ends, discharged_at=DISCHARGED.isoformat()
    )
    store.apply([support, received(2, LMV, "m-1", 4), not_delivered(3, VC, "m-2")])
    directory = parse_unit_directory(DEMO_UNIT_DIRECTORY)
    page = build_report(store, now=DISCHARGED + timedelta(days=1), directory=directory).html
    assert '<html lang="sv">' in page
    assert "Vårdcentralen Centrum" in page and "Läkarmedverkan i hemsjukvården (LMV) Halland" in page
    assert "Leveransen inte kvitterad av mottagaren" in page  # not_delivered, in words (code in small type)
    cards = re.findall(r'<h2 class="k">([^<·]+)·', page)
    assert len(cards) == len(set(cards)) == 8, cards  # seed 003 numbers two indicators 5: 5 and 5b
    with language("en"):
        english = build_report(store, now=DISCHARGED + timedelta(days=1), directory=directory).html
    assert '<html lang="en">' in english and "Delivery not acknowledged by its receiver" in english
    assert "Vårdcentralen Centrum" in english
