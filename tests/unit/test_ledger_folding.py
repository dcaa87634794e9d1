"""A pathway of thousands of events continues as new with a bounded payload and ends as one that did not."""

from __future__ import annotations

from datetime import datetime, timedelta

from events.inbound.envelopes import InboundEvent
from tests.inbound_events import accepted, admitted, confirmed, contact, days, discharged, event, hours, risk
from tests.unit.ledger_harness import GRACE, POLICY, T0, LedgerRun
from workflows.carried import Carried
from workflows.rules.folding import FOLD_AT, LOG_KEPT

#: Temporal refuses a payload over 2 MiB; the carried state must stay well below it whatever the events.
BOUND = 1024 * 1024


def contacts(count: int, first: datetime) -> list[InboundEvent]:
    """LMV's phone contacts, a minute apart, each applied (and each publishing its indicator event)."""
    return [
        contact(first + timedelta(minutes=i)).model_copy(update={"id": f"contact-{i}"}) for i in range(count)
    ]


def long_pathway(count: int) -> list[InboundEvent]:
    """A high-risk pathway with ``count`` LMV contacts during support, handed over after them."""
    handover = T0 + days(1) + timedelta(minutes=count + 60)
    return [
        admitted(T0),
        risk(T0 + hours(1)),
        confirmed(T0 + hours(2), "lmv"),
        confirmed(T0 + hours(3), "vardcentral"),
        discharged(T0 + days(1)),
        *contacts(count, T0 + days(1) + hours(1)),
        event("primarycare.handover_proposed", handover, proposed_by="SE2321000131-E000000000010"),
        accepted(handover + hours(1)),
    ]


def continued(r: LedgerRun) -> int:
    """Continue as new, as the workflow does: fold past `FOLD_AT`, carry the JSON text; its size."""
    if len(r.ledger.entries) > FOLD_AT:
        r.ledger.fold(r.state)
    text = Carried.of(r.state, r.ledger, POLICY, []).model_dump_json()
    carried = Carried.model_validate_json(text)
    r.state, r.ledger = carried.state, carried.restored_ledger()
    return len(text)


def run_continuing(
    events: list[InboundEvent], every: int, late: list[InboundEvent]
) -> tuple[LedgerRun, list[int]]:
    """``events`` one a second, continuing as new after every ``every`` of them; then ``late`` arrive."""
    r, sizes = LedgerRun(), []
    now = T0 + days(12)
    for index, each in enumerate(events, start=1):
        r.arrive([each], now)
        now += timedelta(seconds=1)
        if index % every == 0:
            sizes.append(continued(r))
    r.arrive(late, now)
    for later in (now + GRACE, now + days(2), now + days(40)):
        r.tick(later)
    return r, sizes


def test_three_thousand_events_carry_a_bounded_state_and_end_as_a_pathway_that_never_continued() -> None:
    events = long_pathway(3000)
    # A contact clinically between the first two comes back late (a redelivery), after the runs continued:
    # older than the fold's horizon, it is applied after the folded events, and changes what it changes.
    between = T0 + days(1) + hours(1) + timedelta(seconds=30)
    late = [contact(between, kind="video").model_copy(update={"id": "late-contact"})]
    plain, _ = run_continuing(events, every=len(events) + 1, late=late)
    folded, sizes = run_continuing(events, every=700, late=late)

    unfolded = Carried.of(plain.state, plain.ledger, POLICY, []).model_dump_json()
    assert len(unfolded) > 2 * 1024 * 1024  # carried whole, it would be refused
    assert len(sizes) == 4 and max(sizes) < BOUND, sizes
    assert folded.end() == plain.end()
    assert folded.state.first_lmv_contact_at == T0 + days(1) + hours(1)
    assert folded.state.phase == "closed" and folded.state.outcome == "completed"
    # The same outbound events, each published once, and the same deliveries.
    assert sorted(p.step for p in folded.published) == sorted(p.step for p in plain.published)
    assert len({p.step for p in folded.published}) == len(folded.published)
    assert folded.deliveries() == plain.deliveries()
    assert folded.dead == plain.dead == []
    # The log keeps its latest entries at each fold (and grows with the events since) and says where the
    # others are.
    assert LOG_KEPT < len(folded.state.log) < len(plain.state.log) / 4
    assert "earlier log entries are in this pathway's earlier runs" in folded.state.log[0].summary
