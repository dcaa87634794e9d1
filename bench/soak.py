"""Soak under faults: the parts as separate processes, each SIGKILLed and restarted during a load.

    python -m bench.soak [--patients 300] [--kills 2] [--pauses 1] [--shuffle-from 1] [--grace 40] [--hostile]

Starts NATS (JetStream on file storage), the Temporal dev server (SQLite file: a killed server must come
back with its workflows), the worker, the gateway and the delivery fan-out as child processes (the same
`ChildSpec`s `discharge dev` uses), all in JSON log mode. It publishes a full high-risk pathway for every
patient (admission, risk, two planning confirmations, discharge, first contact, handover proposed and
accepted) with a compressed readmission window, and meanwhile SIGKILLs and restarts each part ``--kills``
times.
Then it checks:

- every event JetStream acked to the publisher is in its patient's pathway (signalled in the history);
- exactly the expected outbound steps per episode (one of each; two planning confirmations), and nothing
  else (no escalation: the pathway ran right);
- exactly one delivery per receiver per outbound step, and nothing else (bench/soak_deliveries.py);
- every pathway at its expected end (closed, outcome ``completed``); no workflow still running;
- every line every part wrote is JSON.

The last line is one line of figures (recorded in docs/benchmarks.md). ``tests/integration/test_soak.py``
runs a short version (one kill of each part) in ``make test``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/soak.py`: the repository root, for `bench.*`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nats
from nats.js import JetStreamContext
from temporalio.client import Client, WorkflowExecutionStatus

from bench.soak_deliveries import deliveries_not_once
from bench.soak_hostile import (
    HUGE_BYTES,
    LATE_DAYS,
    burst,
    dead_letters_by_kind,
    first_outbound_times,
    huge_message,
    latency_line,
)
from bench.soak_parts import Parts, connect, publish_all, quietly, running_parts, soak_settings
from discharge.settings import Settings
from events.cloudevent import cloudevent
from events.identity import luhn_check_digit, parse_identity, patient_key, workflow_id_for
from events.streams import DELIVERY_CONSUMER, OUTBOUND_STREAM, ensure_streams

PARTS = ("worker", "gateway", "delivery", "nats", "temporal")
#: One of each per episode of a high-risk pathway handed over within its period, and nothing else.
EXPECTED_STEPS = {
    "pathway_started": 1,
    "joint_planning_requested": 1,
    "joint_planning_confirmed": 2,  # LMV's and the VC's confirmations (the read model's patient page)
    "support_started": 1,
    "handover_requested": 1,
    "handover_completed": 1,
    "pathway_closed": 1,
    "physician_contact_recorded": 1,  # the one LMV contact, for the follow-up indicators (docs/indicators.md)
}
UNIT = "SE2321000131-E000000000020"
STAFF = "SE2321000131-E000000000010"
HOSPITAL = "urn:hsa:SE2321000131-E000000000001"
LMV = "urn:hsa:SE2321000131-E000000000002"
VC = "urn:hsa:SE2321000131-E000000000003"


def patient(number: int) -> str:
    """A valid personnummer born 1900-1909 (never a living person), serial never 000."""
    year, serial = 1900 + number // 999 % 10, number % 999 + 1
    nine = f"{year % 100:02d}0101{serial:03d}"
    return f"{year}0101-{serial:03d}{luhn_check_digit(nine)}"


def pathway_events(run: str, number: int, start: datetime) -> list[dict[str, Any]]:
    """A full high-risk pathway in clinical order, one second apart from ``start``."""
    who = {"id": patient(number)}
    episode = f"soak-{run}-{number}"
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (
            "hospital.patient_admitted",
            HOSPITAL,
            {"episode_id": episode, "unit": UNIT, "admission": "unplanned"},
        ),
        ("hospital.risk_assessed", HOSPITAL, {"episode_id": episode, "level": "high", "assessed_by": STAFF}),
        ("primarycare.planning_confirmed", LMV, {"party": "lmv", "unit": UNIT, "confirmed_by": STAFF}),
        ("primarycare.planning_confirmed", VC, {"party": "vardcentral", "unit": UNIT, "confirmed_by": STAFF}),
        ("hospital.patient_discharged", HOSPITAL, {"episode_id": episode, "home_type": "own_home"}),
        ("primarycare.physician_contact", LMV, {"party": "lmv", "kind": "phone", "performed_by": STAFF}),
        ("primarycare.handover_proposed", LMV, {"proposed_by": STAFF}),
        ("primarycare.handover_accepted", VC, {"unit": UNIT, "accepted_by": STAFF}),
    ]
    return [
        cloudevent(
            id=f"{run}-{number}-{index}",
            source=source,
            type=type_,
            time=start + timedelta(seconds=index),
            data={"patient": who, **data},
        )
        for index, (type_, source, data) in enumerate(steps)
    ]


@dataclass
class Figures:
    patients: int
    events: int
    acked: int
    kills: Counter[str]
    seconds: float
    pauses: int = 0
    missing: int = 0
    extra_steps: int = 0
    not_completed: int = 0
    running: int = 0
    non_json: int = 0
    # Outbound types not exactly once per pathway, and how often: escalations among them are false ones.
    off_steps: Counter[str] = field(default_factory=Counter)
    deliveries: int = 0
    deliveries_not_once: int = 0
    # Parts that ended on their own during the run (name → exit code, last line): the run stops waiting.
    exited: dict[str, str] = field(default_factory=dict)
    hostile: str = ""  # with --hostile: what the hostile inputs did (bench/soak_hostile.py)
    runs: int = 0  # workflow runs of all pathways: more than one each where a long history continued as new
    recorded: set[tuple[str, str]] = field(default_factory=set)  # (event id, receiver) the pathways recorded
    ends: list[dict[str, Any] | None] = field(default_factory=list)  # per patient, comparable

    @property
    def ok(self) -> bool:
        return not (
            self.missing
            or self.extra_steps
            or self.not_completed
            or self.running
            or self.non_json
            or self.deliveries_not_once
            or self.exited
        )

    def line(self) -> str:
        kills = " ".join(f"{name} {self.kills[name]}" for name in PARTS)
        return (
            f"soak: {self.patients} patients, {self.events} events ({self.acked} acked), kills: {kills}, "
            f"Temporal paused {self.pauses}; "
            f"{self.seconds:.0f} s to every pathway's end; missing events {self.missing}, outbound steps "
            f"not exactly once {self.extra_steps}, pathways not completed {self.not_completed}, still "
            f"running {self.running}, non-JSON log lines {self.non_json}; false escalations "
            f"{self.off_steps['escalation_raised']}; types off {dict(self.off_steps)}; "
            f"deliveries {self.deliveries}, "
            f"not exactly once per receiver and step {self.deliveries_not_once}; "
            f"parts that exited on their own {self.exited or 'none'}; runs {self.runs}"
            + (f"; {self.hostile}" if self.hostile else "")
        )


async def soak(
    directory: Path,
    patients: int,
    kills: int,
    settings: Settings | None = None,
    *,
    shuffle_from: int | None = None,
    pauses: int = 0,
    pause_seconds: float = 10.0,
    hostile: bool = False,
    gap: float = 0.0,
) -> Figures:
    """Run the load with ``kills`` SIGKILLs of each part and ``pauses`` SIGSTOP/SIGCONT of Temporal. With
    ``shuffle_from``, the events of every patient from that number on are sent in a random order of their
    own (seeded), the others in order; compare `Figures.ends` with patient 0's (clinical order). ``gap``:
    seconds between two events sent (so that a patient's events reach its pathway one by one, not in one
    workflow task)."""
    settings = settings or soak_settings(directory)
    run = uuid.uuid4().hex[:6]
    now = datetime.now(UTC)
    per_patient = [pathway_events(run, n, now + timedelta(seconds=n % 30)) for n in range(patients)]
    arrival = [events[:] for events in per_patient]
    if shuffle_from is not None:
        for number in range(shuffle_from, patients):
            random.Random(number).shuffle(arrival[number])
    # The senders publish each patient's events in order, patients interleaved.
    events = [e for step in zip(*arrival, strict=True) for e in step]
    first: list[dict[str, Any]] = []  # the hostile inputs (bench/soak_hostile.py), ahead of everyone
    if hostile:
        late = pathway_events(run, patients + 1, now - timedelta(days=LATE_DAYS))
        per_patient += [burst(pathway_events(run, patients, now)), late]
        first = [huge_message(run, now, HOSPITAL), *per_patient[-2], *late]
    events = first + events
    acked_at: dict[str, datetime] = {}
    started = time.perf_counter()
    async with running_parts(directory, settings) as parts:
        nc = await nats.connect(
            settings.nats_url,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            error_cb=quietly,  # NATS being killed is the point: nats-py would print each failed reconnect
        )
        await ensure_streams(nc.jetstream())
        publishing = asyncio.create_task(publish_all(nc.jetstream, events, acked_at, gap))
        schedule = [name for _ in range(kills) for name in PARTS if name != "delivery"]
        random.Random(len(events)).shuffle(schedule)
        # The fan-out's kills first: the others keep the order they always had. (Shuffled in with them, a
        # worker restarted while a killed Temporal was still starting exited for good: the worker does not
        # retry its first connection, which is its own matter, not this soak's.)
        schedule = ["delivery"] * kills + schedule
        pause = 2.0
        for name in schedule:
            await asyncio.sleep(pause)
            await parts.kill(name)
            await asyncio.sleep(1.0)
            await parts.start(name)
        for _ in range(pauses):  # Temporal hangs while events keep arriving: the gateway must hold them
            await asyncio.sleep(pause)
            await parts.pause("temporal", pause_seconds)
        acked = await publishing
        client = await connect(settings)
        figures = Figures(patients, len(events), len(acked), parts.kills, 0.0, sum(parts.pauses.values()))
        await wait_until_closed(client, settings, per_patient, timeout=300 + patients, parts=parts)
        figures.exited = parts.exited()
        figures.seconds = time.perf_counter() - started
        await check(client, nc.jetstream(), settings, per_patient, set(acked), figures)
        await wait_for_deliveries(nc.jetstream())
        figures.deliveries, figures.deliveries_not_once = await deliveries_not_once(
            nc.jetstream(), settings.discharge_lmv_unit, figures.recorded
        )
        figures.non_json = len(parts.non_json_lines())
        if hostile:
            figures.hostile = await hostile_line(nc.jetstream(), settings, per_patient, patients, acked_at)
        await nc.close()
    return figures


async def wait_for_deliveries(js: JetStreamContext, timeout: float = 60) -> None:
    """Until the fan-out has taken every stored outbound event (its consumer has nothing pending)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        with contextlib.suppress(Exception):
            info = await js.consumer_info(OUTBOUND_STREAM, DELIVERY_CONSUMER)
            if info.num_pending == 0 and info.num_ack_pending == 0:
                return
        await asyncio.sleep(1)


