"""Where a pathway stands now, from its outbound events in the order the stream has them (issue 26): the
phase and the coordinator's open task of the one projection (discharge/readmodel/care.py's ``care_episodes``)
that the inbox, the pathways listing and the FHIR door read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from discharge.readmodel.care import episode_values
from events.outbound.data import OutboundData
from events.outbound.handover import HandoverCompleted, HandoverRequested, HandoverSummary
from events.outbound.pathway import DischargeCancelledOutbound, Indicators, PathwayClosed, PathwayStarted
from events.outbound.support import ExtensionGranted, ExtensionReviewRequested, SupportStarted

END = datetime(2026, 12, 17, 9, 0, tzinfo=UTC)
NO_DISCHARGE: dict[str, Any] = {"discharged_at": None}
M = TypeVar("M", bound=OutboundData)


def build(model: type[M], **fields: Any) -> M:
    """Only the fields the phases read (the projection matches on the model's class)."""
    return cast(M, model.model_construct(**fields))


def walk(*events: OutboundData) -> dict[str, Any]:
    """The ``care_episodes`` row's phase, support end and task after ``events``, applied as the store does."""
    row: dict[str, Any] = {}
    for event in events:
        row.update(episode_values(event, END, row))
    return {name: row.get(name) for name in ("phase", "support_ends_at", "pending_task", "task_due_at")}


def opened() -> PathwayStarted:
    return build(PathwayStarted, phase="inpatient")


def handover_requested(due: datetime) -> HandoverRequested:
    return build(
        HandoverRequested,
        due_at=due,
        to=None,
        summary=HandoverSummary.model_construct(**NO_DISCHARGE),
    )


def closing() -> PathwayClosed:
    return build(
        PathwayClosed,
        outcome="completed",
        indicators=Indicators.model_construct(**NO_DISCHARGE),
    )


def test_a_review_then_a_granted_extension_then_a_handover_and_its_acceptance() -> None:
    started = walk(opened(), build(SupportStarted, support_ends_at=END))
    assert started == {
        "phase": "lmv_support",
        "support_ends_at": END,
        "pending_task": None,
        "task_due_at": None,
    }
    review = build(ExtensionReviewRequested, due_at=END)
    granted = build(ExtensionGranted, support_ends_at=END + timedelta(days=7))
    handover = handover_requested(END + timedelta(days=9))
    row = walk(opened(), build(SupportStarted, support_ends_at=END), review)
    assert (row["phase"], row["pending_task"], row["task_due_at"]) == (
        "extension_review",
        "extension_review",
        END,
    )
    row = walk(opened(), build(SupportStarted, support_ends_at=END), review, granted)
    assert (row["phase"], row["pending_task"], row["support_ends_at"]) == (
        "lmv_support",
        None,
        END + timedelta(7),
    )
    row = walk(opened(), handover)
    assert (row["phase"], row["pending_task"]) == ("handover", "handover_acceptance")
    assert row["task_due_at"] == END + timedelta(days=9)
    assert walk(opened(), handover, build(HandoverCompleted, accepted_at=None))["phase"] == "follow_up"


def test_a_support_start_held_for_the_grace_does_not_take_back_the_review_published_before_it() -> None:
    row = walk(
        opened(),
        build(ExtensionReviewRequested, due_at=END),
        build(SupportStarted, support_ends_at=END),
    )
    assert (row["phase"], row["pending_task"], row["support_ends_at"]) == (
        "extension_review",
        "extension_review",
        END,
    )


def test_a_cancelled_discharge_goes_back_and_a_closed_pathway_stays_closed() -> None:
    supported = (opened(), build(SupportStarted, support_ends_at=END))
    cancelled = walk(*supported, build(DischargeCancelledOutbound))
    assert (cancelled["phase"], cancelled["support_ends_at"]) == ("inpatient", None)
    closed = walk(*supported, closing(), build(DischargeCancelledOutbound))
    assert closed["phase"] == "closed" and closed["pending_task"] is None
    late = walk(*supported, closing(), build(ExtensionReviewRequested, due_at=END))
    assert late["phase"] == "closed" and late["pending_task"] is None
