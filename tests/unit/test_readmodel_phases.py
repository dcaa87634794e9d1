"""Where a pathway stands now, from its outbound events in the order the stream has them (issue 26)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from discharge.readmodel.phases import now_of
from events.outbound.data import OutboundData
from events.outbound.handover import HandoverCompleted, HandoverRequested
from events.outbound.pathway import DischargeCancelledOutbound, PathwayClosed, PathwayStarted
from events.outbound.support import ExtensionGranted, ExtensionReviewRequested, SupportStarted

END = datetime(2026, 12, 17, 9, 0, tzinfo=UTC)
M = TypeVar("M", bound=OutboundData)


def build(model: type[M], **fields: Any) -> M:
    """Only the fields the phases read (the projection matches on the model's class)."""
    return cast(M, model.model_construct(**fields))


def walk(*events: OutboundData) -> dict[str, Any]:
    """The ``pathway_now`` row after ``events``, applied as the store applies them."""
    row: dict[str, Any] = {}
    for event in events:
        values = now_of(event, row.get("phase")) or {}
        if "support_ends_at_if_empty" in values:
            end = values.pop("support_ends_at_if_empty")
            if row.get("support_ends_at") is None:
                values["support_ends_at"] = end
        row.update(values)
    return row


def test_a_review_then_a_granted_extension_then_a_handover_and_its_acceptance() -> None:
    started = walk(build(PathwayStarted), build(SupportStarted, support_ends_at=END))
    assert started == {
        "phase": "lmv_support",
        "support_ends_at": END,
        "pending_task": None,
        "task_due_at": None,
    }
    review = build(ExtensionReviewRequested, due_at=END)
    granted = build(ExtensionGranted, support_ends_at=END + timedelta(days=7))
    handover = build(HandoverRequested, due_at=END + timedelta(days=9))
    row = walk(build(PathwayStarted), build(SupportStarted, support_ends_at=END), review)
    assert (row["phase"], row["pending_task"], row["task_due_at"]) == (
        "extension_review",
        "extension_review",
        END,
    )
    row = walk(build(PathwayStarted), build(SupportStarted, support_ends_at=END), review, granted)
    assert (row["phase"], row["pending_task"], row["support_ends_at"]) == (
        "lmv_support",
        None,
        END + timedelta(7),
    )
    row = walk(build(PathwayStarted), handover)
    assert (row["phase"], row["pending_task"]) == ("handover", "handover_acceptance")
    assert row["task_due_at"] == END + timedelta(days=9)
    assert walk(build(PathwayStarted), handover, build(HandoverCompleted))["phase"] == "follow_up"


def test_a_support_start_held_for_the_grace_does_not_take_back_the_review_published_before_it() -> None:
    row = walk(
        build(PathwayStarted),
        build(ExtensionReviewRequested, due_at=END),
        build(SupportStarted, support_ends_at=END),
    )
    assert (row["phase"], row["pending_task"], row["support_ends_at"]) == (
        "extension_review",
        "extension_review",
        END,
    )


def test_a_cancelled_discharge_goes_back_and_a_closed_pathway_stays_closed() -> None:
    supported = (build(PathwayStarted), build(SupportStarted, support_ends_at=END))
    cancelled = walk(*supported, build(DischargeCancelledOutbound))
    assert (cancelled["phase"], cancelled["support_ends_at"]) == ("inpatient", None)
    closed = walk(*supported, build(PathwayClosed), build(DischargeCancelledOutbound))
    assert closed["phase"] == "closed" and closed["pending_task"] is None
    late = walk(*supported, build(PathwayClosed), build(ExtensionReviewRequested, due_at=END))
    assert late["phase"] == "closed" and late["pending_task"] is None