def key_of(settings: Settings, number: int) -> str:
    return patient_key(
        parse_identity(patient(number)), settings.discharge_patient_key_secret.get_secret_value()
    )


async def wait_until_closed(
    client: Client,
    settings: Settings,
    per_patient: list[list[dict[str, Any]]],
    timeout: float,
    parts: Parts | None = None,
) -> None:
    """Until no pathway of this run is running (one visibility count every few seconds: describing every
    workflow in a loop would itself load the server it measures), or a part has exited on its own (nothing
    would end them: the figures then name it instead of waiting out the timeout)."""
    query = f"TaskQueue = '{settings.temporal_task_queue}' AND ExecutionStatus = 'Running'"
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        await asyncio.sleep(3)
        if parts is not None and parts.exited():
            return
        try:
            total = (await client.count_workflows(query)).count
            started = (await client.count_workflows(f"TaskQueue = '{settings.temporal_task_queue}'")).count
        except Exception:
            continue  # Temporal restarting
        if started >= len(per_patient) and total == 0:
            return


async def check(
    client: Client,
    js: JetStreamContext,
    settings: Settings,
    per_patient: list[list[dict[str, Any]]],
    acked: set[str],
    figures: Figures,
) -> None:
    steps = await outbound_steps(js)
    for number, events in enumerate(per_patient):
        key = key_of(settings, number)
        handle = client.get_workflow_handle(workflow_id_for(key))
        signalled: set[str] = set()
        try:
            figures.runs += await signalled_in_every_run(client, handle.id, signalled)
            description = await handle.describe()
            result = (
                await handle.result() if description.status == WorkflowExecutionStatus.COMPLETED else None
            )
        except Exception:
            result, description = None, None
        figures.ends.append(end_state(result))
        delivered = (result or {}).get("deliveries", [])
        figures.recorded.update((d["message_id"], d["recipient"]) for d in delivered)
        figures.missing += len({e["id"] for e in events} & acked - signalled)
        if description is None or description.status == WorkflowExecutionStatus.RUNNING:
            figures.running += 1
        if result is None or result.get("outcome") != "completed":
            figures.not_completed += 1
        mine = steps.get(key, Counter())
        off = Counter({t: mine[t] - n for t, n in EXPECTED_STEPS.items() if mine[t] != n})
        off.update({t: n for t, n in mine.items() if t not in EXPECTED_STEPS})
        figures.off_steps.update(off)
        figures.extra_steps += sum(1 for t, n in EXPECTED_STEPS.items() if mine[t] != n) + sum(
            n for t, n in mine.items() if t not in EXPECTED_STEPS
        )


