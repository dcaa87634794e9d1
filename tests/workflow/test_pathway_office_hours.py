"""Nights, weekends and holidays on the time-skipping server, under Region Halland's policy (the default):
a municipal concern goes to the beredskapsjour while the listed vårdcentral is closed, the vårdcentral's
two days to accept a handover are working days, and a pathway keeps the policy version it started with."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from discharge.settings_policy import policy_from_settings
from tests.inbound_events import OTHER_PATIENT, admitted, discharged, event, hours, risk
from tests.workflow.pathway_helpers import (
    published,
    running_worker,
    settings_for,
    until,
)
from workflows.policy import STOCKHOLM

HALLAND_ONCALL = "SE2321000131-E000000000400"
#: An escalation raised by an event waits for the late-event grace (DISCHARGE_LATE_EVENT_GRACE, 1 min).
GRACE = timedelta(minutes=2)
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "policy-vastra-gotaland.yaml"


def at_local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STOCKHOLM)


def next_day(after: datetime, wanted: object) -> date:
    """The first day after ``after`` (local) for which ``wanted(day)`` holds."""
    day = after.astimezone(STOCKHOLM).date() + timedelta(days=1)
    while not wanted(day):  # type: ignore[operator]
        day += timedelta(days=1)
    return day


def midsommarafton(after: datetime) -> date:
    """The Friday between 19 and 25 June (counted here, not by the holidays library), after ``after``."""
    return next_day(after, lambda d: d.month == 6 and 19 <= d.day <= 25 and d.weekday() == 4)


async def test_a_concern_goes_to_the_beredskapsjour_at_night_at_weekends_and_at_midsommar(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    closed = policy_from_settings(settings_for()).closed_days
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(risk(t0 + hours(1), "standard"))
        await until(pw, lambda v: v.risk_level == "standard")
        weekday = next_day(t0 + timedelta(days=1), lambda d: d.weekday() < 5 and d not in closed)
        saturday = next_day(t0 + timedelta(days=1), lambda d: d.weekday() == 5)
        cases = sorted(
            [
                (at_local(weekday, 2, 30), HALLAND_ONCALL),
                (at_local(weekday, 10), None),  # the listed vårdcentral is open
                (at_local(saturday, 12), HALLAND_ONCALL),
                (at_local(midsommarafton(t0), 10), HALLAND_ONCALL),  # a Friday, yet closed
            ],
            key=lambda case: case[0],
        )
        for n, (concern_at, routed) in enumerate(cases, start=1):
            await env.sleep(concern_at - await env.get_current_time())
            await pw.send(event("municipality.concern_raised", concern_at, urgency="acute", summary="fever"))
            await env.sleep(GRACE)
            escalation = (await published(pw, "escalation_raised", n))[n - 1]
            assert escalation.data["reason"] == "municipal_concern"
            assert escalation.data.get("routed_to") == routed, concern_at
            assert escalation.data["to"] == "vardcentral"
        view = await until(pw, lambda v: len(v.escalations) == 4)
        assert view.policy_version == "halland-2026-12-03"
        assert sum("routed to the on-call unit" in entry.summary for entry in view.log) == 3


async def test_a_handover_asked_for_on_friday_at_four_escalates_on_tuesday_not_sunday(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    closed = policy_from_settings(settings_for()).closed_days
    async with running_worker(env.client) as pw:
        t0 = await env.get_current_time()
        friday = next_day(
            t0 + timedelta(days=1),
            lambda d: (
                d.weekday() == 4 and not {d, d + timedelta(days=3), d + timedelta(days=4)} & set(closed)
            ),
        )
        asked = at_local(friday, 16)
        await pw.send(admitted(t0))
        await pw.send(risk(t0 + hours(1), "standard"))
        await env.sleep(asked - await env.get_current_time())
        await pw.send(discharged(asked))  # standard risk: the handover is asked for at discharge
        tuesday = at_local(friday + timedelta(days=4), 16)
        view = await until(pw, lambda v: v.pending_task == "handover_acceptance")
        assert view.task_due_at == tuesday

        await env.sleep(at_local(friday + timedelta(days=2), 17) - await env.get_current_time())  # Sunday
        await until(pw, lambda v: v.phase == "handover")
        assert "handover_not_accepted" not in pw.publisher.reasons()
        await env.sleep(tuesday + timedelta(minutes=5) - await env.get_current_time())
        view = await until(pw, lambda v: "handover_not_accepted" in v.escalations)
        assert view.escalations.count("handover_not_accepted") == 1


async def test_a_pathway_keeps_the_policy_version_it_started_with_after_the_file_changes(
    pathway_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    env = pathway_env
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(
        "version: first\nregion: Test\ndurations:\n  handover_accept_timeout: P2D\n", "utf-8"
    )
    # One pathway in the worker's cache: the first one's next event replays its history from the start.
    async with running_worker(
        env.client, discharge_policy_file=policy_file, discharge_worker_cached_pathways=1
    ) as pw:
        t0 = await env.get_current_time()
        await pw.send(admitted(t0))
        await pw.send(risk(t0 + hours(1), "standard"))
        await until(pw, lambda v: v.risk_level == "standard")
        policy_file.write_text(
            "version: second\nregion: Test\ndurations:\n  handover_accept_timeout: P5D\n", "utf-8"
        )
        await pw.send(admitted(t0 + hours(3), episode="ep-2"), patient=OTHER_PATIENT)
        await pw.send(risk(t0 + hours(3), "standard", episode="ep-2"), patient=OTHER_PATIENT)
        await pw.send(discharged(t0 + hours(4), episode="ep-2"), patient=OTHER_PATIENT)
        new = await until(pw, lambda v: v.pending_task == "handover_acceptance", patient=OTHER_PATIENT)
        assert new.policy_version == "second"
        assert new.task_due_at == t0 + hours(4) + timedelta(days=5)
        await pw.send(discharged(t0 + hours(2)))
        kept = await until(pw, lambda v: v.pending_task == "handover_acceptance")
        assert kept.policy_version == "first"
        assert kept.task_due_at == t0 + hours(2) + timedelta(days=2)


async def test_a_pathway_runs_under_the_second_regions_example_policy(
    pathway_env: WorkflowEnvironment,
) -> None:
    env = pathway_env
    async with running_worker(env.client, discharge_policy_file=EXAMPLE) as pw:
        t0 = await env.get_current_time()
        weekday = next_day(t0, lambda d: d.weekday() == 1)  # a Tuesday
        await pw.send(admitted(t0))
        await pw.send(risk(t0 + hours(1), "standard"))
        discharge_at = at_local(weekday, 9)
        await env.sleep(discharge_at - await env.get_current_time())
        await pw.send(discharged(discharge_at))
        view = await until(pw, lambda v: v.pending_task == "handover_acceptance")
        assert view.policy_version == "vgr-example-2026-12-03"
        closed = policy_from_settings(pw.settings).closed_days
        working_days = [
            d
            for d in (weekday + timedelta(days=n) for n in range(1, 10))
            if d.weekday() < 5 and d not in closed
        ]
        assert view.task_due_at == at_local(working_days[2], 9)  # three working days (P3D)
        night = at_local(weekday + timedelta(days=1), 23)
        await env.sleep(night - await env.get_current_time())
        await pw.send(event("municipality.concern_raised", night, urgency="non_acute", summary="falls"))
        await env.sleep(GRACE)
        escalation = (await published(pw, "escalation_raised"))[0]
        assert escalation.data["routed_to"] == "SE2321000131-E000000000710"  # VGR's on-call unit
