"""`discharge pathways | tasks | show | decide` against the real workflow on a real Temporal server.

The CLI runs in-process exactly as a user runs it (`main([...])`, settings from the environment);
the pathways are driven by real inbound events through signal-with-start, as the gateway does, and
a worker runs the real PatientPathway with a recording outbound publisher.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from discharge.cli import coordinator, render
from discharge.cli.main import main
from discharge.settings import Settings
from discharge.temporal_client import signal_with_start
from events.identity import luhn_check_digit, resolve_patient, workflow_id_for
from events.inbound import parse_inbound
from events.outbound import OutboundEvent
from workers.stack.servers import free_port
from workers.worker import build_worker
from workflows.api import QUERY_STATE, PathwayEvent, PathwayView

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:8]
# A secret of this module's own: its patients' workflow IDs cannot meet another test's.
SECRET = f"cli-test-secret-{RUN}"
TASK_QUEUE = f"cli-test-{RUN}"
NOW = datetime.now(UTC).replace(microsecond=0)
HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
PAL = "SE2321000131-E000000000011"
COORDINATOR = "SE2321000131-E000000000300"
VC = "SE2321000131-E000000000101"


def _personnummer(birth: str, serial: str) -> str:
    return f"{birth}-{serial}{luhn_check_digit((birth + serial)[2:])}"


REVIEW = _personnummer("19041103", "482")  # high risk, discharged 12 days ago: review open
HANDOVER = _personnummer("19061212", "395")  # standard risk, discharged yesterday: VC to accept
OVERDUE = _personnummer("19020707", "614")  # standard risk, discharged 3 days ago: acceptance overdue
UNKNOWN = _personnummer("19030303", "227")  # never had a pathway


class Recorder:
    def __init__(self) -> None:
        self.events: list[OutboundEvent] = []

    async def publish(self, event: OutboundEvent) -> None:
        self.events.append(event)


def _key(identity: str) -> str:
    return resolve_patient(identity, SECRET)


def _event(identity: str, number: int, type_: str, ago: timedelta, **data: Any) -> PathwayEvent:
    document = {
        "specversion": "1.0",
        "id": f"cli-{RUN}-{identity[-4:]}-{number}",
        "source": HOSPITAL,
        "type": type_,
        "time": (NOW - ago).isoformat(),
        "data": {"patient": {"id": identity}, **data},
    }
    return PathwayEvent(patient_key=_key(identity), event=parse_inbound(json.dumps(document)))


def _stay(identity: str, level: str, discharged_days_ago: int) -> list[PathwayEvent]:
    episode = {"episode_id": f"HS-{identity[-4:]}"}
    days = timedelta(days=discharged_days_ago)
    return [
        _event(identity, 1, "hospital.patient_admitted", days + timedelta(days=5), **episode,
               unit="SE2321000131-E000000000010", admission="unplanned", listed_vardcentral=VC),
        _event(identity, 2, "hospital.risk_assessed", days + timedelta(days=4), **episode,
               level=level, assessed_by=PAL),
        _event(identity, 3, "hospital.patient_discharged", days, **episode, home_type="own_home"),
    ]  # fmt: skip


async def _state(client: Client, identity: str) -> PathwayView:
    handle = client.get_workflow_handle(workflow_id_for(_key(identity)))
    view: PathwayView = await handle.query(QUERY_STATE, result_type=PathwayView)
    return view


async def _eventually(probe: Callable[[], Any], check: Callable[[Any], bool]) -> Any:
    """Poll (bounded) until ``check`` holds: workflows and visibility catch up asynchronously."""
    value = None
    for _ in range(100):
        value = await probe()
        if check(value):
            return value
        await asyncio.sleep(0.1)
    return value


def _in_phase(phase: str, view: PathwayView) -> bool:
    return view.phase == phase


@dataclass
class Cli:
    code: int
    out: str
    err: str


@pytest.fixture(scope="module")
async def pathways(temporal_env: WorkflowEnvironment) -> AsyncIterator[Client]:
    """Three pathways in a running worker: a review due, a handover waiting, a handover overdue."""
    client = temporal_env.client
    # The stays are dated in the past: their deadlines are acted on once the events are in (a short grace).
    settings = Settings(
        temporal_task_queue=TASK_QUEUE,
        discharge_patient_key_secret=SECRET,
        discharge_late_event_grace=timedelta(seconds=1),
    )
    async with build_worker(client, settings, Recorder()):
        for identity, level, days in (
            (REVIEW, "high", 12),
            (HANDOVER, "standard", 1),
            (OVERDUE, "standard", 3),
        ):
            for event in _stay(identity, level, days):
                await signal_with_start(client, TASK_QUEUE, event)
        expected = {REVIEW: "extension_review", HANDOVER: "handover", OVERDUE: "handover"}
        for identity, phase in expected.items():
            view = await _eventually(partial(_state, client, identity), partial(_in_phase, phase))
            assert view.phase == phase
        yield client
        for identity in (REVIEW, HANDOVER, OVERDUE):
            await client.get_workflow_handle(workflow_id_for(_key(identity))).terminate("test finished")


@pytest.fixture
def cli(
    temporal_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Any]:
    """Run `discharge ...` in-process with this test's Temporal server and secret in the environment."""
    monkeypatch.setenv("TEMPORAL_ADDRESS", temporal_env.client.service_client.config.target_host)
    monkeypatch.setenv("TEMPORAL_TASK_QUEUE", TASK_QUEUE)
    monkeypatch.setenv("DISCHARGE_PATIENT_KEY_SECRET", SECRET)

    async def run(*argv: str) -> Cli:
        capsys.readouterr()
        try:
            await asyncio.to_thread(main, list(argv))
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = capsys.readouterr()
        return Cli(code, captured.out, captured.err)

    return run