async def hostile_line(
    js: JetStreamContext,
    settings: Settings,
    per_patient: list[list[dict[str, Any]]],
    patients: int,
    acked_at: dict[str, datetime],
) -> str:
    """Dead letters by kind; the others' wait for their first outbound event behind the burst; the late
    history's escalations by reason (at most one per problem)."""
    kinds = await dead_letters_by_kind(js)
    outbound = await first_outbound_times(js)
    published = {key_of(settings, n): acked_at[per_patient[n][0]["id"]] for n in range(patients)}
    first_out = {key: at for key, (at, _) in outbound.items()}
    late = outbound.get(key_of(settings, patients + 1), (None, Counter()))[1]
    return (
        f"hostile: a {HUGE_BYTES} B message, a {len(per_patient[patients])}-event burst for one patient, a "
        f"history {LATE_DAYS} days late; dead letters {dict(kinds)}; {latency_line(published, first_out)}; "
        f"the late history's escalations {dict(late) or 'none'}"
    )


async def signalled_in_every_run(client: Client, workflow_id: str, into: set[str]) -> int:
    """The ids of the events signalled to every run of ``workflow_id`` (a run that continued as new for a
    long history, workflows/carried.py, took some of them), from the latest run back; how many runs."""
    run_id: str | None = None
    runs = 0
    while True:
        runs += 1
        continued = ""
        handle = client.get_workflow_handle(workflow_id, run_id=run_id)
        async for event in handle.fetch_history_events():
            if event.HasField("workflow_execution_started_event_attributes"):
                continued = event.workflow_execution_started_event_attributes.continued_execution_run_id
            if event.HasField("workflow_execution_signaled_event_attributes"):
                payload = event.workflow_execution_signaled_event_attributes.input.payloads[0]
                codec = client.data_converter.payload_codec
                payload = (await codec.decode([payload]))[0] if codec is not None else payload
                into.add(json.loads(payload.data)["event"]["id"])
        if not continued:
            return runs
        run_id = continued


