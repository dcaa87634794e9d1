"""Demo patients: realistic pathways a newcomer sees the moment the stack is up.

The demo publishes CloudEvents on ``events.<type>`` exactly as a hospital, LMV, a VC, a municipality
or a coordinator would. Their clinical times lie in the past relative to now, so the pathways (which
compute every deadline from clinical time) are at once in interesting states with the default
durations: an extension review due, an extension recorded, an overdue handover, an escalation ...

Every event's id is fixed per demo patient and step, and JetStream de-duplicates on ``Nats-Msg-Id``
(source + " " + id); the pathway de-duplicates on the same key, so running the demo twice has no
second effect. The identities are synthetic: valid-format personnummer born before 1910.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from temporalio.service import RPCError

from discharge.nats_connection import connect_nats
from discharge.settings import Settings
from discharge.temporal_client import connect_temporal
from events.identity import luhn_check_digit, resolve_patient, workflow_id_for
from events.inbound import parse_inbound
from events.publisher import (
    CLOUDEVENTS_CONTENT_TYPE,
    INBOUND_STREAM,
    ensure_streams,
    inbound_msg_id,
)
from workflows.api import QUERY_STATE, WORKFLOW_TYPE, PathwayView

HOSPITAL = "urn:hsa:SE2321000131-E000000000001"  # Hallands sjukhus
WARD = "SE2321000131-E000000000010"
PAL = "SE2321000131-E000000000011"  # patientansvarig läkare
LMV = "SE2321000131-E000000000200"
LMV_DOCTOR = "SE2321000131-E000000000201"
COORDINATOR = "SE2321000131-E000000000300"
VC_CENTRUM = "SE2321000131-E000000000101"
VC_ANDERSBERG = "SE2321000131-E000000000102"
VC_VARBERG = "SE2321000131-E000000000103"
VC_DOCTOR = "SE2321000131-E000000000111"
KOMMUN_HALMSTAD = "1380"
MUNICIPALITY = f"urn:kommun:{KOMMUN_HALMSTAD}"

#: Decisions that answer a task the pathway opens on its own (an extension decided on a review) are
#: sent in a second wave, once the pathway shows the task open; at most this long is waited for it.
#: Above production's `DISCHARGE_LATE_EVENT_GRACE` (PT1M): the demo's past-dated review opens only then
#: (10 s on `discharge dev`).
WAVE_WAIT_LIMIT = timedelta(seconds=90)
#: When Temporal cannot be asked, the second wave follows after this pause instead.
BLIND_PAUSE = timedelta(seconds=3)


def personnummer(birth_date: str, serial: str) -> str:
    """A valid-format personnummer ``YYYYMMDD-NNNC`` with its Luhn check digit."""
    digits = (birth_date + serial)[2:]
    return f"{birth_date}-{serial}{luhn_check_digit(digits)}"


def _src(hsa_id: str) -> str:
    return f"urn:hsa:{hsa_id}"


@dataclass(frozen=True)
class Step:
    """One event of a demo patient: ``ago`` before the demo's anchor time, sent by ``source``."""

    ago: timedelta
    type: str
    source: str
    data: dict[str, Any]
    second_wave: bool = False


@dataclass(frozen=True)
class DemoPatient:
    slug: str
    phase: str  # the phase the pathway is in right after the demo is loaded (default durations)
    identity: str
    shows: str  # what a newcomer sees on this pathway
    steps: Sequence[Step] = field(default_factory=tuple)

    def events(self, anchor: datetime) -> list[tuple[Step, dict[str, Any]]]:
        result = []
        for number, step in enumerate(self.steps, start=1):
            event = {
                "specversion": "1.0",
                # Deterministic per patient and step: a second run is recognised as a duplicate.
                "id": f"demo-{self.slug}-{number:02d}",
                "source": step.source,
                "type": step.type,
                "time": (anchor - step.ago).isoformat(),
                "datacontenttype": "application/json",
                "data": {"patient": {"id": self.identity}, **step.data},
            }
            result.append((step, event))
        return result


def _d(days: float, hours: float = 0) -> timedelta:
    return timedelta(days=days, hours=hours)


def _admitted(ago: timedelta, episode: str, vc: str, home: str = "own_home", how: str = "unplanned") -> Step:
    data = {"episode_id": episode, "unit": WARD, "admission": how}
    data |= {"listed_vardcentral": vc, "home_type": home}
    return Step(ago, "hospital.patient_admitted", HOSPITAL, data)


def _risk(ago: timedelta, episode: str, level: str) -> Step:
    data = {"episode_id": episode, "level": level, "assessed_by": PAL}
    return Step(ago, "hospital.risk_assessed", HOSPITAL, data)


