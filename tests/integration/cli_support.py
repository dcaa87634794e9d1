"""What the CLI command tests share: their patients, a worker's pathways for them, and `discharge` in-process.

The CLI runs in-process exactly as a user runs it (`main([...])`, settings from the environment); the
pathways are driven by real inbound events through signal-with-start, as the gateway does, and a worker
runs the real PatientPathway with a recording outbound publisher.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from discharge.cli.main import main
from discharge.keyring import read_ring, write_ring
from discharge.settings import Settings
from discharge.temporal_client import signal_with_start
from events.cloudevent import cloudevent
from events.identity import luhn_check_digit, resolve_patient, workflow_id_for
from events.inbound.parsing import parse_inbound
from tests.workflow.pathway_helpers import RecordingPublisher
from workers.worker import build_worker
from workflows.actor import gateway_for
from workflows.api import PathwayEvent, PathwayView
from workflows.names import QUERY_STATE

RUN = uuid.uuid4().hex[:8]
# A secret of this module's own: its patients' workflow IDs cannot meet another test's.
SECRET = f"cli-test-secret-{RUN}"
TASK_QUEUE = f"cli-test-{RUN}"
NOW = datetime.now(UTC).replace(microsecond=0)
HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
PAL = "SE2321000131-E000000000011"
COORDINATOR = "SE2321000131-E000000000300"
VC = "SE2321000131-E000000000101"
#: The person at the terminal: the holder of the tests' key ring, whom `show` and `decide` run --as.
OPS = "SE2321000131-E000000000900"
#: The commands that show or change a patient's data, and so need a named person (discharge/cli/person.py).
NAMED = ("show", "decide")


def _personnummer(birth: str, serial: str) -> str:
    return f"{birth}-{serial}{luhn_check_digit((birth + serial)[2:])}"


REVIEW = _personnummer("19041103", "482")  # high risk, discharged 12 days ago: review open
HANDOVER = _personnummer("19061212", "395")  # standard risk, discharged yesterday: VC to accept
OVERDUE = _personnummer("19020707", "614")  # standard risk, discharged 3 days ago: acceptance overdue
UNKNOWN = _personnummer("19030303", "227")  # never had a pathway


def _key(identity: str) -> str:
    return resolve_patient(identity, SECRET)


def _event(identity: str, number: int, type_: str, ago: timedelta, **data: Any) -> PathwayEvent:
    document = cloudevent(
        id=f"cli-{RUN}-{identity[-4:]}-{number}",
        source=HOSPITAL,
        type=type_,
        time=NOW - ago,
        data={"patient": {"id": identity}, **data},
    )
    event = parse_inbound(json.dumps(document))
    return PathwayEvent(patient_key=_key(identity), event=event, actor=gateway_for(event.type))


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
    async with build_worker(client, settings, RecordingPublisher()):
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
    temporal_env: WorkflowEnvironment,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Callable[..., Any]:
    """Run `discharge ...` in-process with this test's Temporal server and secret in the environment."""
    monkeypatch.setenv("DISCHARGE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))  # read by audit_of()
    # The session's ring (the worker's keys), issued to OPS: the same keys, with a holder.
    ring = read_ring(Path(os.environ["DISCHARGE_PAYLOAD_KEYS_FILE"]))
    write_ring(tmp_path / "payload-keys.json", ring.with_holders([OPS]))
    monkeypatch.setenv("DISCHARGE_PAYLOAD_KEYS_FILE", str(tmp_path / "payload-keys.json"))
    monkeypatch.setenv("TEMPORAL_ADDRESS", temporal_env.client.service_client.config.target_host)
    monkeypatch.setenv("TEMPORAL_TASK_QUEUE", TASK_QUEUE)
    monkeypatch.setenv("DISCHARGE_PATIENT_KEY_SECRET", SECRET)

    async def run(*argv: str, as_person: str | None = OPS) -> Cli:
        if argv and argv[0] in NAMED and as_person is not None:
            argv = (*argv, "--as", as_person)
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