def end_state(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """A pathway's end without what differs between patients by construction (key, episode, times, log,
    and the deliveries' ids and times: what was delivered to whom, and each receipt's status, stays)."""
    if result is None:
        return None
    times = ("admitted_at", "discharged_at", "support_ends_at", "first_lmv_contact_at", "task_due_at")
    own = ("patient_key", "episode_id", "log", "deliveries", *times)
    end = {k: v for k, v in result.items() if k not in own}
    delivered = result.get("deliveries", [])
    end["deliveries"] = sorted((d["event_type"], d["recipient"], d["status"]) for d in delivered)
    return end


async def outbound_steps(js: JetStreamContext) -> dict[str, Counter[str]]:
    """Outbound events per patient key and type, read from the outbound stream."""
    found: dict[str, Counter[str]] = {}
    subscription = await js.pull_subscribe("discharge.>", stream=OUTBOUND_STREAM)
    while True:
        try:
            batch = await subscription.fetch(500, timeout=2)
        except TimeoutError:
            break
        for message in batch:
            event = json.loads(message.data)
            found.setdefault(event["data"]["patient_key"], Counter())[
                event["type"].removeprefix("discharge.")
            ] += 1
            await message.ack()
    await subscription.unsubscribe()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--kills", type=int, default=2, help="kills of each part")
    parser.add_argument("--pauses", type=int, default=1, help="SIGSTOP/SIGCONT pauses of Temporal")
    parser.add_argument("--shuffle-from", type=int, default=1, help="patients from this one arrive shuffled")
    # Above JetStream's ack wait (30 s), as production's PT1M is: a redelivery after a kill comes within it.
    parser.add_argument("--grace", type=float, default=40.0, help="DISCHARGE_LATE_EVENT_GRACE, seconds")
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="first a ~1 MiB message, a 1,000-event burst for one patient and a history 120 days late",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="discharge-soak-") as directory:
        grace = timedelta(seconds=args.grace)
        settings = soak_settings(Path(directory), discharge_late_event_grace=grace)
        figures = asyncio.run(
            soak(
                Path(directory),
                args.patients,
                args.kills,
                settings,
                pauses=args.pauses,
                shuffle_from=args.shuffle_from,
                hostile=args.hostile,
            )
        )
    in_order, *others = figures.ends
    different = sum(1 for end in others if end != in_order)
    fields: Counter[str] = Counter()  # what differs, to read a difference without a debugger
    for end in others:
        if end is not None and in_order is not None and end != in_order:
            fields.update(k for k in {*end, *in_order} if end.get(k) != in_order.get(k))
    print(figures.line() + f"; pathways different from clinical order {different} {dict(fields)}")
    return 0 if figures.ok and not different else 1


if __name__ == "__main__":
    sys.exit(main())
