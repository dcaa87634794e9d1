"""A pathway that folds its ledger as it continues as new ends as one that never continued (rules/folding.py).

The fold's size bound with thousands of events is tests/unit/test_ledger_folding.py (3,000 events through the
time-skipping server take minutes); here the workflow folds at a low `FOLD_AT`, many times over.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import accepted, admitted, confirmed, contact, days, discharged, event, hours, risk
from tests.workflow.pathway_helpers import Pathways, running_worker, taken, until
from tests.workflow.test_pathway_continue_as_new import comparable, runs_of
from workflows.rules import folding

CONTACTS = 40


async def test_a_pathway_folding_its_ledger_at_each_continue_ends_as_one_that_never_continued(
    pathway_env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = pathway_env
    monkeypatch.setattr(folding, "FOLD_AT", 5)
    monkeypatch.setattr(folding, "LOG_KEPT", 20)
    async with (
        running_worker(env.client, discharge_history_bound=40) as bounded,
        running_worker(env.client) as plain,
    ):
        t0 = await env.get_current_time() - days(4)
        first = t0 + days(1) + hours(1)
        events: list[InboundEvent] = [
            admitted(t0),
            risk(t0 + hours(1)),
            confirmed(t0 + hours(2), "lmv"),
            confirmed(t0 + hours(3), "vardcentral"),
            discharged(t0 + days(1)),
            *[
                contact(first + timedelta(minutes=i)).model_copy(update={"id": f"c-{i}"})
                for i in range(CONTACTS)
            ],
            # A contact clinically between the first two, arriving after the folds: applied after them.
            contact(first + timedelta(seconds=30), kind="video").model_copy(update={"id": "late"}),
        ]
        handover = first + timedelta(minutes=CONTACTS + 60)
        events += [
            event("primarycare.handover_proposed", handover, proposed_by="SE2321000131-E000000000010"),
            accepted(handover + hours(1)),
        ]
        views: list[Any] = []
        for pw in (bounded, plain):
            await send_all(pw, events)
            views.append(comparable(await until(pw, lambda v: v.phase == "follow_up")))
        assert await runs_of(bounded) > 3
        bounded_types = sorted(e.type for e in bounded.publisher.events)
        assert bounded_types == sorted(e.type for e in plain.publisher.events)
        assert len({e.id for e in bounded.publisher.events}) == len(bounded.publisher.events)
    folded, whole = views
    # The log is what differs: the folded run keeps its latest entries (and says where the others are).
    assert {k: v for k, v in folded.items() if k != "log"} == {k: v for k, v in whole.items() if k != "log"}
    assert folded["first_lmv_contact_at"] == first and folded["escalations"] == []
    assert "earlier log entries are in this pathway's earlier runs" in folded["log"][0]["summary"]
    assert len(folded["log"]) < len(whole["log"])


async def send_all(pw: Pathways, events: list[InboundEvent]) -> None:
    for each in events:
        await pw.send(each)
        await until(pw, taken(each))
