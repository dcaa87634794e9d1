"""Every signal carries who sends it, and the pathway refuses one whose sender may not (issue 28, item 2).

The key ring keeps out whoever lacks it (tests/workflow/test_pathway_plaintext_refused.py); inside, each
process that holds it may signal only what it may send: the gateway, for the system whose subject the event
came on. A signal without a sender, from another process, or for the wrong system is dead-lettered
(``not_permitted``) and never applied; the real event, sent after a forged copy, is still taken.
"""

from __future__ import annotations

import asyncio

from temporalio.testing import WorkflowEnvironment

from events.deadletter import DeadLetter
from tests.inbound_events import admitted, discharged, hours, risk
from tests.workflow.pathway_helpers import Pathways, running_worker, until
from workflows.actor import Sender

CLI = Sender(kind="system", id="hospital", process="cli")
MUNICIPALITY = Sender(kind="system", id="municipality", process="gateway")


async def refused_letters(pw: Pathways, count: int) -> list[DeadLetter]:
    for _ in range(200):
        letters = [letter for _, letter in pw.publisher.dead_letters if letter.kind == "not_permitted"]
        if len(letters) >= count:
            return letters
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} not_permitted dead letter(s) expected: {pw.publisher.dead_letters}")


async def test_signals_without_a_permitted_sender_are_dead_lettered_and_the_gateways_are_taken(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send(admitted(t0))
        forged = risk(t0 + hours(1))
        await pw.send_as(None, forged)  # with the ring, but saying nobody sends it
        await pw.send_as(CLI, risk(t0 + hours(1), level="standard"))  # a process that may not signal
        await pw.send_as(MUNICIPALITY, discharged(t0 + hours(2)))  # a hospital event for a municipality
        letters = await refused_letters(pw, 3)
        reasons = sorted(letter.reason for letter in letters)
        assert any("no actor" in reason for reason in reasons)
        assert any("the cli process may not signal" in reason for reason in reasons)
        assert any("another system than hospital" in reason for reason in reasons)
        await pw.send(forged)  # the same event (source + id), now from the gateway: not a duplicate
        view = await until(pw, lambda v: v.risk_level == "high")
        assert view.discharged_at is None  # the municipality's "discharge" never applied
        assert all("not_permitted" in letter.reason for letter in letters)


async def test_a_refused_signal_that_would_start_a_pathway_ends_its_run(
    pathway_env: WorkflowEnvironment,
) -> None:
    async with running_worker(pathway_env.client) as pw:
        t0 = await pathway_env.get_current_time()
        await pw.send_as(None, admitted(t0))
        await refused_letters(pw, 1)
        assert await pw.handle().result() is not None
        view = await pw.view()
        assert view.phase == "closed" and view.outcome == "no_pathway"
        await pw.send(admitted(t0))  # the hospital's own, through the gateway: a pathway opens
        await until(pw, lambda v: v.phase == "inpatient" and v.admitted_at is not None)
