"""The documented examples, published as they are (dated 2026-03-02), give one escalation per problem.

A coordinator who tries the README's `discharge publish docs/examples/…` months after the examples' date
gets a pathway whose every deadline is long past. Once it raised one escalation per missed day (264 at
once); the pathway now raises each problem once, saying how overdue it is, and a reminder counts from
now. The inbox and the patient page show each problem once however often it is raised again
(workers/web/problems.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from events.inbound.parsing import parse_inbound
from tests.workflow.pathway_helpers import running_worker, until
from workers.web.problems import problems_of

EXAMPLES = Path(__file__).parents[2] / "docs" / "examples"
PUBLISHED = ("hospital.patient_admitted", "hospital.risk_assessed", "hospital.patient_discharged")


async def test_the_documented_examples_published_late_raise_each_problem_once(
    pathway_env: WorkflowEnvironment,
) -> None:
    events = [parse_inbound((EXAMPLES / f"{name}.json").read_bytes()) for name in PUBLISHED]
    patient = events[0].data.patient.id
    async with running_worker(pathway_env.client) as pathways:
        for event in events:
            await pathways.send(event, patient)
        await until(pathways, lambda v: v.phase == "lmv_support", patient)
        await pathway_env.sleep(timedelta(hours=1))  # past the grace: every overdue deadline acted on
        view = await until(
            pathways, lambda v: v.phase == "extension_review" and len(v.escalations) >= 3, patient
        )
        first = Counter(view.escalations)
        assert first and max(first.values()) == 1, f"a problem raised more than once at first: {first}"
        assert len(pathways.publisher.reasons()) == len(view.escalations) < 10
        overdue = [e.data for e in pathways.publisher.of("escalation_raised") if e.data.get("overdue_by")]
        assert overdue, "a late history says how overdue it is"

        # Three days on, the missed decision is reminded daily: raisings grow, problems do not.
        await pathway_env.sleep(timedelta(days=3))
        later = await until(pathways, lambda v: len(v.escalations) > len(view.escalations), patient)
        problems = problems_of(later)
        assert len(problems) == len(first)
        repeated = next(p for p in problems if p.reason == "extension_decision_overdue")
        assert repeated.count == later.escalations.count("extension_decision_overdue") > 1
        assert repeated.raised_at is not None and repeated.last_raised_at is not None
        assert repeated.raised_at < repeated.last_raised_at