def _line_of(text: str, identity: str) -> str:
    return next((line for line in text.splitlines() if _key(identity) in line), "")


async def test_tasks_lists_open_tasks_soonest_due_first_with_the_overdue_marked(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    ours = [_key(OVERDUE), _key(HANDOVER), _key(REVIEW)]

    async def tasks() -> Cli:
        result: Cli = await cli("tasks")
        return result

    result = await _eventually(tasks, lambda r: all(key in r.out for key in ours))
    assert result.code == 0
    order = sorted(ours, key=result.out.index)
    assert order == ours  # overdue (due yesterday), handover (due tomorrow), review (due in 2 days)
    assert "OVERDUE" in _line_of(result.out, OVERDUE) and "handover_acceptance" in _line_of(
        result.out, OVERDUE
    )
    assert "OVERDUE" not in _line_of(result.out, REVIEW) and "extension_review" in _line_of(
        result.out, REVIEW
    )

    overdue = await cli("tasks", "--overdue", "--json")
    keys = {item["patient_key"] for item in json.loads(overdue.out)}
    assert _key(OVERDUE) in keys and _key(REVIEW) not in keys and _key(HANDOVER) not in keys


async def test_pathways_filters_by_phase_and_reads_the_search_attributes(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    async def in_review() -> Cli:
        result: Cli = await cli("pathways", "--phase", "extension_review", "--json")
        return result

    result = await _eventually(in_review, lambda r: _key(REVIEW) in r.out)
    rows = {item["patient_key"]: item for item in json.loads(result.out)}
    assert _key(HANDOVER) not in rows
    review = rows[_key(REVIEW)]
    assert (review["risk_level"], review["listed_vardcentral"], review["pending_task"]) == (
        "high",
        VC,
        "extension_review",
    )
    table = await cli("pathways", "--vardcentral", VC)
    assert result.code == table.code == 0
    assert "extension_review" in _line_of(table.out, REVIEW) and "handover" in _line_of(table.out, HANDOVER)


async def test_bad_decisions_are_refused_plainly_and_change_nothing(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    before = await _state(pathways, HANDOVER)
    by = ("--by", COORDINATOR)

    too_long = await cli("decide", REVIEW, "extend", "--days", "15", "--reason", "needs more", *by)
    assert (too_long.code, too_long.err.strip()) == (2, "discharge: --days: an extension is 1 to 14 days")
    no_days = await cli("decide", REVIEW, "extend", "--reason", "needs more", *by)
    assert no_days.code == 2 and "--days" in no_days.err
    bad_by = await cli("decide", REVIEW, "extend", "--days", "3", "--reason", "x", "--by", "Dr Nilsson")
    assert bad_by.code == 2 and "--by: expected an HSA-id" in bad_by.err
    no_reason = await cli("decide", REVIEW, "extend", "--days", "3", "--reason", " ", *by)
    assert no_reason.code == 2 and "--reason" in no_reason.err

    # The pathway's own validator: its open task is the VC's acceptance, not an extension review.
    refused = await cli("decide", HANDOVER, "extend", "--days", "3", "--reason", "wait and see", *by)
    assert refused.code == 1
    assert refused.err.startswith("discharge: decision refused, nothing changed: ")
    assert "handover acceptance" in refused.err and "Traceback" not in refused.err
    assert await _state(pathways, HANDOVER) == before

    unknown = await cli("decide", UNKNOWN, "handover", "--reason", "stable", *by)
    assert unknown.code == 1 and f"no running pathway for patient {_key(UNKNOWN)}" in unknown.err
    assert UNKNOWN not in unknown.err  # the personnummer is never echoed back


async def test_an_extension_is_decided_then_shown_and_a_second_one_refused(
    pathways: Client, cli: Callable[..., Any]
) -> None:
    before = await _state(pathways, REVIEW)
    assert before.pending_task == "extension_review" and before.support_ends_at is not None
    reason = "Oxygen weaning not finished"
    decided = await cli("decide", REVIEW, "extend", "--days", "7", "--reason", reason, "--by", COORDINATOR)
    assert decided.code == 0, decided.err
    after = await _state(pathways, REVIEW)
    assert after.phase == "lmv_support" and after.pending_task is None
    assert [(e.days, e.reason, e.decided_by) for e in after.extensions] == [(7, reason, COORDINATOR)]
    assert after.support_ends_at is not None and after.support_ends_at > before.support_ends_at
    assert decided.out.strip().startswith(
        f"Extension granted: LMV support now ends {render.local(after.support_ends_at)}."
    )

    again = await cli(
        "decide", _key(REVIEW), "extend", "--days", "2", "--reason", "more", "--by", COORDINATOR
    )
    assert again.code == 1 and "decision refused, nothing changed" in again.err
    assert await _state(pathways, REVIEW) == after

    shown = await cli("show", REVIEW)
    assert shown.code == 0
    assert "Phase              lmv_support" in shown.out
    assert f"+7 d by {COORDINATOR}" in shown.out and reason in shown.out
    assert f"extended by 7 days: {reason} [{COORDINATOR}]" in shown.out  # the history: who, why
    assert "risk assessed: high" in shown.out and REVIEW not in shown.out
    as_json = await cli("show", _key(REVIEW), "--json")
    assert PathwayView.model_validate_json(as_json.out) == after


async def test_show_of_a_patient_without_a_pathway_says_so(cli: Callable[..., Any]) -> None:
    result = await cli("show", UNKNOWN)
    assert (result.code, result.out) == (1, "")
    assert result.err.strip() == f"discharge: no pathway for patient {_key(UNKNOWN)}"


async def test_an_unreachable_temporal_is_one_clear_line(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("TEMPORAL_ADDRESS", f"127.0.0.1:{port}")
    result = await cli("tasks")
    assert result.code == 1
    assert result.err.startswith(
        f"discharge: cannot reach Temporal at 127.0.0.1:{port} (namespace default): "
    )
    assert len(result.err.strip().splitlines()) == 1


async def test_a_pathway_whose_worker_is_down_is_one_clear_line_not_a_hang(
    temporal_env: WorkflowEnvironment, cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = temporal_env.client
    stranded = _personnummer("19080808", "531")
    event = _stay(stranded, "high", 1)[0]
    await signal_with_start(client, f"nobody-polls-{RUN}", event)  # no worker on this queue
    monkeypatch.setattr(coordinator, "ANSWER_TIMEOUT", timedelta(seconds=1))
    try:
        decided = await cli("decide", stranded, "handover", "--reason", "stable", "--by", COORDINATOR)
        assert decided.code == 1
        assert decided.err.strip() == (
            f"discharge: no answer from the pathway of {_key(stranded)} within 1 s: is a worker running?"
        )
        shown = await cli("show", stranded)
        assert (shown.code, shown.err) == (1, decided.err)
    finally:
        await client.get_workflow_handle(workflow_id_for(_key(stranded))).terminate("test finished")
