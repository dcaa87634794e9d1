"""The coordinator tables and the pathway story: local time, overdue marking, order, who/when/why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from discharge.cli import render
from discharge.views.times import due, local
from discharge.views.visibility import PathwayRow
from workflows.api import DecisionResult, ExtensionRecord, LogEntry, PathwayView

NOW = datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def _row(key: str, task: str | None, due: datetime | None, **extra: object) -> PathwayRow:
    fields: dict[str, object] = {
        "workflow_id": f"pathway-{key}",
        "patient_key": key,
        "phase": "extension_review" if task == "extension_review" else "handover",
        "risk_level": "high",
        "listed_vardcentral": "SE2321000131-E000000000101",
        "home_type": "own_home",
        "support_ends_at": due,
        "pending_task": task,
        "task_due_at": due,
        "escalated": False,
    }
    fields.update(extra)
    return PathwayRow(**fields)  # type: ignore[arg-type]


def test_times_are_shown_in_stockholm_time_across_summer_time() -> None:
    assert local(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == "2026-03-29 01:30"
    assert local(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "2026-03-29 03:30"
    assert local(None) == "-"


def test_an_overdue_task_says_so_and_a_future_one_says_when() -> None:
    assert due(NOW - timedelta(days=1, hours=2), NOW).endswith("(OVERDUE by 1 d 2 h)")
    assert due(NOW + timedelta(minutes=90), NOW).endswith("(in 1 h 30 min)")


def test_tasks_are_listed_soonest_first_with_the_overdue_count() -> None:
    rows = [
        _row("pk_later", "extension_review", NOW + timedelta(days=2)),
        _row("pk_overdue", "handover_acceptance", NOW - timedelta(hours=5), escalated=True),
        _row("pk_soon", "extension_review", NOW + timedelta(hours=3)),
    ]
    text = render.tasks_table(rows, NOW)
    lines = text.splitlines()
    order = [next(key for key in ("pk_overdue", "pk_soon", "pk_later") if key in line) for line in lines[2:5]]
    assert order == ["pk_overdue", "pk_soon", "pk_later"]
    assert "OVERDUE" in lines[2] and "YES" in lines[2]
    assert lines[0].split()[:5] == ["DUE", "TASK", "PATIENT", "KEY", "EPISODE"]
    assert "3 open task(s), 1 overdue" in text


def test_empty_listings_say_so() -> None:
    assert render.tasks_table([], NOW) == "No open tasks."
    assert render.pathways_table([], NOW) == "No running pathways match."


def test_pathways_table_has_a_column_per_fact() -> None:
    row = _row("pk_a", "extension_review", NOW + timedelta(days=2), episode_id="HS-2026-0042")
    text = render.pathways_table([row], NOW)
    header = text.splitlines()[0].split()
    assert header[:4] == ["PATIENT", "KEY", "EPISODE", "PHASE"]
    assert "HS-2026-0042" in text.splitlines()[2]  # the episode coordinators recognise
    assert "SE2321000131-E000000000101" in text and "extension_review" in text


def test_the_story_tells_who_decided_what_when_and_why() -> None:
    decided = datetime(2026, 3, 28, 9, 15, tzinfo=UTC)
    view = PathwayView(
        patient_key="pk_" + "a" * 32,
        episode_id="HS-1",
        phase="lmv_support",
        risk_level="high",
        listed_vardcentral="SE2321000131-E000000000101",
        home_type="own_home",
        lmv_enrolled=True,
        admitted_at=NOW - timedelta(days=20),
        discharged_at=NOW - timedelta(days=15),
        support_ends_at=NOW + timedelta(days=6),
        pending_task=None,
        task_due_at=None,
        escalated=False,
        escalations=[],
        extensions=[
            ExtensionRecord(
                days=7,
                reason="oxygen weaning",
                decided_by="SE2321000131-E000000000300",
                decided_at=decided,
                new_support_ends_at=NOW + timedelta(days=6),
            )
        ],
        first_lmv_contact_at=None,
        outcome=None,
        log=[
            LogEntry(
                at=decided,
                kind="decision",
                summary="extended by 7 days: oxygen weaning",
                actor="SE2321000131-E000000000300",
            )
        ],
    )
    story = render.pathway_story(view, NOW)
    assert "+7 d by SE2321000131-E000000000300 on 2026-03-28 10:15" in story  # winter time: UTC+1
    line = "2026-03-28 10:15  decision   extended by 7 days: oxygen weaning [SE2321000131-E000000000300]"
    assert line in story
    assert "Phase              lmv_support" in story


def test_decision_results_read_plainly() -> None:
    extended = DecisionResult(decision="extend", support_ends_at=NOW, message="ok")
    expected = "Extension granted: LMV support now ends 2026-03-30 10:00"
    assert render.decision_result(extended).startswith(expected)
    handover = DecisionResult(decision="handover", message="VC asked")
    assert render.decision_result(handover).startswith("Handover to the VC started.")
