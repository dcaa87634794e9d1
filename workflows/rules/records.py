"""What a pathway records of things that are not events of its ledger: a duplicate, an acknowledgement.

They were rules inside the workflow class; here, like every other rule, they change a `PathwayState` and
know nothing of Temporal.
"""

from __future__ import annotations

from datetime import datetime

from events.inbound.envelopes import InboundEvent
from workflows.api import AcknowledgementRecord, LogEntry
from workflows.rules.state import PathwayState

#: How a duplicate is recorded: `ledger.kept_across_derivation` keeps these lines when it re-derives.
DUPLICATE_SUMMARY = "duplicate event (same source and id): no second effect"


def record_duplicate(state: PathwayState, event: InboundEvent, now: datetime) -> None:
    """The same source and id again: the one thing a pathway ignores (redeliveries, resends)."""
    state.log.append(
        LogEntry(at=now, kind="ignored", summary=DUPLICATE_SUMMARY, actor=event.source, event_type=event.type)
    )


def record_acknowledgement(state: PathwayState, record: AcknowledgementRecord, now: datetime) -> None:
    """Someone took on an escalation (the web page's update): a line of the pathway's story."""
    state.log.append(
        LogEntry(
            at=now,
            kind="acknowledged",
            summary=f"escalation {record.reason} acknowledged",
            actor=record.acknowledged_by,
        )
    )
