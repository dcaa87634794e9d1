"""The one CloudEvents 1.0 envelope (JSON structured mode) every event the project makes is built with.

Outbound events, the demo's and the simulator's patients, the examples in docs/examples/, the benchmarks'
and the tests' events: each is ``cloudevent(...)``, so the attributes the contract names are spelt once.
Parsing and validating an envelope is the gateway's (events/inbound/envelopes.py).

Why not the CloudEvents SDK (``cloudevents`` on PyPI): its event is not a plain JSON object until it is
converted, it fills in an ``id`` and a ``time`` of its own when one is missing (ours are deterministic and
clinical), and it formats times its own way; our published bytes must stay as they are. Seven attributes
in a dict need no dependency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

SPECVERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"


def cloudevent(
    *,
    id: str,
    source: str,
    type: str,
    time: datetime | str,
    data: Any,
    **extensions: Any,
) -> dict[str, Any]:
    """One CloudEvent as the JSON object that is published; ``time`` RFC 3339 with its own offset.

    ``extensions`` are CloudEvents extension attributes (e.g. ``recipient`` on a delivery).
    """
    return {
        "specversion": SPECVERSION,
        "id": id,
        "source": source,
        "type": type,
        "time": time.isoformat() if isinstance(time, datetime) else time,
        "datacontenttype": JSON_CONTENT_TYPE,
        "data": data,
        **extensions,
    }