def _confirmed(ago: timedelta, party: str, unit: str) -> Step:
    doctor = LMV_DOCTOR if party == "lmv" else VC_DOCTOR
    data = {"party": party, "unit": unit, "confirmed_by": doctor}
    return Step(ago, "primarycare.planning_confirmed", _src(unit), data)


def _discharged(ago: timedelta, episode: str, vc: str, home: str = "own_home") -> Step:
    data = {"episode_id": episode, "home_type": home, "listed_vardcentral": vc}
    return Step(ago, "hospital.patient_discharged", HOSPITAL, data)


def _contact(ago: timedelta, party: str, kind: str) -> Step:
    unit, doctor = (LMV, LMV_DOCTOR) if party == "lmv" else (VC_CENTRUM, VC_DOCTOR)
    data = {"party": party, "kind": kind, "performed_by": doctor}
    return Step(ago, "primarycare.physician_contact", _src(unit), data)


def _accepted(ago: timedelta, vc: str) -> Step:
    return Step(ago, "primarycare.handover_accepted", _src(vc), {"unit": vc, "accepted_by": VC_DOCTOR})


def _experience(ago: timedelta, unit: str, by: str, score: int) -> Step:
    # The comment is accepted and dropped by the gateway (indicator 7 keeps the score only).
    data = {"score": score, "collected_by": by, "comment": "Tryggt att läkaren kom hem."}
    return Step(ago, "primarycare.patient_experience_reported", _src(unit), data)


def _planned_high_risk(episode: str, vc: str, admitted: float, discharged: float, home: str) -> list[Step]:
    """Admission, a high-risk assessment, joint planning confirmed by both, discharge, first contact."""
    return [
        _admitted(_d(admitted), episode, vc, home),
        _risk(_d(admitted - 1), episode, "high"),
        _confirmed(_d(admitted - 1, -3), "lmv", LMV),
        _confirmed(_d(admitted - 1, -6), "vardcentral", vc),
        _discharged(_d(discharged), episode, vc, home),
        _contact(_d(discharged, -5), "lmv", "home_visit"),
    ]


PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient(
        "review-due",
        "extension_review",
        personnummer("19050317", "238"),
        "high risk, discharged 12 days ago: extension review open, due in 2 days",
        _planned_high_risk("HS-DEMO-1001", VC_CENTRUM, admitted=17, discharged=12, home="own_home"),
    ),
    DemoPatient(
        "extended",
        "lmv_support",
        personnummer("19021108", "417"),
        "high risk, discharged 13 days ago, support extended by 7 days with a reason at the review",
        [
            *_planned_high_risk("HS-DEMO-1002", VC_ANDERSBERG, admitted=19, discharged=13, home="own_home"),
            Step(
                _d(1),
                "coordination.extension_decided",
                _src(COORDINATOR),
                {
                    "decision": "extend",
                    "extend_days": 7,
                    "reason": "Oxygen weaning not finished; LMV keeps following up at home",
                    "decided_by": COORDINATOR,
                },
                second_wave=True,
            ),
        ],
    ),
    DemoPatient(
        "early-handover",
        "follow_up",
        personnummer("19080624", "552"),
        "high risk, LMV proposed an early handover after 5 days and the VC accepted: follow-up",
        [
            *_planned_high_risk("HS-DEMO-1003", VC_VARBERG, admitted=13, discharged=8, home="own_home"),
            Step(_d(3), "primarycare.handover_proposed", _src(LMV), {"proposed_by": LMV_DOCTOR}),
            _accepted(_d(2), VC_VARBERG),
            _experience(_d(2, -1), LMV, LMV_DOCTOR, 5),
        ],
    ),
    DemoPatient(
        "handover-overdue",
        "handover",
        personnummer("19031230", "664"),
        "high risk, handover proposed 4 days ago, the VC has not accepted: overdue and escalated",
        [
            *_planned_high_risk("HS-DEMO-1004", VC_CENTRUM, admitted=14, discharged=9, home="own_home"),
            Step(_d(4), "primarycare.handover_proposed", _src(LMV), {"proposed_by": LMV_DOCTOR}),
        ],
    ),
    DemoPatient(
        "standard-risk",
        "follow_up",
        personnummer("19060409", "771"),
        "standard risk: responsibility passed to the listed VC at discharge, accepted the same day",
        [
            _admitted(_d(6), "HS-DEMO-1005", VC_ANDERSBERG, how="planned"),
            _risk(_d(5), "HS-DEMO-1005", "standard"),
            _discharged(_d(3), "HS-DEMO-1005", VC_ANDERSBERG),
            _accepted(_d(3, -4), VC_ANDERSBERG),
            _experience(_d(1), VC_ANDERSBERG, VC_DOCTOR, 4),
        ],
    ),
    DemoPatient(
        "no-risk-assessment",
        "handover",
        personnummer("19010215", "826"),
        "discharged yesterday without a risk assessment: escalated, handover to the VC waiting",
        [
            _admitted(_d(4), "HS-DEMO-1006", VC_VARBERG),
            _discharged(_d(1), "HS-DEMO-1006", VC_VARBERG),
        ],
    ),
    DemoPatient(
        "nursing-home",
        "lmv_support",
        personnummer("19071019", "943"),
        "nursing-home resident (SäBo), high risk: home visit requested, VC home visit reimbursable",
        [
            *_planned_high_risk("HS-DEMO-1007", VC_CENTRUM, admitted=8, discharged=3, home="nursing_home"),
            Step(_d(3, -2), "municipality.homecare_enrolled", MUNICIPALITY, {"municipality": "1380"}),
            _contact(_d(2), "vardcentral", "home_visit"),
        ],
    ),
    DemoPatient(
        "readmitted",
        "joint_planning",
        personnummer("19040522", "135"),
        "standard risk, discharged 10 days ago, readmitted unplanned yesterday: a new pathway in planning",
        [
            _admitted(_d(16), "HS-DEMO-1008", VC_CENTRUM),
            _risk(_d(15), "HS-DEMO-1008", "standard"),
            _discharged(_d(10), "HS-DEMO-1008", VC_CENTRUM),
            _accepted(_d(10, -6), VC_CENTRUM),
            _admitted(_d(1), "HS-DEMO-1009", VC_CENTRUM),
            _risk(_d(0, 20), "HS-DEMO-1009", "high"),
        ],
    ),
    DemoPatient(
        "deceased",
        "closed",
        personnummer("19090801", "246"),
        "high risk, died at home 6 days after discharge: pathway closed",
        [
            *_planned_high_risk("HS-DEMO-1010", VC_VARBERG, admitted=11, discharged=7, home="own_home"),
            Step(_d(1), "hospital.patient_deceased", HOSPITAL, {"episode_id": "HS-DEMO-1010"}),
        ],
    ),
    DemoPatient(
        "planning-stuck",
        "joint_planning",
        personnummer("19000912", "357"),
        "inpatient, high risk: LMV confirmed joint planning, the VC has not for 30 hours: escalated",
        [
            _admitted(_d(3), "HS-DEMO-1011", VC_ANDERSBERG),
            _risk(_d(1, 6), "HS-DEMO-1011", "high"),
            _confirmed(_d(1, 4), "lmv", LMV),
        ],
    ),
)


def anchor_time(now: datetime) -> datetime:
    """The demo's "now", on the hour: the same events (bytes and all) for a rerun within the hour."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Round:
    second_wave: bool
    events: list[dict[str, Any]]


def demo_rounds(now: datetime) -> list[Round]:
    """The demo's events in rounds, each validated as the gateway would validate it.

    Round k holds the k-th event of every patient, so a patient's events never travel in the same
    round: a gateway that works on several messages at once cannot reorder one patient's story.
    The second-wave decisions come last, in a round of their own.
    """
    anchor = anchor_time(now)
    first: list[Round] = []
    second = Round(second_wave=True, events=[])
    for patient in PATIENTS:
        index = 0
        for step, event in patient.events(anchor):
            parse_inbound(json.dumps(event), now=now)  # raises InvalidEvent: a broken demo is a bug
            if step.second_wave:
                second.events.append(event)
                continue
            if index == len(first):
                first.append(Round(second_wave=False, events=[]))
            first[index].events.append(event)
            index += 1
    return [*first, second] if second.events else first


def demo_events(now: datetime) -> list[tuple[bool, dict[str, Any]]]:
    """Every demo event as ``(second_wave, CloudEvent)``, in publishing order."""
    return [(round_.second_wave, event) for round_ in demo_rounds(now) for event in round_.events]


async def publish_demo(
    js: JetStreamContext, now: datetime, between_rounds: Callable[[bool], Awaitable[None]] | None = None
) -> int:
    """Publish the demo on ``events.<type>``; return how many were new (not JetStream duplicates).

    ``between_rounds(next_is_second_wave)`` is awaited after a round of which anything was new (a
    rerun, all duplicates, has nothing to wait for).
    """
    rounds = demo_rounds(now)
    published = 0
    for number, round_ in enumerate(rounds):
        new = 0
        for event in round_.events:
            headers = {
                "Nats-Msg-Id": inbound_msg_id(event["source"], event["id"]),
                "Content-Type": CLOUDEVENTS_CONTENT_TYPE,
            }
            ack = await js.publish(f"events.{event['type']}", json.dumps(event).encode(), headers=headers)
            new += 0 if ack.duplicate else 1
        published += new
        if new and between_rounds is not None and number + 1 < len(rounds):
            await between_rounds(rounds[number + 1].second_wave)
    return published


async def consumers_caught_up(js: JetStreamContext, limit: timedelta) -> bool:
    """Wait (bounded) until every consumer of the inbound stream has taken and acked all it was sent.

    The gateway acks an event once it is in the pathway's history, so then the next round may go.
    No consumer at all (no gateway yet) counts as caught up: there is nobody to wait for.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit.total_seconds()
    while True:
        consumers = await js.consumers_info(INBOUND_STREAM)
        if all(not (info.num_pending or info.num_ack_pending) for info in consumers):
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.05)


