"""Two workers and two gateways under load, one of each SIGKILLed mid-load: what is checked, and how.

Shared by the bench (`bench/replicas.py`, on the embedded stack as `discharge dev` runs it) and the test
(`tests/integration/test_two_of_each.py`, on the test session's servers). Given the running parts, it:

1. publishes one pathway alone, undisturbed (the reference: what each pathway must publish, its end state),
   and meanwhile waits until all four processes serve (each answers its own ``/readyz``);
2. publishes ``patients`` full pathways (`events.examples`: 6 inbound events each, interleaved across
   patients, as real traffic mixes them): first ``kill_at`` of their events, until the gateways have
   taken them; then it freezes the second worker and the second gateway (SIGSTOP), publishes the rest,
   and ``freeze`` seconds later SIGKILLs both (their whole process groups, no goodbye). Frozen, each still
   receives work it never finishes (the gateway events the consumer pushes to it, the worker workflow
   tasks of the pathways in its cache), so each dies holding some: a process that hangs, then dies;
3. waits until every pathway has published its last outbound event (or nothing moves for ``stall`` s) and
   counts **lost** pathways (no ``support_started``, or fewer than 6 events applied), **duplicate or
   extra effects** (outbound events on the stream beyond what the pathways must publish, per type: a step
   published twice under another id would show, and so would an escalation a late event should have
   prevented) and pathways whose **end state** (phase, risk level, escalations, events applied) differs
   from the reference: one patient's events applied in an order with another end would.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from nats.js import JetStreamContext
from temporalio.client import Client

from bench.delivery_latency import InboundTimes
from bench.pathways import interleaved, pathways_done, publish
from events.examples import EVENTS_PER_PATHWAY
from events.identity import resolve_patient, workflow_id_for
from events.streams import DEADLETTER_STREAM, INBOUND_STREAM, OUTBOUND_STREAM
from workers.gateway.consumer import DURABLE
from workers.stack.children import Child, ChildSpec
from workers.stack.health import http_ok, poll_until
from workflows.api import PathwayView
from workflows.names import QUERY_STATE

#: A part -> the setting that holds its HTTP address (each replica needs a port of its own).
HTTP_SETTING = {"worker": "DISCHARGE_WORKER_HTTP_ADDRESS", "gateway": "DISCHARGE_GATEWAY_HTTP_ADDRESS"}
#: The reference pathway's number, apart from the measured ones (0 .. patients - 1).
REFERENCE = 900_000


@dataclass
class Outcome:
    patients: int
    done: int = 0
    rate: float = 0.0
    lost: int = 0
    duplicate_effects: int = 0
    different: int = 0
    dead_letters: int = 0
    #: Events handed to the gateways but not acknowledged when the second ones were killed.
    unacked_at_kill: int = 0
    published: dict[str, int] = field(default_factory=dict)
    reference: tuple[object, ...] | None = None

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicate_effects or self.different or self.dead_letters)

    def lines(self) -> list[str]:
        return [
            f"pathways: {self.patients}; done: {self.done}; {self.rate:.1f} events/s end to end; "
            f"{self.unacked_at_kill} events unacked by the gateways at the kill",
            f"lost: {self.lost}",
            f"duplicate or extra effects: {self.duplicate_effects} (outbound per type: {self.published})",
            f"end state differs: {self.different} (reference {self.reference})",
            f"dead letters: {self.dead_letters}",
        ]


def replica_spec(original: ChildSpec, http_address: str) -> ChildSpec:
    """A second process of ``original``'s part: the same command and environment, its own HTTP port.

    Its spec keeps the part's name, which decides the secrets it is given (workers/stack/secrets.py): a
    name of its own would start it without the patient-key secret or the key ring. Its log lines are
    relayed as ``<part>-2``."""
    env = {**(original.env or {}), HTTP_SETTING[original.name]: http_address}
    relay = original.relay
    return ChildSpec(
        original.name, original.command, env=env, relay=lambda _, line: relay(f"{original.name}-2", line)
    )


def http_address(spec: ChildSpec) -> str:
    assert spec.env is not None
    return spec.env[HTTP_SETTING[spec.name]]


async def serving(children: list[Child], timeout: float = 120) -> None:
    """Until each worker and gateway answers its own ``/readyz`` (polling; consuming)."""
    for child in children:
        url = f"http://{http_address(child.spec)}/readyz"
        await poll_until(functools.partial(http_ok, url), f"{child.name} at {url}", timeout)


async def per_subject(js: JetStreamContext) -> Counter[str]:
    info = await js.stream_info(OUTBOUND_STREAM, subjects_filter="discharge.>")
    return Counter(info.state.subjects or {})


async def end_state(client: Client, key: str, tries: int = 5) -> tuple[object, ...] | None:
    """The pathway's end state; a query can fail while the killed worker still holds its sticky queue (the
    server moves it back to the task queue after a few seconds): asked again, then None (counted lost)."""
    handle = client.get_workflow_handle(workflow_id_for(key))
    for attempt in range(tries):
        try:
            view = await handle.query(QUERY_STATE, result_type=PathwayView)
            break
        except Exception:
            if attempt == tries - 1:
                return None
            await asyncio.sleep(3)
    events = sum(entry.kind == "event" for entry in view.log)
    return (view.phase, view.risk_level, tuple(view.escalations), events)


async def wait_done(js: JetStreamContext, expected: int, stall: float) -> int:
    """Pathways done once ``expected`` are, or when none has finished for ``stall`` seconds."""
    done, last_change = -1, time.perf_counter()
    while time.perf_counter() - last_change < stall:
        now_done = await pathways_done(js)
        if now_done != done:
            done, last_change = now_done, time.perf_counter()
        if done >= expected:
            break
        await asyncio.sleep(0.25)
    return done


async def wait_taken(js: JetStreamContext, sequence: int, timeout: float) -> None:
    """Until the gateways have acknowledged every inbound event up to ``sequence`` (polled: the
    consumer's state is the only signal there is)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if (await js.consumer_info(INBOUND_STREAM, DURABLE)).ack_floor.stream_seq >= sequence:
            return
        await asyncio.sleep(0.05)


async def two_of_each(
    js: JetStreamContext,
    client: Client,
    secret: str,
    second: list[Child],
    *,
    patients: int,
    kill_at: float,
    freeze: float = 2.0,
    stall: float = 120,
) -> Outcome:
    """Run the load, kill ``second`` (a worker and a gateway, maybe still starting) mid-load, and count
    (see the module). The first worker and gateway serve already."""
    outcome = Outcome(patients)
    run = uuid.uuid4().hex[:6]
    before, baseline = await pathways_done(js), await per_subject(js)
    reference = interleaved(REFERENCE, 1, run)
    ready = asyncio.create_task(serving(second))
    await publish(js, reference, InboundTimes())
    await wait_done(js, before + 1, stall)
    await ready
    await asyncio.sleep(2)  # the reference's outbound events that follow its support_started
    must_per_pathway = await per_subject(js) - baseline
    outcome.reference = await end_state(client, _key(reference[0], secret))
    first_seq = (await js.stream_info(INBOUND_STREAM)).state.last_seq
    events = interleaved(0, patients, run)
    split = int(len(events) * kill_at)
    started = time.perf_counter()
    await publish(js, events[:split], InboundTimes())
    await wait_taken(js, first_seq + split, stall)
    # Frozen while the rest arrives, so that each holds work when it dies: the gateway events pushed to
    # it, the worker workflow tasks of the pathways in its cache. Then SIGKILLed, no goodbye.
    for child in second:
        os.kill(child.pid, signal.SIGSTOP)
    await publish(js, events[split:], InboundTimes())
    await asyncio.sleep(freeze)
    outcome.unacked_at_kill = (await js.consumer_info(INBOUND_STREAM, DURABLE)).num_ack_pending
    for child in second:
        await child.kill()
    outcome.done = await wait_done(js, before + 1 + patients, stall) - before - 1
    outcome.rate = outcome.done * EVENTS_PER_PATHWAY / (time.perf_counter() - started)
    await asyncio.sleep(2)  # outbound events that follow the last support_started
    keys = sorted({_key(event, secret) for event in events})
    states = await asyncio.gather(*(end_state(client, key) for key in keys))
    published = await per_subject(js) - baseline
    must = Counter({subject: count * (patients + 1) for subject, count in must_per_pathway.items()})
    outcome.published = dict(published)
    outcome.duplicate_effects = sum((published - must).values())
    lost = sum(state is None or state[3] != EVENTS_PER_PATHWAY for state in states)
    outcome.lost = max(lost, patients - outcome.done)
    outcome.different = sum(state != outcome.reference for state in states)
    outcome.dead_letters = (await js.stream_info(DEADLETTER_STREAM)).state.messages
    return outcome


def _key(event: dict[str, object], secret: str) -> str:
    data = event["data"]
    assert isinstance(data, dict)
    return resolve_patient(str(data["patient"]["id"]), secret)
