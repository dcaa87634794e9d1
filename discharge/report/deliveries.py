"""The delivery indicator (issue 21): the share of deliveries received within 15 minutes, per receiver.

Counted over the deliveries whose outcome the read model knows: received (a ``delivery_received``), not
delivered or rejected (their escalations). A delivery still awaiting its receipt, or one that asked for none
and got none, is not counted yet. The time is from the pathway publishing the event to the receipt's time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

#: "Received in time": what the region follows up (seed of issue 21).
WITHIN = timedelta(minutes=15)


def received_within(
    deliveries: Iterable[dict[str, Any]], cohort: set[str] | None = None
) -> list[dict[str, Any]]:
    """One row per receiver: deliveries with an outcome, received, received within 15 minutes, the share."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for delivery in deliveries:
        if cohort is not None and delivery["pathway_key"] not in cohort:
            continue
        row = counts[delivery["receiver"]]
        row[0] += 1
        if delivery["outcome"] == "received":
            row[1] += 1
            delivered, received = delivery.get("delivered_at"), delivery.get("received_at")
            if delivered is not None and received is not None and received - delivered <= WITHIN:
                row[2] += 1
    return [
        {
            "receiver": receiver,
            "deliveries": total,
            "received": received,
            "received_within_15_minutes": within,
        }
        for receiver, (total, received, within) in sorted(counts.items())
    ]