async def wait_for_open_reviews(settings: Settings, limit: timedelta = WAVE_WAIT_LIMIT) -> None:
    """Wait (bounded) until every pathway a second-wave decision answers shows its review open."""
    secret = settings.discharge_patient_key_secret.get_secret_value()
    waiting = [patient for patient in PATIENTS if any(step.second_wave for step in patient.steps)]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit.total_seconds()
    try:
        client = await asyncio.wait_for(connect_temporal(settings), 5)
    except (RuntimeError, TimeoutError, RPCError, OSError):
        await asyncio.sleep(BLIND_PAUSE.total_seconds())  # cannot look: give the stack a moment
        return
    for patient in waiting:
        handle = client.get_workflow_handle(workflow_id_for(resolve_patient(patient.identity, secret)))
        while loop.time() < deadline:
            try:
                view = await handle.query(
                    QUERY_STATE, result_type=PathwayView, rpc_timeout=timedelta(seconds=5)
                )
                if view.pending_task == "extension_review" or view.extensions:
                    break
            except RPCError:
                pass  # the gateway has not started this pathway yet
            await asyncio.sleep(0.25)


async def demo_pathways_exist(settings: Settings) -> bool:
    """Whether Temporal already has a pathway (running or closed) of any demo patient.

    JetStream forgets a message id after its duplicate window (24 h), and signal-with-start would
    open a new pathway for a patient whose pathway has closed (the death): so a demo that is
    already in Temporal is not sent again. Without Temporal to ask, the answer is no.
    """
    secret = settings.discharge_patient_key_secret.get_secret_value()
    keys = ", ".join(f"'{resolve_patient(patient.identity, secret)}'" for patient in PATIENTS)
    query = f"WorkflowType = '{WORKFLOW_TYPE}' AND PatientKey IN ({keys})"
    try:
        client = await asyncio.wait_for(connect_temporal(settings), 5)
        async for _ in client.list_workflows(query, limit=1):
            return True
    except (RuntimeError, TimeoutError, RPCError, OSError):
        return False
    return False


async def load_demo(settings: Settings, wait_limit: timedelta = WAVE_WAIT_LIMIT) -> int:
    """Load the demo patients into a running stack; return the number of events published.

    Nothing is sent when Temporal already has the demo's pathways. Between rounds it waits (at most
    ``wait_limit`` each time) for the gateway to take the last round, and before the coordinator's
    decisions for the reviews they answer to be open; a zero ``wait_limit`` sends everything at once.
    """
    if await demo_pathways_exist(settings):
        return 0
    connection = await connect_nats(settings, name="discharge-demo", retry_forever=False)
    try:
        js = connection.jetstream()
        await ensure_streams(js)

        async def between_rounds(second_wave_next: bool) -> None:
            await consumers_caught_up(js, wait_limit)
            if second_wave_next:
                await wait_for_open_reviews(settings, wait_limit)

        return await publish_demo(js, datetime.now(UTC), between_rounds if wait_limit else None)
    finally:
        await connection.drain()


def demo_command() -> int:
    """`discharge demo`: one line of result, or one line of why not."""
    from discharge.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"discharge: {error}", file=sys.stderr)
        return 2
    try:
        count = asyncio.run(load_demo(settings))
    except (OSError, TimeoutError, NatsError) as error:
        print(
            f"discharge: cannot load the demo through NATS at {settings.nats_url}: {error}", file=sys.stderr
        )
        return 1
    total = sum(len(patient.steps) for patient in PATIENTS)
    if count == 0:
        print("Demo: already loaded, nothing sent. Try `discharge pathways` and `discharge tasks`.")
    else:
        print(
            f"Demo: {len(PATIENTS)} patients, {count} of {total} events published "
            f"({total - count} were already there). Try `discharge pathways` and `discharge tasks`."
        )
    return 0
