"""The simulator and the workflow agree: the same synthetic patients, the same phases and outbound events.

`discharge simulate` drives synthetic pathways through `workflows.rules` without Temporal. Here the same
patients' events are sent, each at its clinical time, to the real PatientPathway on the time-skipping
server; the phase after each event and every outbound event (type and data) must be what the
simulator produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from discharge.simulate.engine import Trace, run_pathway, simulation_policy
from discharge.simulate.params import SimulationParams
from discharge.simulate.patients import patient_script, synthetic_personnummer
from events.inbound.envelopes import InboundEvent
from tests.workflow.pathway_helpers import running_worker, until


def kinds(trace: Trace) -> list[str]:
    return [type_ for _, type_, _ in trace.outbound]


CASES: dict[str, Any] = {
    "high_risk_extended_once": lambda t: "extension_granted" in kinds(t) and not t.readmitted,
    "high_risk_escalated": lambda t: (
        "support_started" in kinds(t)
        and "extension_granted" not in kinds(t)
        and "escalation_raised" in kinds(t)
        and not t.readmitted
    ),
    "standard_risk_readmitted": lambda t: t.readmitted and "support_started" not in kinds(t),
}


def phase_at(trace: Trace, at: datetime) -> str:
    return [phase for when, phase in trace.phases if when <= at][-1]


def comparable(
    events: Sequence[tuple[str, dict[str, Any]]], episode: str
) -> list[tuple[str, dict[str, Any]]]:
    """This pathway's events (a readmission's new pathway is another one), the pseudonym left out."""
    return [
        (type_, {k: v for k, v in data.items() if k != "patient_key"})
        for type_, data in events
        if data.get("episode_id") == episode
    ]


@pytest.mark.parametrize("case", sorted(CASES))
async def test_the_workflow_takes_the_simulated_patient_through_the_same_steps(
    pathway_env: WorkflowEnvironment, case: str
) -> None:
    env = pathway_env
    t0 = await env.get_current_time()
    # Discharges from 45 days ahead: every event of the script (admissions included) lies in the future.
    params = SimulationParams(start=(t0 + timedelta(days=45)).date(), high_risk_share=0.4)
    async with running_worker(env.client) as pw:
        policy = simulation_policy(params, pw.settings)
        index, events, trace = _first_patient(CASES[case], params, policy)
        patient = synthetic_personnummer(index)
        for event in events:
            await _sleep_until(env, event.time)
            await pw.send(event, patient)
            view = await until(pw, lambda v: True, patient)
            if not trace.readmitted or event.time < trace.phases[-1][0]:
                assert view.phase == phase_at(trace, event.time), f"after {event.type} at {event.time}"
        # Then the deadlines: the rest of the pathway runs on its timers until the window closes it.
        await _sleep_until(env, events[-1].time + policy.readmission_window + timedelta(days=20))
        if not trace.readmitted:
            final = await until(pw, lambda v: v.phase == "closed", patient)
            assert final.outcome == "completed" and trace.final_phase == "closed"
        published = [(e.type, dict(e.data)) for e in pw.publisher.events]
    episode = f"sim-ep-{index}"
    simulated = [(type_, data) for _, type_, data in trace.outbound]
    expected = comparable(simulated, episode)
    assert len(expected) >= 5 and expected[0][0] == "pathway_started" and expected[-1][0] == "pathway_closed"
    assert comparable(published, episode) == expected


def _first_patient(
    check: Any, params: SimulationParams, policy: Any
) -> tuple[int, list[InboundEvent], Trace]:
    for index in range(2000):
        events = patient_script(index, 0, params, policy)
        trace = run_pathway(f"pk_{index}", events, policy)
        if check(trace):
            return index, events, trace
    raise AssertionError("no synthetic patient of this kind")


async def _sleep_until(env: WorkflowEnvironment, at: datetime) -> None:
    gap = at - await env.get_current_time()
    if gap > timedelta(0):
        await env.sleep(gap)
